"""A page that shows several kinds of patient data audits each of them, and writes those
rows with one statement in one short transaction before the answer leaves."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mesotrace.audit.models import AuditAction, AuditEvent
from tests.charting.builders import chartable
from tests.conftest import World


def _audit_inserts(captured: CaptureQueriesContext) -> int:
    return sum('INSERT INTO "audit_auditevent"' in q["sql"] for q in captured.captured_queries)


def test_the_patient_page_writes_its_read_rows_together(
    world: World, login: Callable[..., Client]
) -> None:
    appointment = chartable(world)
    client = login(world.members["practitioner"])
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(f"/patients/{appointment.patient_id}/")
    assert answer.status_code == 200
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert len(rows) >= 3, [(r.action, r.object_type) for r in rows]
    assert {r.action for r in rows} <= {AuditAction.VIEW, AuditAction.LIST}
    assert all(r.patient_id == appointment.patient_id for r in rows if r.object_type == "patient")
    assert _audit_inserts(captured) == 1
