"""The tenancy base: every clinic-owned row carries its clinic and is queried through it."""

from __future__ import annotations

from typing import Self, TypeVar

from django.db import models

_M = TypeVar("_M", bound=models.Model)


class ClinicQuerySet(models.QuerySet[_M]):
    """Querysets of clinic-owned rows; views reach rows only through `for_clinic`."""

    def for_clinic(self, clinic: models.Model) -> Self:
        return self.filter(clinic=clinic)


class ClinicOwned(models.Model):
    """Abstract base for every row that belongs to one clinic."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClinicQuerySet.as_manager()

    class Meta:
        abstract = True


class Counter(models.Model):
    """Per-clinic sequences (patient record numbers, later invoice numbers)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=40)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="one_counter_per_name")
        ]

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


def next_number(clinic: models.Model, name: str, step: int = 1) -> int:
    """Reserves `step` numbers of a clinic sequence, returns the first; call in a transaction."""
    counter, _ = Counter.objects.select_for_update().get_or_create(clinic=clinic, name=name)
    first = counter.value + 1
    counter.value += step
    counter.save(update_fields=["value"])
    return first
