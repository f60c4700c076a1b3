"""The patient's consents. For now: photo consent, which session photos are checked against."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mesotrace.core.models import ClinicOwned


class PhotoScope(models.TextChoices):
    CLINICAL_RECORD = "clinical_record", _("Clinical record only")
    TEACHING = "teaching", _("Teaching (anonymised)")
    MARKETING = "marketing", _("Marketing")


class PhotoConsent(ClinicOwned):
    """A patient's permission to photograph them for one use; withdrawn, it stops new photos."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="photo_consents"
    )
    scope = models.CharField(_("use"), max_length=20, choices=PhotoScope.choices)
    granted_at = models.DateTimeField(_("granted"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.TextField(
        _("reason for withdrawal"), blank=True, validators=[MaxLengthValidator(2000)]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "patient", "scope"], name="photo_consent_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawn_reason=""),
                name="photo_consent_withdrawal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} · {self.granted_at:%Y-%m-%d}"

    def valid_on(self, day: datetime.date) -> bool:
        if self.withdrawn_at is not None or self.granted_at.date() > day:
            return False
        return self.expires_on is None or self.expires_on >= day
