from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from mesotrace.accounts.models import Clinic, User
from mesotrace.audit.models import AuditAction
from mesotrace.core.forms import PlainInput


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True})
    )

    def clean_username(self) -> str:
        # Accounts are stored in lower case; throttling must count "Ann@" and "ann@" as one.
        return str(self.cleaned_data["username"]).lower()


class TokenForm(PlainInput, forms.Form):
    name = forms.CharField(label=_("What the token is for"), max_length=100, required=False)


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(PlainInput, forms.Form):
    patient = forms.IntegerField(label=_("Patient id"), required=False, min_value=1)
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none(), required=False)
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", "—"), *AuditAction.choices], required=False
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = cast(forms.ModelChoiceField[User], self.fields["user"])
        users.queryset = User.objects.filter(memberships__clinic=clinic).distinct()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
