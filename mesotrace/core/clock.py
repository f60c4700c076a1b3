"""What day and time it is in a clinic: every clinic date is read in the clinic's own timezone."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Protocol

from django.utils import timezone


class InTimezone(Protocol):
    """Anything that lives in a timezone: a clinic."""

    @property
    def timezone(self) -> str: ...


def clinic_zone(clinic: InTimezone) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(clinic.timezone)


def local_date(clinic: InTimezone, when: datetime.datetime) -> datetime.date:
    return when.astimezone(clinic_zone(clinic)).date()


def clinic_today(clinic: InTimezone) -> datetime.date:
    return local_date(clinic, timezone.now())


def aware(when: datetime.datetime, clinic: InTimezone) -> datetime.datetime:
    """A naive time is read as the clinic's local time."""
    if timezone.is_naive(when):
        return when.replace(tzinfo=clinic_zone(clinic))
    return when
