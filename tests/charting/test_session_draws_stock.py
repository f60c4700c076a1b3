"""A charted session writes its points, their mix and lots, and draws each lot's total once."""

from __future__ import annotations

import time
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from mesotrace.audit.models import AuditEvent
from mesotrace.inventory.models import MovementKind, StockMovement
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.treatments.models import (
    AppointmentStatus,
    Injection,
    InjectionComponent,
    SessionStatus,
)
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.conftest import World

POINTS = 40


def test_a_session_draws_each_lots_total_and_records_every_point(world: World) -> None:
    appointment = chartable(world)
    first = minoxidil_lot(world.clinic, "MX-A", "3")
    second = minoxidil_lot(world.clinic, "MX-B", "3")
    points = [point(first, "0.05") for _ in range(30)] + [point(second, "0.1") for _ in range(10)]

    session = record(appointment, payload(*points), world.members["practitioner"])

    assert session.status == SessionStatus.DRAFT
    assert session.currency == "EUR"
    assert Injection.objects.filter(session=session).count() == POINTS
    assert on_hand(first) == Decimal("1.500")
    assert on_hand(second) == Decimal("2.000")
    used = StockMovement.objects.filter(kind=MovementKind.USED).order_by("lot_id")
    assert [(m.lot_id, m.quantity_ml) for m in used] == [
        (first.pk, Decimal("-1.500")),
        (second.pk, Decimal("-1.000")),
    ]
    components = InjectionComponent.objects.filter(injection__session=session)
    assert {c.movement_id for c in components if c.lot_id == first.pk} == {used[0].pk}
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.COMPLETED
    created = AuditEvent.objects.get(object_type="treatment_session", action="create")
    assert created.patient_id == session.patient_id
    assert created.details["points"] == POINTS


def test_saving_a_forty_point_session_takes_a_fixed_number_of_queries(world: World) -> None:
    appointment = chartable(world)
    lot = minoxidil_lot(world.clinic, "MX-Q", "10")
    body = payload(*[point(lot, "0.1") for _ in range(POINTS)])

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        record(appointment, body, world.members["practitioner"])
        elapsed = time.perf_counter() - started

    print(f"\n40-point session: {len(queries)} queries, {elapsed * 1000:.0f} ms")
    # 50 to chart (one reads the products' dose limits; four the consent's uses, their zones
    # and sources, and the zones of side effects), 2 to count the session's exposures for
    # the safety signals.
    assert len(queries) <= 52
    assert elapsed < 2.0
