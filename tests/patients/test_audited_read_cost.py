"""Reading one patient is the API's commonest call and writes its audit row each time: it
costs a fixed handful of queries (the allergies' catalogue codes in one of them), and the
audit row takes the clinic from the patient row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mesotrace.audit.models import AuditAction, AuditEvent
from tests.conftest import World, make_patient


def test_an_audited_patient_read_costs_six_queries_and_audits_the_right_clinic(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "latex"}])
    headers = bearer(world.members["practitioner"], world.clinic)
    client.get(f"/api/v1/patients/{patient.pk}", **headers)  # first use stamps the token
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(f"/api/v1/patients/{patient.pk}", **headers)
    assert answer.status_code == 200
    tables = [q["sql"].split(" FROM ")[-1].split()[0] for q in captured if "SELECT" in q["sql"]]
    assert '"accounts_clinic"' not in tables, captured.captured_queries
    assert len(captured) <= 6, [q["sql"][:80] for q in captured]
    row = AuditEvent.objects.filter(action=AuditAction.VIEW, object_id=str(patient.pk)).latest("id")
    assert row.clinic_id == world.clinic.pk
    assert row.patient_id == patient.pk
    assert row.object_type == "patient"
