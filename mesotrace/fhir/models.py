"""What was imported from another system, by the identifier it came with; bulk exports."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mesotrace.core.models import ClinicOwned


class ImportedRecord(ClinicOwned):
    """One imported resource and the row it became: a second import of the same data finds
    it here and creates nothing."""

    resource_type = models.CharField(max_length=40)
    system = models.CharField(max_length=300)
    value = models.CharField(max_length=200)
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "resource_type", "system", "value"], name="imported_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_type} {self.system}|{self.value} → {self.object_id}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ExportLevel(models.TextChoices):
    SYSTEM = "system", _("Whole clinic")
    PATIENT = "patient", _("Every patient's record")
    GROUP = "group", _("Patients of a recall campaign")


class ExportJob(ClinicOwned):
    """One bulk `$export`: what was asked, how far it got, and the NDJSON files it wrote.

    `output` lists each file as {"type", "count", "file"} (file: a name in the job's folder).
    The files and the row are removed once `expires_at` has passed.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level = models.CharField(_("level"), max_length=10, choices=ExportLevel.choices)
    group_id = models.BigIntegerField(null=True, blank=True)
    types = models.JSONField(default=list)
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.TextField()
    base_url = models.TextField()
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total = models.PositiveBigIntegerField(default=0)
    written = models.PositiveBigIntegerField(default=0)
    output = models.JSONField(default=list)
    error = models.TextField(blank=True)
    transaction_time = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"$export {self.pk} ({self.status})"

    def folder(self) -> Path:
        """Where the export's files are: one folder per clinic, one per job within it."""
        root = settings.FHIR_EXPORT_DIR or Path(settings.MEDIA_ROOT) / "fhir-exports"
        return Path(root) / str(self.clinic_id) / str(self.pk)

    @property
    def downloadable(self) -> bool:
        return self.status == ExportStatus.DONE and bool(
            self.expires_at and self.expires_at > timezone.now()
        )

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return min(99, self.written * 100 // self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.status in {ExportStatus.QUEUED, ExportStatus.RUNNING}
