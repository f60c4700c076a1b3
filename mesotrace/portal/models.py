"""The link a clinic sends a patient to open their own portal: expiring and revocable."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mesotrace.core.models import ClinicOwned


class PortalLink(ClinicOwned):
    """One link to one patient's portal. The URL's secret is kept only as its SHA-256."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    nonce_sha256 = models.CharField(max_length=64)
    expires_at = models.DateTimeField(_("expires"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_opened_at = models.DateTimeField(_("last opened"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "patient"], name="portal_link_patient")]

    def __str__(self) -> str:
        return f"portal link {self.pk} · {self.expires_at:%Y-%m-%d}"

    def is_open(self, now: datetime.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
