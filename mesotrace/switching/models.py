"""A clinic's CSV files from the system it leaves: each file uploaded, the column mapping kept
for the next file, and which patient each of the old system's identifiers became."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mesotrace.core.models import ClinicOwned


class CsvMapping(ClinicOwned):
    """The clinic's last column mapping (header → Mesotrace field), offered for its next file."""

    columns = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic"], name="one_csv_mapping_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{len(self.columns)} columns"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded, not imported")
    QUEUED = "queued", _("Importing")
    IMPORTED = "imported", _("Imported")


class CsvImport(ClinicOwned):
    """One uploaded file: its text as decoded (until it is imported), how it was read and,
    once imported, what it became. The hash tells a second upload of the same file."""

    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    text = models.TextField()
    encoding = models.CharField(max_length=30)
    delimiter = models.CharField(max_length=1)
    columns = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)
    # A background import that found a problem after all: each (field, reason); nothing written.
    refusal = models.JSONField(default=list)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "sha256"], name="csv_import_hash")]

    def __str__(self) -> str:
        return self.file_name


class ImportedPatient(ClinicOwned):
    """The patient an identifier of the old system became (`id:…`, or `record:…|birth date`):
    a second import of the same row finds it here and creates nothing."""

    key = models.CharField(max_length=250)
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "key"], name="csv_identifier_once")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.patient_id}"
