"""Files made for people from the inventory: a recall campaign's call list as CSV."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from mesotrace.core.formats import SpreadsheetCsv, csv_header
from mesotrace.inventory.models import RecallCampaign, RecallContact

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
# The columns' French titles; an English file keeps the field names above.
CSV_TITLES = {
    "record_number": pgettext_lazy("CSV column", "Record number"),
    "family_name": pgettext_lazy("CSV column", "Family name"),
    "given_name": pgettext_lazy("CSV column", "Given name"),
    "date_of_birth": pgettext_lazy("CSV column", "Date of birth (YYYY-MM-DD)"),
    "phone": pgettext_lazy("CSV column", "Phone"),
    "email": pgettext_lazy("CSV column", "E-mail"),
    "reached": pgettext_lazy("CSV column", "Reached"),
    "attempts": pgettext_lazy("CSV column", "Attempts"),
    "last_attempt_at": pgettext_lazy("CSV column", "Last attempt (ISO 8601)"),
    "by": pgettext_lazy("CSV column", "By"),
    "method": pgettext_lazy("CSV column", "Method"),
    "outcome": pgettext_lazy("CSV column", "Outcome"),
    "notes": pgettext_lazy("CSV column", "Notes"),
}


def campaign_file_name(campaign: RecallCampaign) -> str:
    return f"recall-{campaign.pk}-lot-{campaign.lot_id}.csv"


def campaign_csv(contacts: Iterable[RecallContact]) -> str:
    """One line per exposed patient: who they are, how to reach them, and the calls so far,
    in the active language's spreadsheet dialect; dates and times in ISO 8601."""
    sheet = SpreadsheetCsv(plain_phones=True)
    return sheet.text(csv_header(CSV_HEADER, CSV_TITLES), (_row(c) for c in contacts))


def _row(contact: RecallContact) -> list[object]:
    patient = contact.patient
    return [
        patient.record_number,
        patient.family_name,
        patient.given_name,
        patient.date_of_birth,
        patient.phone,
        patient.email,
        _("yes") if contact.contacted else _("no"),
        contact.attempts,
        contact.contacted_at,
        contact.contacted_by.email if contact.contacted_by else "",
        contact.method,
        contact.outcome,
        contact.notes,
    ]
