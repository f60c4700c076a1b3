"""Files made for people from the inventory: a recall campaign's call list as CSV."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable

from mesotrace.inventory.models import RecallCampaign, RecallContact

# Spreadsheet programs run a cell that starts like a formula; a phone number is left alone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_CHARS = set("0123456789+() .-")

CSV_HEADER = [
    "record_number",
    "family_name",
    "given_name",
    "date_of_birth",
    "phone",
    "email",
    "reached",
    "attempts",
    "last_attempt_at",
    "by",
    "method",
    "outcome",
    "notes",
]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not set(text) <= _PHONE_CHARS:
        return "'" + text
    return text


def _when(value: datetime.datetime | None) -> str:
    return value.isoformat() if value else ""


def campaign_file_name(campaign: RecallCampaign) -> str:
    return f"recall-{campaign.pk}-lot-{campaign.lot_id}.csv"


def campaign_csv(contacts: Iterable[RecallContact]) -> str:
    """One line per exposed patient: who they are, how to reach them, and the calls so far."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for contact in contacts:
        patient = contact.patient
        row = [
            patient.record_number,
            patient.family_name,
            patient.given_name,
            patient.date_of_birth.isoformat(),
            patient.phone,
            patient.email,
            "yes" if contact.contacted else "no",
            contact.attempts,
            _when(contact.contacted_at),
            contact.contacted_by.email if contact.contacted_by else "",
            contact.method,
            contact.outcome,
            contact.notes,
        ]
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()
