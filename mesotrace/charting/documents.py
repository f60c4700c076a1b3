"""Files made for people: the CSV of a lot's trace, for the recall calls."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from mesotrace.charting.queries import Exposure
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


def _safe(value: object) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def trace_csv(lot: Lot, exposures: Sequence[Exposure]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for e in exposures:
        writer.writerow(
            [
                _safe(v)
                for v in (
                    lot.lot_number,
                    lot.product.name,
                    e.record_number,
                    e.family_name,
                    e.given_name,
                    e.phone,
                    e.email,
                    e.session_id,
                    e.performed_on.isoformat(),
                    e.point,
                    e.zone,
                    e.practitioner,
                    e.volume_ml,
                )
            ]
        )
    return out.getvalue()
