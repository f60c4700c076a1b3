"""Treatment plans, their screening acknowledgements, the course's appointments, and the session
record: what was done at each appointment, point by point, with every product's lot.

Saving a session (`mesotrace.charting`) draws stock from every lot it used; the StockMovement
it caused is linked from each mix line, so the lot trace and the stock agree.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mesotrace.catalogue.models import DEPTH_MAX_MM, DEPTH_MIN_MM, NEEDLE_LENGTH_MAX_MM, Technique
from mesotrace.core import formats
from mesotrace.core.models import ClinicOwned

MAX_SESSIONS = 50
MAX_INTERVAL_DAYS = 365
# A session of mesotherapy costs "200 USD to 600 USD" (domain.md §2); a hundred times
# the top of that range still fits, anything beyond is a typing error.
MAX_PRICE_PER_SESSION = Decimal("60000")
MAX_PACKAGE_PRICE = Decimal("1000000")
MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 480
CENT = Decimal("0.01")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped")


class DietType(models.TextChoices):
    NONE = "", _("No diet plan")
    CALORIE_CONTROLLED = "calorie_controlled", _("Calorie-controlled")
    MEDITERRANEAN = "mediterranean", _("Mediterranean")
    LOW_CARBOHYDRATE = "low_carbohydrate", _("Low carbohydrate")
    LOW_FAT = "low_fat", _("Low fat")
    HIGH_PROTEIN = "high_protein", _("High protein")
    VEGETARIAN = "vegetarian", _("Vegetarian")
    USUAL = "usual", _("Usual diet, unchanged")
    OTHER = "other", _("Other (see notes)")


class GoalMeasure(models.TextChoices):
    WAIST = "waist_circumference", _("Waist circumference")
    HIP = "hip_circumference", _("Hip circumference")
    THIGH = "thigh_circumference", _("Thigh circumference")
    ARM = "arm_circumference", _("Upper-arm circumference")
    WEIGHT = "body_weight", _("Body weight")
    BODY_FAT = "body_fat_percent", _("Body fat percentage")
    HAIR_DENSITY = "hair_density", _("Hair density")
    PAIN = "pain_score", _("Pain score")
    OTHER = "other", _("Other")


class GoalUnit(models.TextChoices):
    CM = "cm", "cm"
    KG = "kg", "kg"
    PERCENT = "%", "%"
    HAIRS_PER_CM2 = "hairs/cm2", _("hairs/cm²")
    POINTS = "points", _("points (0–10)")  # noqa: RUF001  # literal: gettext reads no escapes


class TreatmentPlan(ClinicOwned):
    """A patient's course of treatment: what, where, how often, at what price, towards what goal."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_plans"
    )
    indication = models.ForeignKey(
        "catalogue.Indication", on_delete=models.PROTECT, related_name="+"
    )
    protocol = models.ForeignKey("catalogue.Protocol", on_delete=models.PROTECT, related_name="+")
    zones = models.ManyToManyField("catalogue.BodyZone", blank=True, related_name="+")
    practitioner = models.ForeignKey(
        "practitioners.Practitioner",
        verbose_name=_("practitioner"),
        on_delete=models.PROTECT,
        related_name="treatment_plans",
    )
    planned_sessions = models.PositiveSmallIntegerField(
        _("planned sessions"), validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSIONS)]
    )
    interval_days = models.PositiveSmallIntegerField(
        _("days between sessions"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_INTERVAL_DAYS)],
    )
    currency = models.CharField(_("currency"), max_length=3, editable=False)
    price_per_session = models.DecimalField(
        _("price per session"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_PRICE_PER_SESSION)],
    )
    package_price = models.DecimalField(
        _("package price"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_PACKAGE_PRICE)],
        help_text=_("A price for the whole course, replacing sessions × price."),  # noqa: RUF001
    )
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    diet_type = models.CharField(
        _("diet"), max_length=20, choices=DietType.choices, blank=True, default=DietType.NONE
    )
    calorie_target_kcal = models.PositiveIntegerField(
        _("calorie target (kcal/day)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(800), MaxValueValidator(5000)],
    )
    exercise_minutes_per_week = models.PositiveSmallIntegerField(
        _("exercise (minutes per week)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(3000)],
    )
    lifestyle_notes = models.TextField(
        _("diet and exercise notes"), blank=True, validators=[MaxLengthValidator(2000)]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    stop_reason = models.TextField(
        _("reason for stopping"), blank=True, validators=[MaxLengthValidator(2000)]
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "patient", "status"], name="plan_clinic_patient"),
            models.Index(fields=["clinic", "status", "created_at"], name="plan_clinic_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_sessions__gte=1) & Q(planned_sessions__lte=MAX_SESSIONS),
                name="plan_sessions_range",
            ),
            models.CheckConstraint(
                condition=Q(interval_days__gte=1) & Q(interval_days__lte=MAX_INTERVAL_DAYS),
                name="plan_interval_range",
            ),
            models.CheckConstraint(
                condition=Q(price_per_session__gte=0), name="plan_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(package_price__isnull=True) | Q(discount_percent__isnull=True),
                name="plan_package_or_discount",
            ),
            models.CheckConstraint(
                condition=~Q(status=PlanStatus.STOPPED) | ~Q(stop_reason=""),
                name="plan_stop_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.protocol} · {self.patient}"

    def clean(self) -> None:
        super().clean()
        if self.package_price is not None and self.discount_percent is not None:
            raise ValidationError(
                {"discount_percent": _("Give a package price or a discount, not both.")}
            )

    @property
    def list_total(self) -> Decimal:
        """Sessions times price per session, before any package price or discount."""
        return (self.price_per_session * self.planned_sessions).quantize(CENT)

    @property
    def total(self) -> Decimal:
        if self.package_price is not None:
            return self.package_price.quantize(CENT)
        discount = self.discount_percent or Decimal("0")
        factor = (Decimal("100") - discount) / Decimal("100")
        return (self.list_total * factor).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def is_open(self) -> bool:
        """Draft or active: screening, edits and bookings still apply."""
        return self.status in {PlanStatus.DRAFT, PlanStatus.ACTIVE}


class PlanGoal(ClinicOwned):
    """A goal in words, optionally with a measurable target (e.g. waist -3 cm at 12 weeks)."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(_("goal"), max_length=300)
    measure = models.CharField(_("measure"), max_length=24, choices=GoalMeasure.choices, blank=True)
    change = models.DecimalField(
        _("target change"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-1000")), MaxValueValidator(Decimal("1000"))],
        help_text=_("Negative for a reduction, e.g. -3."),
    )
    unit = models.CharField(_("unit"), max_length=10, choices=GoalUnit.choices, blank=True)
    weeks = models.PositiveSmallIntegerField(
        _("in weeks"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(260)],
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        super().clean()
        target = [self.measure, self.change, self.unit, self.weeks]
        given = [value not in ("", None) for value in target]
        if any(given) and not all(given):
            raise ValidationError(
                _("A measurable target needs its measure, change, unit and number of weeks.")
            )
        if self.change == 0:
            raise ValidationError({"change": _("A target change cannot be zero.")})

    @property
    def target(self) -> str:
        if self.change is None:
            return ""
        sign = "+" if self.change > 0 else ""
        return _("%(measure)s %(sign)s%(change)s %(unit)s in %(weeks)s weeks") % {
            "measure": self.get_measure_display(),
            "sign": sign,
            # "f" keeps 20 as 20: normalize() alone gives 2E+1.
            "change": format(self.change.normalize(), "f"),
            "unit": self.get_unit_display(),
            "weeks": self.weeks,
        }


class ScreeningAcknowledgement(ClinicOwned):
    """A practitioner's acknowledgement of one screening warning, exactly as it was shown."""

    plan = models.ForeignKey(
        TreatmentPlan, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    code = models.CharField(_("warning code"), max_length=200)
    fingerprint = models.CharField(max_length=64)
    text = models.TextField(_("warning as shown"), validators=[MaxLengthValidator(4000)])
    reason = models.TextField(_("reason"), validators=[MaxLengthValidator(2000)])
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    practitioner = models.ForeignKey(
        "practitioners.Practitioner",
        verbose_name=_("practitioner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ["acknowledged_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "fingerprint"], name="acknowledged_once"),
            models.CheckConstraint(condition=~Q(reason=""), name="acknowledgement_has_reason"),
        ]

    def __str__(self) -> str:
        return self.code


class OpeningHours(ClinicOwned):
    """One opening period of a clinic on a weekday; a day may have several (e.g. a lunch break)."""

    weekday = models.PositiveSmallIntegerField(
        _("day"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.UniqueConstraint(fields=["clinic", "weekday", "opens"], name="one_period_start"),
            models.CheckConstraint(condition=Q(opens__lt=models.F("closes")), name="opens_first"),
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}\u2013{self.closes:%H:%M}"

    def clean(self) -> None:
        super().clean()
        if self.opens is not None and self.closes is not None and self.opens >= self.closes:
            raise ValidationError({"closes": _("Closing time must be after opening time.")})

    def covers(self, start: datetime.time, end: datetime.time) -> bool:
        return self.opens <= start and end <= self.closes


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("Did not attend")


# Statuses that hold the practitioner's time: a cancelled slot is free again.
HOLDS_TIME = (AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)


class Appointment(ClinicOwned):
    """One session of a plan's course, with a practitioner, at a time."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    practitioner = models.ForeignKey(
        "practitioners.Practitioner",
        verbose_name=_("practitioner"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    sequence = models.PositiveSmallIntegerField(
        _("session number"), validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSIONS)]
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(
                fields=["clinic", "practitioner", "starts_at"], name="appointment_practitioner"
            ),
            models.Index(fields=["clinic", "starts_at"], name="appointment_clinic_start"),
            models.Index(fields=["clinic", "patient", "starts_at"], name="appointment_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["plan", "sequence"],
                condition=~Q(status=AppointmentStatus.CANCELLED),
                name="one_live_appointment_per_session",
            ),
            models.CheckConstraint(
                condition=~Q(status=AppointmentStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="cancelled_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{formats.moment(self.starts_at)} · {self.practitioner.full_name}"

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


# --- The session record ------------------------------------------------------------------

ML_PLACES = 3
ML_DIGITS = 9
MIN_ML = Decimal("0.001")
MAX_ML_PER_POINT = Decimal("20")
MAX_CHARGES = Decimal("60000")
NEEDLE_GAUGE_MIN = 18
NEEDLE_GAUGE_MAX = 34
NEEDLE_LENGTH_MIN_MM = Decimal("1")


class Anaesthetic(models.TextChoices):
    NONE = "none", _("None")
    TOPICAL = "topical", _("Topical (cream)")
    INJECTED = "injected", _("Injected local anaesthetic")
    COLD = "cold", _("Cooling")


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Saved, not signed")
    SIGNED = "signed", _("Signed")


class MapView(models.TextChoices):
    FRONT = "front", _("Front")
    BACK = "back", _("Back")
    SCALP = "scalp", _("Scalp")


class TreatmentSession(ClinicOwned):
    """What was done at one appointment of a plan's course, by whom, with what."""

    appointment = models.OneToOneField(
        "treatments.Appointment", on_delete=models.PROTECT, related_name="charted_session"
    )
    plan = models.ForeignKey(
        "treatments.TreatmentPlan", on_delete=models.PROTECT, related_name="sessions"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    practitioner = models.ForeignKey(
        "practitioners.Practitioner",
        verbose_name=_("practitioner"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    performed_on = models.DateField(_("date"))
    anaesthetic = models.CharField(
        _("anaesthetic"), max_length=10, choices=Anaesthetic.choices, default=Anaesthetic.NONE
    )
    anaesthetic_note = models.CharField(_("anaesthetic details"), max_length=300, blank=True)
    pain_score = models.PositiveSmallIntegerField(
        _("pain score (0–10)"),  # noqa: RUF001
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    immediate_reactions = models.TextField(
        _("immediate reactions"), blank=True, validators=[MaxLengthValidator(2000)]
    )
    notes = models.TextField(_("notes"), blank=True, validators=[MaxLengthValidator(4000)])
    charges = models.DecimalField(
        _("charges"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_CHARGES)],
    )
    currency = models.CharField(_("currency"), max_length=3, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    charted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A retried submit carries the same key and gets the first session back.
    idempotency_key = models.CharField(max_length=100)
    request_fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["-performed_on", "-id"]
        indexes = [
            models.Index(fields=["clinic", "patient", "performed_on"], name="session_patient"),
            models.Index(fields=["clinic", "performed_on"], name="session_clinic_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "idempotency_key"], name="session_idempotency_key"
            ),
            models.CheckConstraint(
                condition=Q(pain_score__isnull=True) | Q(pain_score__lte=10),
                name="session_pain_score_range",
            ),
            models.CheckConstraint(condition=Q(charges__gte=0), name="session_charges_positive"),
            models.CheckConstraint(
                condition=Q(status=SessionStatus.DRAFT) | Q(signed_at__isnull=False),
                name="session_signed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.performed_on} · {self.patient}"

    @property
    def is_signed(self) -> bool:
        return self.status == SessionStatus.SIGNED


class Injection(ClinicOwned):
    """One point on the body map (or one of a nappage fill) with how it was injected."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="injections"
    )
    number = models.PositiveSmallIntegerField(_("point"))
    view = models.CharField(_("view"), max_length=5, choices=MapView.choices)
    x = models.DecimalField(max_digits=5, decimal_places=4)
    y = models.DecimalField(max_digits=5, decimal_places=4)
    zone = models.ForeignKey("catalogue.BodyZone", on_delete=models.PROTECT, related_name="+")
    volume_ml = models.DecimalField(
        _("volume (mL)"), max_digits=ML_DIGITS, decimal_places=ML_PLACES
    )
    depth_mm = models.DecimalField(
        _("depth (mm)"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(DEPTH_MIN_MM), MaxValueValidator(DEPTH_MAX_MM)],
    )
    needle_gauge = models.PositiveSmallIntegerField(
        _("needle gauge (G)"),
        validators=[MinValueValidator(NEEDLE_GAUGE_MIN), MaxValueValidator(NEEDLE_GAUGE_MAX)],
    )
    needle_length_mm = models.DecimalField(
        _("needle length (mm)"),
        max_digits=4,
        decimal_places=1,
        validators=[
            MinValueValidator(NEEDLE_LENGTH_MIN_MM),
            MaxValueValidator(NEEDLE_LENGTH_MAX_MM),
        ],
    )
    technique = models.CharField(_("technique"), max_length=20, choices=Technique.choices)

    class Meta:
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="injection_number_once"),
            models.CheckConstraint(condition=Q(volume_ml__gt=0), name="injection_volume_positive"),
            models.CheckConstraint(
                condition=Q(x__gte=0) & Q(x__lte=1) & Q(y__gte=0) & Q(y__lte=1),
                name="injection_point_on_map",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.zone_id} {self.volume_ml} mL"


class InjectionComponent(ClinicOwned):
    """One product of a point's mix, with the lot it came from: what a recall traces."""

    injection = models.ForeignKey(Injection, on_delete=models.PROTECT, related_name="components")
    product = models.ForeignKey("catalogue.Product", on_delete=models.PROTECT, related_name="+")
    # Indexed below together with the injection: the trace starts from the lot.
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    volume_ml = models.DecimalField(
        _("volume (mL)"), max_digits=ML_DIGITS, decimal_places=ML_PLACES
    )
    movement = models.ForeignKey(
        "inventory.StockMovement", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["injection", "id"]
        indexes = [models.Index(fields=["lot", "injection"], name="component_lot_injection")]
        constraints = [
            models.UniqueConstraint(fields=["injection", "product"], name="component_product_once"),
            models.CheckConstraint(condition=Q(volume_ml__gt=0), name="component_volume_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} lot {self.lot_id} {self.volume_ml} mL"
