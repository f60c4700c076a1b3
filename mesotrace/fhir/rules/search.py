"""FHIR search parameters turned into filters: string, token, reference and date.

A repeated parameter narrows (AND); a comma-separated value widens (OR). A parameter the
resource type does not declare, or a value of the wrong shape, is refused by name.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

from django.db.models import Q

ParamKind = Literal["string", "token", "reference", "date", "datetime"]
_DATE = re.compile(r"^(eq|ne|gt|lt|ge|le)?(\d{4}-\d{2}-\d{2})$")
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


def _date(name: str, param: Param, value: str) -> Q:
    found = _DATE.match(value)
    if not found:
        raise SearchError(name, "Use a date as YYYY-MM-DD, optionally prefixed ge, le, gt, lt, ne.")
    prefix, text = found.group(1) or "eq", found.group(2)
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError as error:
        raise SearchError(name, "This date does not exist.") from error
    field = f"{param.field}__date" if param.kind == "datetime" else param.field
    lookups = {"eq": "", "gt": "__gt", "lt": "__lt", "ge": "__gte", "le": "__lte"}
    if prefix == "ne":
        return ~Q(**{field: day})
    return Q(**{field + lookups[prefix]: day})


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
