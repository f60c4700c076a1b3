"""A lot trace's CSV opens as a French spreadsheet expects it (semicolons, decimal comma,
French column titles, a byte-order mark for accents), with dates always in ISO 8601."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from decimal import Decimal

from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.charting.queries import trace_lot
from mesotrace.inventory.models import Lot
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.conftest import World, make_patient, speaks


def _trace(world: World) -> int:
    lot = minoxidil_lot(world.clinic, "LOT-É1", "10")
    patient = make_patient(world.clinic, family_name="Lefèvre")
    record(chartable(world, patient=patient), payload(point(lot), point(lot)))
    return lot.pk


def test_french_trace_csv_uses_semicolons_and_decimal_commas(
    world: World, login: Callable[[User], Client]
) -> None:
    lot_id = _trace(world)
    client = login(world.members["nurse"])
    speaks(world.members["nurse"], "fr")

    body = client.get(f"/charting/lots/{lot_id}/trace.csv", HTTP_ACCEPT_LANGUAGE="fr").content

    assert body.startswith("\ufeff".encode())  # Excel then reads the accents as UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    header, lines = rows[0], rows[1:]
    assert header[0] == "Numéro de lot"
    assert "Date de la séance (AAAA-MM-JJ)" in header
    assert len(lines) == 2
    cells = dict(zip(header, lines[0], strict=True))
    assert cells["Nom"] == "Lefèvre"
    exposures = trace_lot(Lot.objects.get(pk=lot_id))
    volume = cells["Volume (mL)"]
    assert "," in volume
    assert "." not in volume
    assert Decimal(volume.replace(",", ".")) == exposures[0].volume_ml
    day = cells["Date de la séance (AAAA-MM-JJ)"]
    assert datetime.date.fromisoformat(day) == exposures[0].performed_on


def test_english_trace_csv_keeps_commas_dots_and_field_names(
    world: World, login: Callable[[User], Client]
) -> None:
    lot_id = _trace(world)
    body = login(world.members["nurse"]).get(
        f"/charting/lots/{lot_id}/trace.csv", HTTP_ACCEPT_LANGUAGE="en"
    )
    rows = list(csv.DictReader(io.StringIO(body.content.decode("utf-8-sig"))))
    assert rows[0]["family_name"] == "Lefèvre"
    assert Decimal(rows[0]["volume_ml"]) > 0
    datetime.date.fromisoformat(rows[0]["session_date"])
