"""The audit trail as a CSV file for the auditor, written row by row as it streams."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import QuerySet

from mesotrace.audit.models import AuditEvent

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


class _Echo:
    def write(self, value: str) -> str:
        return value


def trail_csv(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """The header, then one line per event."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                event.at.isoformat(),
                event.actor_label,
                event.action,
                event.object_type,
                event.object_id,
                event.patient_id or "",
                event.changes,
                event.details,
                event.request_id,
                event.ip or "",
                event.via,
            ]
        )
