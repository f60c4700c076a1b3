"""A lot's trace lists exactly the patients, sessions and injections exposed to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mesotrace.audit.models import AuditEvent
from mesotrace.charting.queries import trace_lot
from mesotrace.inventory.models import Lot
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.conftest import World, make_patient


def _three_patients(world: World) -> tuple[Lot, Lot, list[int]]:
    suspect = minoxidil_lot(world.clinic, "SUSPECT-7", "10")
    other = minoxidil_lot(world.clinic, "CLEAN-1", "10")
    exposed = []
    for name, lots in (("Arnaud", [suspect]), ("Berger", [other]), ("Chevalier", [suspect, other])):
        patient = make_patient(world.clinic, family_name=name, phone="+33 6 12 34 56 78")
        record(chartable(world, patient=patient), payload(*[point(lot) for lot in lots]))
        if suspect in lots:
            exposed.append(patient.pk)
    return suspect, other, exposed


def test_the_trace_lists_exactly_the_exposed_patients(world: World) -> None:
    suspect, _other, exposed = _three_patients(world)

    exposures = trace_lot(suspect)

    assert sorted({e.patient_id for e in exposures}) == sorted(exposed)
    assert [e.family_name for e in exposures] == ["Arnaud", "Chevalier"]
    assert all(e.phone == "+33 6 12 34 56 78" and e.email for e in exposures)
    assert all(e.practitioner == "Dr Jeanne Martin" for e in exposures)


def test_the_trace_is_one_query_however_many_exposures(world: World) -> None:
    suspect, _other, _exposed = _three_patients(world)
    with CaptureQueriesContext(connection) as queries:
        trace_lot(suspect)
    reads = [q["sql"] for q in queries if "SELECT" in q["sql"]]
    assert len(reads) == 1
    assert "treatments_injectioncomponent" in reads[0]


def test_trace_page_csv_and_api_show_the_patients_and_are_audited(
    world: World, login: Callable[..., Client], bearer: Callable[..., dict[str, Any]]
) -> None:
    suspect, _other, _exposed = _three_patients(world)
    client = login(world.members["nurse"])

    page = client.get(f"/charting/lots/{suspect.pk}/trace/")
    assert page.status_code == 200
    assert "ARNAUD" in page.content.decode()
    assert "BERGER" not in page.content.decode()

    export = client.get(f"/charting/lots/{suspect.pk}/trace.csv")
    lines = export.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("lot_number,product,patient_record_number")
    assert len(lines) == 3
    assert "'+33 6 12 34 56 78" in lines[1]  # never read as a formula by a spreadsheet
    assert AuditEvent.objects.filter(object_type="lot_trace", action="export").count() == 1

    api = client.get(
        f"/api/v1/lots/{suspect.pk}/trace",
        **bearer(world.members["practitioner"], world.clinic),
    )
    assert api.status_code == 200
    assert api.json()["patients"] == 2


def test_front_desk_cannot_run_a_trace_and_an_outsider_sees_404(
    world: World, login: Callable[..., Client]
) -> None:
    suspect, _other, _exposed = _three_patients(world)
    url = f"/charting/lots/{suspect.pk}/trace/"
    assert login(world.members["front_desk"]).get(url).status_code == 403
    assert login(world.outsider).get(url).status_code == 404


def test_opening_a_recall_campaign_lists_the_exposed_patients(
    world: World, login: Callable[..., Client]
) -> None:
    from mesotrace.inventory.models import RecallContact

    suspect, _other, exposed = _three_patients(world)
    client = login(world.members["practitioner"])
    response = client.post(f"/charting/lots/{suspect.pk}/recall/")

    assert response.status_code == 302
    assert "/inventory/recalls/" in response["Location"]
    assert sorted(RecallContact.objects.values_list("patient_id", flat=True)) == sorted(exposed)
