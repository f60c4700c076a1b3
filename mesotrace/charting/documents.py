"""Files made for people: the CSV of a lot's trace, for the recall calls."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import pgettext_lazy

from mesotrace.charting.queries import Exposure
from mesotrace.core.formats import SpreadsheetCsv, csv_header
from mesotrace.inventory.models import Lot

CSV_HEADER = [
    "lot_number",
    "product",
    "patient_record_number",
    "family_name",
    "given_name",
    "phone",
    "email",
    "session_id",
    "session_date",
    "point",
    "zone",
    "practitioner",
    "volume_ml",
]
# The columns' French titles; an English file keeps the field names above.
CSV_TITLES = {
    "lot_number": pgettext_lazy("CSV column", "Lot number"),
    "product": pgettext_lazy("CSV column", "Product"),
    "patient_record_number": pgettext_lazy("CSV column", "Record number"),
    "family_name": pgettext_lazy("CSV column", "Family name"),
    "given_name": pgettext_lazy("CSV column", "Given name"),
    "phone": pgettext_lazy("CSV column", "Phone"),
    "email": pgettext_lazy("CSV column", "E-mail"),
    "session_id": pgettext_lazy("CSV column", "Session"),
    "session_date": pgettext_lazy("CSV column", "Session date (YYYY-MM-DD)"),
    "point": pgettext_lazy("CSV column", "Point"),
    "zone": pgettext_lazy("CSV column", "Zone"),
    "practitioner": pgettext_lazy("CSV column", "Practitioner"),
    "volume_ml": pgettext_lazy("CSV column", "Volume (mL)"),
}


def trace_csv(lot: Lot, exposures: Sequence[Exposure]) -> str:
    """One line per injection from the lot, in the active language's spreadsheet dialect."""
    sheet = SpreadsheetCsv()
    rows = (
        (
            lot.lot_number,
            lot.product.name,
            e.record_number,
            e.family_name,
            e.given_name,
            e.phone,
            e.email,
            e.session_id,
            e.performed_on,
            e.point,
            e.zone,
            e.practitioner,
            e.volume_ml,
        )
        for e in exposures
    )
    return sheet.text(csv_header(CSV_HEADER, CSV_TITLES), rows)
