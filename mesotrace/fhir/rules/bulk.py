"""Bulk Data Access (`$export`): the kick-off's parameters checked, and the manifest.

Nothing here runs a query: the caller passes the types the level and the member's role
allow, and the finished job's rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from mesotrace.fhir.rules.resources import instant

NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = {NDJSON, "application/ndjson", "ndjson"}
KNOWN = {"_outputFormat", "_type", "_since"}
# Seconds a client is asked to wait before it polls again.
RETRY_AFTER = 5


class Refused(Exception):
    def __init__(self, parameter: str, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.parameter = parameter
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Asked:
    types: list[str]
    since: datetime.datetime | None


def wants_async(prefer: str) -> bool:
    return "respond-async" in [part.strip() for part in prefer.split(",")]


def _types(given: str, allowed: list[str], readable: set[str]) -> list[str]:
    if not given:
        return [name for name in allowed if name in readable]
    names = [name.strip() for name in given.split(",") if name.strip()]
    for name in names:
        if name not in allowed:
            reason = _("%(type)s cannot be exported at this level.") % {"type": name}
            raise Refused("_type", reason)
        if name not in readable:
            reason = _("Your role does not allow reading %(type)s.") % {"type": name}
            raise Refused("_type", reason, 403)
    return list(dict.fromkeys(names))


def _since(given: str) -> datetime.datetime | None:
    if not given:
        return None
    try:
        moment = parse_datetime(given.replace(" ", "+"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise Refused("_since", _("_since must be an instant with its time zone."))
    return moment


def kick_off(params: Mapping[str, str], allowed: list[str], readable: Iterable[str]) -> Asked:
    """The types and change time a kick-off asks for; `allowed`: the level's types in
    export order, `readable`: those the member's role may read."""
    unknown = sorted(set(params) - KNOWN)
    if unknown:
        reason = _("%(name)s is not supported by this export.") % {"name": unknown[0]}
        raise Refused(unknown[0], reason)
    # An unencoded "+" arrives as a space; no format has a space in its name.
    output_format = params.get("_outputFormat", NDJSON).replace(" ", "+")
    if output_format not in OUTPUT_FORMATS:
        raise Refused("_outputFormat", _("Only NDJSON (application/fhir+ndjson) is written."))
    types = _types(params.get("_type", ""), allowed, set(readable))
    if not types:
        raise Refused("_type", _("Your role allows reading none of these types."), 403)
    return Asked(types, _since(params.get("_since", "")))


def manifest(
    transaction_time: datetime.datetime,
    request_url: str,
    output: list[dict[str, Any]],
    file_url: Callable[[str], str],
) -> dict[str, Any]:
    """The completed export's manifest: one entry per NDJSON file, each with its count."""
    return {
        "transactionTime": instant(transaction_time),
        "request": request_url,
        "requiresAccessToken": True,
        "output": [
            {"type": part["type"], "url": file_url(part["file"]), "count": part["count"]}
            for part in output
        ],
        "error": [],
    }
