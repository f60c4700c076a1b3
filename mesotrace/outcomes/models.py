"""Measurements (coded, stored in one UCUM unit), lifestyle logs, and split-body allocations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mesotrace.core import formats
from mesotrace.core.models import ClinicOwned
from mesotrace.outcomes.shipped import LOCAL


def display_unit(ucum: str) -> str:
    """UCUM annotations in braces are words ({hairs}/cm2 -> hairs/cm²); a bare one is no unit."""
    if ucum.startswith("{") and ucum.endswith("}"):
        return ""
    return ucum.replace("{", "").replace("}", "").replace("m2", "m²")


class MeasurementType(models.Model):
    """A kind of measurement: its code, canonical UCUM unit and plausible range (shipped)."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    code_system = models.CharField(max_length=60)
    code = models.CharField(max_length=40)
    unit = models.CharField(_("UCUM unit"), max_length=20)
    minimum = models.FloatField()
    maximum = models.FloatField()
    sided = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        unit = self.display_unit
        return f"{self.name} ({unit})" if unit else self.name

    @property
    def display_unit(self) -> str:
        """The UCUM unit as people write it: "{score}" is no unit, "kg/m2" is kg/m²."""
        return display_unit(self.unit)

    def display(self, value: float) -> str:
        """A value as a page shows it: one decimal at most, so 141 lb reads "64 kg"."""
        number = formats.number(round(value, 1))  # "72,5 kg" in French
        return f"{number} {self.display_unit}" if self.display_unit else number

    @property
    def is_local_code(self) -> bool:
        return self.code_system == LOCAL


class Side(models.TextChoices):
    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")
    NONE = "none", _("None")


class Measurement(ClinicOwned):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(
        "treatments.TreatmentPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    type = models.ForeignKey(MeasurementType, on_delete=models.PROTECT, related_name="+")
    value = models.FloatField(_("value (canonical unit)"))
    zone = models.ForeignKey(
        "catalogue.BodyZone", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    side = models.CharField(max_length=5, choices=Side.choices, default=Side.NONE)
    measured_at = models.DateTimeField()
    session = models.ForeignKey(
        "treatments.TreatmentSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    assessor_blinded = models.BooleanField(default=False)

    class Meta:
        ordering = ["measured_at", "pk"]
        indexes = [models.Index(fields=["clinic", "plan", "type"], name="measurement_plan_type")]

    def __str__(self) -> str:
        return f"{self.type.slug} {self.type.display(self.value)}"

    @property
    def shown(self) -> str:
        return self.type.display(self.value)


class EnteredBy(models.TextChoices):
    STAFF = "staff", _("Staff")
    PATIENT = "patient", _("Patient (portal)")


class LifestyleLog(ClinicOwned):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    diet_adherence_percent = models.PositiveSmallIntegerField()
    exercise_minutes_per_week = models.PositiveIntegerField()
    weight_kg = models.FloatField(null=True, blank=True)
    entered_by = models.CharField(max_length=8, choices=EnteredBy.choices, default=EnteredBy.STAFF)
    entered_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.date}: {self.diet_adherence_percent}% diet"


class SplitBodyAllocation(ClinicOwned):
    """Marks a plan split-body: the treated side, drawn with `secrets`, and its reveal."""

    plan = models.OneToOneField(
        "treatments.TreatmentPlan", on_delete=models.PROTECT, related_name="split_body"
    )
    treated_side = models.CharField(max_length=5, choices=Side.choices[:2])
    allocated_at = models.DateTimeField()
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    blinding = models.BooleanField(default=True)
    # Coded arms for blinded viewers: the side shown as "side A", drawn apart from the
    # treated side so the letter says nothing about the arm. Blank: no letter labels.
    side_a = models.CharField(max_length=5, choices=Side.choices[:2], blank=True, default="")
    revealed_at = models.DateTimeField(null=True, blank=True)
    revealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"plan {self.plan_id}: split-body"

    @property
    def control_side(self) -> str:
        return Side.RIGHT if self.treated_side == Side.LEFT else Side.LEFT
