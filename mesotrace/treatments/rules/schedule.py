"""The schedule's time arithmetic: clinic time, opening periods, a course's slots, clashes.

Times are stored in UTC and reasoned about in the clinic's time zone: a course keeps the
same local time of day across a daylight-saving change.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from mesotrace.accounts.models import Clinic
from mesotrace.core.api import Conflict
from mesotrace.core.clock import aware, clinic_zone
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import (
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    Appointment,
    OpeningHours,
    TreatmentPlan,
)

DEFAULT_OPENS = datetime.time(9, 0)
DEFAULT_CLOSES = datetime.time(19, 0)
DEFAULT_DAYS = range(5)  # Monday to Friday
# A clashing session is offered the free starts nearest to it, a quarter hour apart, on its
# own day or up to three days either side.
SUGGESTIONS = 3
SEARCH_DAYS = 3
SUGGESTION_STEP = datetime.timedelta(minutes=15)


class BookingConflict(Conflict):
    """The practitioner or the patient is already booked at that time (409 in the API)."""

    def __init__(self, message: str, field: str = "starts_at") -> None:
        super().__init__(field, message)


@dataclass(frozen=True)
class Slot:
    sequence: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime


def as_clinic_time(value: datetime.datetime, clinic: Clinic) -> datetime.datetime:
    """An aware time in the clinic's zone; a naive one is read as the clinic's local time.

    A stored time at the edge of what Python holds (9999-12-31 late in the day, from data
    older than the date checks) stays as stored rather than overflow into year 10000."""
    try:
        return aware(value, clinic).astimezone(clinic_zone(clinic))
    except OverflowError:
        return value


def describe(value: datetime.datetime, clinic: Clinic) -> str:
    """ "Tuesday 14 April 2026, 18:30" in the clinic's time zone."""
    return formats.date_format(as_clinic_time(value, clinic), "l j F Y, H:i")


def period_errors(periods: Sequence[tuple[int, datetime.time, datetime.time]]) -> list[str]:
    """What is wrong with a week of opening periods: a period closing before it opens, or two
    periods of one day overlapping."""
    errors = []
    by_day: dict[int, list[tuple[datetime.time, datetime.time]]] = {}
    for day, opens, closes in periods:
        if opens >= closes:
            errors.append(_("Closing time must be after opening time."))
        by_day.setdefault(day, []).append((opens, closes))
    for spans in by_day.values():
        spans.sort()
        for (_o1, c1), (o2, _c2) in itertools.pairwise(spans):
            if o2 < c1:
                errors.append(_("Two periods of the same day overlap."))
    return errors


def hours_problem(
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    hours: Sequence[OpeningHours],
    clinic: Clinic,
) -> str | None:
    """Why this time is outside opening hours, or None when it is inside."""
    start, end = as_clinic_time(starts_at, clinic), as_clinic_time(ends_at, clinic)
    periods = [p for p in hours if p.weekday == start.weekday()]
    if start.date() == end.date() and any(p.covers(start.time(), end.time()) for p in periods):
        return None
    open_text = ", ".join(f"{p.opens:%H:%M}\u2013{p.closes:%H:%M}" for p in periods)
    return _("%(when)s is outside opening hours (%(hours)s).") % {
        "when": describe(starts_at, clinic),
        "hours": open_text or _("closed that day"),
    }


def open_on(day: datetime.date, hours: Sequence[OpeningHours]) -> bool:
    return any(period.weekday == day.weekday() for period in hours)


def check_duration(minutes: int) -> datetime.timedelta:
    if not MIN_DURATION_MINUTES <= minutes <= MAX_DURATION_MINUTES:
        raise ValidationError(
            {
                "duration_minutes": _("A session lasts %(low)s to %(high)s minutes.")
                % {"low": MIN_DURATION_MINUTES, "high": MAX_DURATION_MINUTES}
            }
        )
    return datetime.timedelta(minutes=minutes)


def check_practitioner(practitioner: Practitioner, clinic: Clinic) -> None:
    if practitioner.clinic_id != clinic.pk or not practitioner.is_active:
        raise ValidationError({"practitioner": _("Choose an active practitioner of this clinic.")})


def course_slots(
    plan: TreatmentPlan,
    sequences: Sequence[int],
    first_start: datetime.datetime,
    duration: datetime.timedelta,
    closed_days_to: Sequence[OpeningHours] | None = None,
) -> list[Slot]:
    """One slot per session, `interval_days` apart at the same local time of day.

    With `closed_days_to` (the clinic's hours), a session due on a day the clinic is
    closed moves to the next open day, always after the session before it.
    """
    local = as_clinic_time(first_start, plan.clinic)
    zone = clinic_zone(plan.clinic)
    slots: list[Slot] = []
    previous: datetime.date | None = None
    for index, sequence in enumerate(sequences):
        day = local.date() + datetime.timedelta(days=index * plan.interval_days)
        if closed_days_to is not None:
            day = _next_open_day(day, previous, closed_days_to)
        start = datetime.datetime.combine(day, local.time(), tzinfo=zone)
        # Normalise through UTC: a wall time inside a DST gap moves to a real instant.
        start = start.astimezone(datetime.UTC)
        slots.append(Slot(sequence, start, start + duration))
        previous = day
    return slots


def _next_open_day(
    day: datetime.date, after: datetime.date | None, hours: Sequence[OpeningHours]
) -> datetime.date:
    if after is not None and day <= after:
        day = after + datetime.timedelta(days=1)
    for _shift in range(7):
        if open_on(day, hours):
            return day
        day += datetime.timedelta(days=1)
    return day  # closed all week: the hours check refuses it


def first_clash(
    slots: Sequence[Slot], taken: Sequence[Appointment], practitioner: Practitioner, clinic: Clinic
) -> BookingConflict | None:
    """The conflict of the first slot that overlaps an appointment holding the time."""
    for slot in slots:
        for other in taken:
            if other.starts_at < slot.ends_at and slot.starts_at < other.ends_at:
                return _conflict(slot, other, practitioner, clinic)
    return None


def _conflict(
    slot: Slot, other: Appointment, practitioner: Practitioner, clinic: Clinic
) -> BookingConflict:
    when = describe(slot.starts_at, clinic)
    if other.practitioner_id == practitioner.pk:
        message = _(
            "Session %(n)s on %(when)s: %(name)s is already booked from %(start)s to %(end)s."
        ) % {
            "n": slot.sequence,
            "when": when,
            "name": practitioner.full_name,
            "start": f"{as_clinic_time(other.starts_at, clinic):%H:%M}",
            "end": f"{as_clinic_time(other.ends_at, clinic):%H:%M}",
        }
        return BookingConflict(message, "practitioner_id")
    message = _("Session %(n)s on %(when)s: the patient already has an appointment then.") % {
        "n": slot.sequence,
        "when": when,
    }
    return BookingConflict(message)


def with_moves(
    slots: Sequence[Slot], moved: Mapping[int, datetime.datetime], clinic: Clinic
) -> list[Slot]:
    """The course's slots with the sessions in `moved` starting at the time chosen for them."""
    found = []
    for slot in slots:
        start = moved.get(slot.sequence)
        if start is None:
            found.append(slot)
            continue
        start = aware(start, clinic).astimezone(datetime.UTC)
        found.append(Slot(slot.sequence, start, start + (slot.ends_at - slot.starts_at)))
    return found


def clashes(slot: Slot, taken: Sequence[Appointment]) -> bool:
    return any(o.starts_at < slot.ends_at and slot.starts_at < o.ends_at for o in taken)


def _starts_on(
    day: datetime.date, length: datetime.timedelta, hours: Sequence[OpeningHours], clinic: Clinic
) -> list[datetime.datetime]:
    zone = clinic_zone(clinic)
    starts = []
    for period in (p for p in hours if p.weekday == day.weekday()):
        start = datetime.datetime.combine(day, period.opens, tzinfo=zone)
        closes = datetime.datetime.combine(day, period.closes, tzinfo=zone)
        while start + length <= closes:
            starts.append(start.astimezone(datetime.UTC))
            start += SUGGESTION_STEP
    return starts


def nearest_free(
    slot: Slot,
    taken: Sequence[Appointment],
    hours: Sequence[OpeningHours],
    clinic: Clinic,
    now: datetime.datetime,
) -> list[datetime.datetime]:
    """The free starts nearest to the slot's, for a session of the same length: within opening
    hours, in the future, overlapping nothing taken, nearest first."""
    length = slot.ends_at - slot.starts_at
    day = as_clinic_time(slot.starts_at, clinic).date()
    candidates = [
        start
        for shift in range(-SEARCH_DAYS, SEARCH_DAYS + 1)
        for start in _starts_on(day + datetime.timedelta(days=shift), length, hours, clinic)
        if start > now and not clashes(Slot(slot.sequence, start, start + length), taken)
    ]
    candidates.sort(key=lambda start: (abs(start - slot.starts_at), start))
    return candidates[:SUGGESTIONS]
