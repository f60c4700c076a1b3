"""What charting adds to a session record: amendments, photos, and owners' lot overrides.

The record itself (sessions, injections, each mix line with its lot) is kept by
`mesotrace.treatments`; a signed session is locked and corrected by amendments here.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mesotrace.core import formats
from mesotrace.core.models import ClinicOwned


class SessionAmendment(ClinicOwned):
    """A correction to a saved session: what changed (before and after), why, by whom."""

    session = models.ForeignKey(
        "treatments.TreatmentSession", on_delete=models.PROTECT, related_name="amendments"
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
        return f"{formats.day(self.at)} · {self.reason[:40]}"


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

    session = models.ForeignKey(
        "treatments.TreatmentSession", on_delete=models.PROTECT, related_name="photos"
    )
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
        return f"{self.get_view_display()} · {formats.day(self.taken_at)}"


class LotUseOverride(ClinicOwned):
    """An owner's decision to chart one session with a lot under investigation, and why."""

    lot = models.ForeignKey("inventory.Lot", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        "treatments.TreatmentSession", on_delete=models.PROTECT, related_name="lot_overrides"
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
