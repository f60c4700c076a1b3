from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mesotrace.accounts.models import Clinic, User
from mesotrace.core.forms import PlainInput
from mesotrace.practitioners.models import (
    PRACTITIONER_FIELDS,
    InjectionPolicy,
    Practitioner,
    Qualification,
)


class DateInput(forms.DateInput):
    input_type = "date"


class PractitionerForm(PlainInput, forms.ModelForm[Practitioner]):
    class Meta:
        model = Practitioner
        fields = PRACTITIONER_FIELDS
        widgets = {"licence_expiry": DateInput(), "training_date": DateInput()}

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.clinic = clinic
        # Only this clinic's members and physicians can be chosen.
        users = cast(forms.ModelChoiceField[User], self.fields["user"])
        users.queryset = User.objects.filter(memberships__clinic=clinic).distinct()
        physicians = cast(
            forms.ModelChoiceField[Practitioner], self.fields["supervising_physician"]
        )
        physicians.queryset = Practitioner.objects.for_clinic(clinic).filter(
            qualification=Qualification.PHYSICIAN
        )

    def clean_user(self) -> User | None:
        # The unique constraint spans `clinic`, which the form excludes from its own checks.
        user: User | None = self.cleaned_data.get("user")
        others = Practitioner.objects.for_clinic(self.instance.clinic).exclude(pk=self.instance.pk)
        if user is not None and others.filter(user=user).exists():
            raise ValidationError(_("This member already has a practitioner profile here."))
        return user


class PolicyForm(PlainInput, forms.ModelForm[InjectionPolicy]):
    class Meta:
        model = InjectionPolicy
        fields = ["rule", "require_training"]
        labels = {"rule": _("Rule")}
