"""The day and week grids of a practitioner's calendar, in the clinic's time zone.

A grid is rows of 30-minute slots by columns of days; an appointment fills the cell
where it starts and spans the rows it lasts, so the page is a plain table (no inline
styles, which the Content-Security-Policy forbids).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from mesotrace.accounts.models import Clinic
from mesotrace.core.clock import clinic_zone
from mesotrace.treatments.models import Appointment, OpeningHours
from mesotrace.treatments.rules.schedule import as_clinic_time

SLOT_MINUTES = 30
DEFAULT_FIRST = 9 * 60
DEFAULT_LAST = 19 * 60
DAY_MINUTES = 24 * 60


@dataclass
class Cell:
    kind: str  # "appointment", "open", "closed" or "covered" (spanned by the cell above)
    appointments: list[Appointment] = field(default_factory=list)
    rowspan: int = 1


@dataclass
class Row:
    label: str
    cells: list[Cell]


def week_of(day: datetime.date) -> list[datetime.date]:
    monday = day - datetime.timedelta(days=day.weekday())
    return [monday + datetime.timedelta(days=n) for n in range(7)]


def day_bounds(
    days: Sequence[datetime.date], clinic: Clinic
) -> tuple[datetime.datetime, datetime.datetime]:
    """The UTC instants that start the first day and end the last, in the clinic's zone."""
    zone = clinic_zone(clinic)
    start = datetime.datetime.combine(days[0], datetime.time(0), tzinfo=zone)
    end = datetime.datetime.combine(
        days[-1] + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone
    )
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def _minutes(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def _local_span(appointment: Appointment, clinic: Clinic) -> tuple[datetime.date, int, int]:
    start = as_clinic_time(appointment.starts_at, clinic)
    end = as_clinic_time(appointment.ends_at, clinic)
    end_minutes = DAY_MINUTES if end.date() != start.date() else _minutes(end.time())
    return start.date(), _minutes(start.time()), max(end_minutes, _minutes(start.time()) + 1)


def _range(
    days: Sequence[datetime.date],
    spans: Sequence[tuple[datetime.date, int, int]],
    hours: Sequence[OpeningHours],
) -> tuple[int, int]:
    weekdays = {day.weekday() for day in days}
    periods = [p for p in hours if p.weekday in weekdays]
    first = min([_minutes(p.opens) for p in periods] or [DEFAULT_FIRST])
    last = max([_minutes(p.closes) for p in periods] or [DEFAULT_LAST])
    first = min([first, *(s for _d, s, _e in spans)])
    last = max([last, *(e for _d, _s, e in spans)])
    first = first // SLOT_MINUTES * SLOT_MINUTES
    last = min(DAY_MINUTES, math.ceil(last / SLOT_MINUTES) * SLOT_MINUTES)
    return first, last


def _is_open(day: datetime.date, minute: int, hours: Sequence[OpeningHours]) -> bool:
    return any(
        p.weekday == day.weekday()
        and _minutes(p.opens) <= minute
        and minute + SLOT_MINUTES <= _minutes(p.closes)
        for p in hours
    )


def grid(
    days: Sequence[datetime.date],
    appointments: Sequence[Appointment],
    hours: Sequence[OpeningHours],
    clinic: Clinic,
) -> list[Row]:
    spans = [_local_span(a, clinic) for a in appointments]
    first, last = _range(days, spans, hours)
    count = (last - first) // SLOT_MINUTES
    columns = [
        [
            Cell("open" if _is_open(day, first + r * SLOT_MINUTES, hours) else "closed")
            for r in range(count)
        ]
        for day in days
    ]
    for appointment, (day, start, end) in zip(appointments, spans, strict=True):
        if day not in days:
            continue
        column = columns[days.index(day)]
        row = (start - first) // SLOT_MINUTES
        while column[row].kind == "covered":
            row -= 1
        cell = column[row]
        if cell.kind == "appointment":  # overlapping rows share the first cell
            cell.appointments.append(appointment)
            continue
        span = max(1, math.ceil((end - (first + row * SLOT_MINUTES)) / SLOT_MINUTES))
        span = min(span, count - row)
        while any(c.kind in {"appointment", "covered"} for c in column[row + 1 : row + span]):
            span -= 1
        column[row] = Cell("appointment", [appointment], span)
        for below in range(row + 1, row + span):
            column[below] = Cell("covered")
    return [
        Row(
            f"{(first + r * SLOT_MINUTES) // 60:02d}:{(first + r * SLOT_MINUTES) % 60:02d}",
            [column[r] for column in columns],
        )
        for r in range(count)
    ]
