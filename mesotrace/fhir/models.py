"""What was imported from another system, by the identifier it came with."""

from __future__ import annotations

from django.db import models

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
