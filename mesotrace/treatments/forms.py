"""Forms for plans, acknowledgements, bookings and opening hours; choices limited to the clinic."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import BodyZone
from mesotrace.core.forms import PlainInput
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import (
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    OpeningHours,
    PlanGoal,
    TreatmentPlan,
)
from mesotrace.treatments.queries.plans import allowed_map, protocol_choices
from mesotrace.treatments.services.plans import (
    GOAL_FIELDS,
    MAX_GOALS,
    MAX_REASON,
    PLAN_FIELDS,
    GoalInput,
)

# The indication follows the protocol on the pages.
PLAN_FORM_FIELDS = [*(name for name in PLAN_FIELDS if name != "indication"), "zones"]


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class ProtocolChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def __init__(self, *args: Any, refused: set[int], **kwargs: Any) -> None:
        self.refused = refused
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj.indication.name} — {obj.name}"
        if obj.pk in self.refused:
            return _("%(protocol)s (not allowed here)") % {"protocol": label}
        return label


class PlanForm(PlainInput, forms.ModelForm[TreatmentPlan]):
    """The plan's own fields; the service checks clinic, jurisdiction and zones again."""

    class Meta:
        model = TreatmentPlan
        fields = PLAN_FORM_FIELDS
        widgets = {
            "zones": forms.CheckboxSelectMultiple,
            "lifestyle_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        protocols = protocol_choices(clinic)
        decisions = allowed_map(clinic, protocols)
        refused = {pk for pk, decision in decisions.items() if not decision.allowed}
        self.fields["protocol"] = ProtocolChoiceField(
            queryset=protocols, refused=refused, label=_("Protocol")
        )
        practitioner = self.fields["practitioner"]
        assert isinstance(practitioner, forms.ModelChoiceField)
        practitioner.queryset = Practitioner.objects.for_clinic(clinic).filter(is_active=True)
        zones = self.fields["zones"]
        assert isinstance(zones, forms.ModelMultipleChoiceField)
        zones.queryset = BodyZone.objects.all()
        zones.required = True
        for name in ("price_per_session", "package_price", "discount_percent"):
            self.fields[name].widget.attrs.setdefault("step", "0.01")
        self.fields["price_per_session"].help_text = _("In %(currency)s.") % {
            "currency": clinic.currency
        }

    def _post_clean(self) -> None:
        # The service validates the whole plan with its clinic and patient; the form only
        # checks each field, so a half-built instance is never full_clean()ed here.
        return None


class GoalForm(PlainInput, forms.ModelForm[PlanGoal]):
    class Meta:
        model = PlanGoal
        fields = GOAL_FIELDS
        widgets = {"change": forms.NumberInput(attrs={"step": "0.1"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The goals table's column headers are not <label>s: name each input for screen readers.
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = str(field.label).capitalize()


GoalFormSet: type[BaseFormSet[GoalForm]] = formset_factory(
    GoalForm, extra=1, max_num=MAX_GOALS, validate_max=True
)


def goal_rows(formset: BaseFormSet[GoalForm]) -> list[GoalInput]:
    filled: list[dict[str, Any]] = [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data and form.cleaned_data.get("text")
    ]
    return [GoalInput(**{name: data[name] for name in GOAL_FIELDS}) for data in filled]


def goal_initial(plan: TreatmentPlan) -> list[dict[str, Any]]:
    return [{name: getattr(goal, name) for name in GOAL_FIELDS} for goal in plan.goals.all()]


class StopForm(PlainInput, forms.Form):
    stop_reason = forms.CharField(
        label=_("Reason for stopping"), max_length=MAX_REASON, widget=forms.Textarea
    )


class CourseForm(PlainInput, forms.Form):
    practitioner = forms.ModelChoiceField(
        label=_("Practitioner"), queryset=Practitioner.objects.none()
    )
    first_date = forms.DateField(label=_("First session on"), widget=DateInput)
    start_time = forms.TimeField(label=_("At"), widget=TimeInput)
    duration_minutes = forms.IntegerField(
        label=_("Minutes per session"),
        min_value=MIN_DURATION_MINUTES,
        max_value=MAX_DURATION_MINUTES,
        initial=30,
    )
    move_closed_days = forms.BooleanField(
        label=_("Move sessions on closed days to the next open day"), required=False
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["practitioner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Practitioner.objects.for_clinic(clinic).filter(is_active=True)

    def first_start(self) -> datetime.datetime:
        """Naive: the clinic's local time, which the service reads in the clinic's zone."""
        return datetime.datetime.combine(
            self.cleaned_data["first_date"], self.cleaned_data["start_time"]
        )


class RescheduleForm(CourseForm):
    first_date = forms.DateField(label=_("New date"), widget=DateInput)
    move_closed_days = None  # type: ignore[assignment]


class CancelForm(PlainInput, forms.Form):
    cancel_reason = forms.CharField(label=_("Reason for cancelling"), max_length=500)


class OpeningHoursForm(PlainInput, forms.ModelForm[OpeningHours]):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]
        widgets = {"opens": TimeInput(format="%H:%M"), "closes": TimeInput(format="%H:%M")}

    def _post_clean(self) -> None:
        return None


OpeningHoursFormSet: type[BaseFormSet[OpeningHoursForm]] = formset_factory(
    OpeningHoursForm, extra=2, can_delete=True, max_num=50, validate_max=True
)
