"""Forms for recording a measurement and a lifestyle log; ranges and units are checked
by the services, so a page and the API refuse the same input with the same words."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mesotrace.catalogue.models import BodyZone
from mesotrace.core import formats
from mesotrace.core.forms import PlainInput
from mesotrace.outcomes.models import MeasurementType
from mesotrace.outcomes.rules import CONVERSIONS
from mesotrace.patients.models import Patient
from mesotrace.treatments.models import TreatmentPlan, TreatmentSession

# Entry units offered on the page (UCUM code, what the user reads).
UNIT_CHOICES = [
    ("kg", "kg"),
    ("[lb_av]", "lb"),
    ("cm", "cm"),
    ("[in_i]", "in"),
    ("mm", "mm"),
    ("kg/m2", "kg/m²"),
    ("{score}", _("score")),
    ("%", "%"),
    ("{hairs}/cm2", _("hairs/cm²")),
]
WEIGHT_UNITS = [("kg", "kg"), ("[lb_av]", "lb")]
CONTROL = "control"  # the untreated side of a split-body plan, whichever it is
SIDE_CHOICES = [
    ("none", _("Not sided")),
    ("left", _("Left")),
    ("right", _("Right")),
    (CONTROL, _("Untreated control side (split-body)")),
]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"


class TypeSelect(forms.Select):
    """Each type's option carries its canonical unit, for the unit filter script."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(name, value, *args, **kwargs)
        kind = getattr(value, "instance", None)
        if isinstance(kind, MeasurementType):
            option["attrs"]["data-unit"] = kind.unit
        return option


class UnitSelect(forms.Select):
    """Each unit's option names the canonical unit it converts to."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(name, value, *args, **kwargs)
        if value in CONVERSIONS:
            option["attrs"]["data-canonical"] = CONVERSIONS[value][0]
        return option


class PlanChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    split_ids: set[int] = set()

    def label_from_instance(self, obj: Any) -> str:
        split = _(" · split-body") if obj.pk in self.split_ids else ""
        return f"{obj.protocol.name} ({obj.get_status_display().lower()}){split}"


class SessionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{formats.day(obj.performed_on)} · {obj.plan.protocol.name}"


class MeasurementForm(PlainInput, forms.Form):
    type = forms.ModelChoiceField(
        MeasurementType.objects.all(), label=_("Measurement"), widget=TypeSelect
    )
    value = forms.FloatField(label=_("Value"))
    unit = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES, widget=UnitSelect)
    zone = forms.ModelChoiceField(
        BodyZone.objects.order_by("name"), label=_("Site"), required=False
    )
    side = forms.ChoiceField(label=_("Side"), choices=SIDE_CHOICES, initial="none")
    measured_at = forms.DateTimeField(label=_("Measured at"), widget=DateTimeInput())
    plan = PlanChoiceField(TreatmentPlan.objects.none(), label=_("Plan"), required=False)
    session = SessionChoiceField(
        TreatmentSession.objects.none(), label=_("Session (optional)"), required=False
    )
    assessor_blinded = forms.BooleanField(
        label=_("I did not know which side was treated (blinded assessor)"), required=False
    )

    def __init__(
        self, *args: Any, patient: Patient, split_plan_ids: set[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        plan_field = self.fields["plan"]
        assert isinstance(plan_field, PlanChoiceField)
        plan_field.split_ids = split_plan_ids
        plan_field.queryset = (
            TreatmentPlan.objects.for_clinic(patient.clinic)
            .filter(patient=patient)
            .select_related("protocol")
            .order_by("-created_at")
        )
        session_field = self.fields["session"]
        assert isinstance(session_field, forms.ModelChoiceField)
        session_field.queryset = (
            TreatmentSession.objects.for_clinic(patient.clinic)
            .filter(patient=patient)
            .select_related("plan__protocol")
            .order_by("-performed_on")
        )
        self.fields["measured_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class LifestyleForm(PlainInput, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    diet_adherence_percent = forms.IntegerField(label=_("Diet adherence (%)"))
    exercise_minutes_per_week = forms.IntegerField(label=_("Exercise (minutes per week)"))
    weight = forms.FloatField(label=_("Weight"), required=False)
    weight_unit = forms.ChoiceField(label=_("Weight unit"), choices=WEIGHT_UNITS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()

    def weight_kg(self) -> float | None:
        weight = self.cleaned_data.get("weight")
        if weight is None:
            return None
        return round(float(weight) * CONVERSIONS[self.cleaned_data["weight_unit"]][1], 2)
