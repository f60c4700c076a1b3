"""A draw refused after the first lot was already drawn undoes the whole session."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesotrace.audit.models import AuditEvent
from mesotrace.charting import services
from mesotrace.inventory.models import MovementKind, StockMovement
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.treatments.models import (
    AppointmentStatus,
    Injection,
    InjectionComponent,
    TreatmentSession,
)
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.conftest import World


def test_a_second_lot_refused_at_the_draw_leaves_no_trace_of_the_session(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    appointment = chartable(world)
    plenty = minoxidil_lot(world.clinic, "MX-1", "5")
    short = minoxidil_lot(world.clinic, "MX-2", "0.1")
    # Let the early check pass, so the refusal comes from the draw itself, mid-transaction.
    monkeypatch.setattr(services, "lot_problem", lambda *args, **kwargs: None)

    with pytest.raises(ValidationError) as refused:
        record(appointment, payload(point(plenty, "1"), point(short, "0.5")))

    assert "has only 0.1 mL left" in str(refused.value.message_dict)
    assert TreatmentSession.objects.count() == 0
    assert Injection.objects.count() == 0
    assert InjectionComponent.objects.count() == 0
    assert StockMovement.objects.filter(kind=MovementKind.USED).count() == 0
    assert on_hand(plenty) == Decimal("5.000")
    assert not AuditEvent.objects.filter(object_type="treatment_session").exists()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
