"""The audit trail as a CSV file for the auditor, written row by row as it streams."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import pgettext_lazy

from mesotrace.audit.models import AuditEvent
from mesotrace.core.formats import SpreadsheetCsv, csv_header

CSV_HEADER = [
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "changes",
    "details",
    "request_id",
    "ip",
    "via",
]
# The columns' French titles; an English file keeps the field names above.
CSV_TITLES = {
    "at": pgettext_lazy("CSV column", "At (ISO 8601)"),
    "actor": pgettext_lazy("CSV column", "Who"),
    "action": pgettext_lazy("CSV column", "Action"),
    "object_type": pgettext_lazy("CSV column", "Object type"),
    "object_id": pgettext_lazy("CSV column", "Object"),
    "patient_id": pgettext_lazy("CSV column", "Patient"),
    "changes": pgettext_lazy("CSV column", "Changes"),
    "details": pgettext_lazy("CSV column", "Details"),
    "request_id": pgettext_lazy("CSV column", "Request"),
    "ip": pgettext_lazy("CSV column", "IP address"),
    "via": pgettext_lazy("CSV column", "Via"),
}


def trail_csv(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """The header, then one line per event, in the active language's spreadsheet dialect;
    times in ISO 8601 with their offset, changes and details as JSON. An English file keeps
    the action and object type codes (its stable contract); a French one says them in French."""
    sheet = SpreadsheetCsv()
    rows = (
        (
            event.at,
            event.actor_label,
            event.get_action_display() if sheet.french else event.action,
            event.get_object_type_display() if sheet.french else event.object_type,
            event.object_id,
            event.patient_id,
            _json(event.changes),
            _json(event.details),
            event.request_id,
            event.ip,
            event.via,
        )
        for event in events.iterator(chunk_size=2000)
    )
    return sheet.lines(csv_header(CSV_HEADER, CSV_TITLES), rows)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) if value else ""
