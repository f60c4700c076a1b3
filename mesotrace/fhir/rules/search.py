"""FHIR search parameters turned into filters: string, token, reference and date.

A repeated parameter narrows (AND); a comma-separated value widens (OR). A parameter the
resource type does not declare, or a value of the wrong shape, is refused by name.

A date value stands for the range its precision gives (FHIR R4, search 3.1.1.4.2): `2026`
the year, `2026-03` the month, `2026-03-09` the day, `2026-03-09T10:30:00+01:00` that
second; a date without a time is a day in the clinic's time zone. The prefixes compare
the record's value with that range.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from mesotrace.core.inputs import text_problem

ParamKind = Literal["string", "token", "reference", "date", "datetime"]
_DATE = re.compile(
    r"^(eq|ne|gt|lt|ge|le)?(\d{4}(?:-\d{2}(?:-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?)?)?)$"
)
_ID = re.compile(r"^\d{1,18}$")
# Result parameters every search accepts; they page, they do not filter.
RESULT_PARAMETERS = frozenset({"_count", "_offset", "_format"})
MAX_COUNT = 200
DEFAULT_COUNT = 50


class SearchError(Exception):
    """A search the server refuses: which parameter, and why."""

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__(reason)
        self.parameter = parameter
        self.reason = reason


@dataclass(frozen=True)
class Param:
    kind: ParamKind
    field: str
    # The reference's resource type ("Patient" for `patient`), checked when given.
    target: str = ""
    documentation: str = ""


def _one(name: str, param: Param, value: str) -> Q:
    problem = text_problem(value)
    if problem:
        raise SearchError(name, problem)
    if param.kind == "string":
        return Q(**{f"{param.field}__istartswith": value})
    if param.kind == "token":
        code = value.split("|", 1)[-1]
        if not code:
            raise SearchError(name, "Give a code, or system|code.")
        return Q(**{param.field: code})
    if param.kind == "reference":
        return Q(**{param.field: _reference_id(name, param, value)})
    return _date(name, param, value)


def _reference_id(name: str, param: Param, value: str) -> int:
    kind, _slash, pk = value.rpartition("/")
    if kind and param.target and kind.rsplit("/", 1)[-1] != param.target:
        raise SearchError(name, f"Give a {param.target} reference, e.g. {param.target}/12.")
    if not _ID.match(pk):
        raise SearchError(name, "A reference ends with a numeric id.")
    return int(pk)


Moment = datetime.date | datetime.datetime


def _start(name: str, text: str) -> tuple[Moment, datetime.timedelta | int]:
    """The first moment of a date value, and its precision: a step of time, or months."""
    try:
        if "T" in text:
            moment = parse_datetime(text)
            if moment is None:
                raise ValueError(text)
            if moment.tzinfo is None:
                raise SearchError(name, _("Give a time with its zone: Z or an offset (+01:00)."))
            return moment, datetime.timedelta(seconds=1 if text.count(":") >= 2 else 60)
        parts = [int(part) for part in text.split("-")]
        day = datetime.date(parts[0], *[*parts[1:], 1, 1][:2])
    except ValueError as error:
        raise SearchError(name, _("This date does not exist.")) from error
    return day, (datetime.timedelta(days=1) if len(parts) == 3 else (1 if len(parts) == 2 else 12))


def _range(name: str, text: str) -> tuple[Moment, Moment | None]:
    """[start, end) of a date value at its precision; no end past the calendar's last day."""
    start, step = _start(name, text)
    try:
        if isinstance(step, int):
            month = start.month - 1 + step
            return start, start.replace(year=start.year + month // 12, month=month % 12 + 1)
        return start, start + step
    except (ValueError, OverflowError):
        return start, None


def _as_field(moment: Moment, kind: ParamKind) -> Moment:
    """A bound in the field's own terms: a day for a date field, an instant for a date-time
    field (a day starts at midnight in the clinic's time zone)."""
    if kind == "date":
        return moment.date() if isinstance(moment, datetime.datetime) else moment
    if isinstance(moment, datetime.datetime):
        return moment
    return datetime.datetime.combine(moment, datetime.time.min, timezone.get_current_timezone())


def _date(name: str, param: Param, value: str) -> Q:
    found = _DATE.match(value)
    if not found:
        raise SearchError(
            name,
            _(
                "Use a date as YYYY, YYYY-MM or YYYY-MM-DD, or a time with its zone "
                "(2026-03-09T10:30:00+01:00), optionally prefixed eq, ne, gt, lt, ge or le."
            ),
        )
    prefix, text = found.group(1) or "eq", found.group(2)
    start, end = _range(name, text)
    if param.kind == "date" and isinstance(start, datetime.datetime):
        start, end = _range(name, text[:10])  # a time searched on a day: the day as written
    field = param.field
    low = _as_field(start, param.kind)
    high = _as_field(end, param.kind) if end is not None else None
    within = Q(**{f"{field}__gte": low}) & (Q(**{f"{field}__lt": high}) if high else Q())
    if prefix == "eq":
        return within
    if prefix == "ne":
        return ~within
    if prefix == "ge":
        return Q(**{f"{field}__gte": low})
    if prefix == "lt":
        return Q(**{f"{field}__lt": low})
    if high is None:  # nothing lies after the calendar's last day
        return Q(**{f"{field}__isnull": False}) if prefix == "le" else Q(pk__in=[])
    return Q(**{f"{field}__lt" if prefix == "le" else f"{field}__gte": high})


def id_filter(value: str) -> Q:
    query = Q()
    for pk in value.split(","):
        if not _ID.match(pk):
            raise SearchError("_id", "An id is a number.")
        query |= Q(pk=int(pk))
    return query


def filters(declared: dict[str, Param], given: list[tuple[str, str]]) -> Q:
    """The filter for a search's (name, value) pairs, result parameters left out."""
    query = Q()
    for name, value in given:
        if name in RESULT_PARAMETERS:
            continue
        if name == "_id":
            query &= id_filter(value)
            continue
        param = declared.get(name)
        if param is None:
            raise SearchError(name, "This search parameter is not supported for this resource.")
        if not value:
            raise SearchError(name, "Give a value.")
        alternatives = Q()
        for part in value.split(","):
            alternatives |= _one(name, param, part)
        query &= alternatives
    return query


def paging(given: dict[str, str]) -> tuple[int, int]:
    """`_count` (1 to MAX_COUNT) and `_offset` (0 or more) of a search."""
    numbers = []
    for name, default, top in (("_count", DEFAULT_COUNT, MAX_COUNT), ("_offset", 0, 10**9)):
        text = given.get(name, str(default))
        if not text.isdigit() or int(text) > top or (name == "_count" and int(text) < 1):
            raise SearchError(name, f"Give a whole number up to {top}.")
        numbers.append(int(text))
    return numbers[0], numbers[1]
