"""Charted sessions: the injections placed on the body map, each syringe's mix with its lots.

A session belongs to one appointment. Saving it draws stock from every lot it used (the
StockMovement it caused is linked from each mix line), so the lot trace and the stock
agree. A signed session is locked; corrections are amendments that keep the original.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mesotrace.catalogue.models import DEPTH_MAX_MM, DEPTH_MIN_MM, NEEDLE_LENGTH_MAX_MM, Technique
from mesotrace.core.models import ClinicOwned

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
        "practitioners.Practitioner", on_delete=models.PROTECT, related_name="sessions"
    )
    performed_on = models.DateField(_("date"))
    anaesthetic = models.CharField(
        _("anaesthetic"), max_length=10, choices=Anaesthetic.choices, default=Anaesthetic.NONE
    )
    anaesthetic_note = models.CharField(_("anaesthetic details"), max_length=300, blank=True)
    pain_score = models.PositiveSmallIntegerField(
        _("pain score (0\u201310)"),
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


class SessionAmendment(ClinicOwned):
    """A correction to a saved session: what changed (before and after), why, by whom."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="amendments"
    )
    reason = models.TextField(_("reason"), validators=[MaxLengthValidator(2000)])
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="amendment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} · {self.reason[:40]}"


class PhotoView(models.TextChoices):
    FRONT = "front", _("Front")
    BACK = "back", _("Back")
    LEFT = "left", _("Left side")
    RIGHT = "right", _("Right side")
    CLOSE_UP = "close_up", _("Close-up")


def photo_path(instance: SessionPhoto, filename: str) -> str:
    """Storage name: by clinic and content hash, never the uploader's file name."""
    return f"photos/{instance.clinic_id}/{instance.sha256[:2]}/{instance.sha256}.jpg"


class SessionPhoto(ClinicOwned):
    """A standardised photo taken at a session, re-encoded so no metadata survives."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="photos")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    view = models.CharField(_("view"), max_length=10, choices=PhotoView.choices)
    zone = models.ForeignKey(
        "catalogue.BodyZone", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to=photo_path, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    taken_at = models.DateTimeField(_("taken"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    consent = models.ForeignKey(
        "consent.PhotoConsent", on_delete=models.PROTECT, related_name="photos"
    )

    class Meta:
        ordering = ["taken_at", "id"]
        indexes = [
            models.Index(fields=["clinic", "patient", "view", "taken_at"], name="photo_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.get_view_display()} · {self.taken_at:%Y-%m-%d}"


class LotUseOverride(ClinicOwned):
    """An owner's decision to chart one session with a lot under investigation, and why."""

    lot = models.ForeignKey("inventory.Lot", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="lot_overrides"
    )
    reason = models.TextField(_("reason"), validators=[MaxLengthValidator(2000)])
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "lot"], name="override_lot_once"),
            models.CheckConstraint(condition=~Q(reason=""), name="override_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} · {self.reason[:40]}"
