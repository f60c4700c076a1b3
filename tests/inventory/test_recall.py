"""A lot can be put under investigation, released, or recalled; a recall removes its stock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mesotrace.inventory.models import Lot, LotStatus, MovementKind, StockMovement
from mesotrace.inventory.queries.stock import on_hand, usable_lots
from mesotrace.inventory.rules import StockRefused
from mesotrace.inventory.services import stock
from tests.conftest import SYSTEM, World
from tests.inventory.builders import receive
from tests.treatments.builders import actor_for


def test_a_recall_removes_the_remaining_stock_with_a_recalled_movement(world: World) -> None:
    lot = receive(world.clinic, "RC-1", quantity="10")
    stock.draw(SYSTEM, lot, "3", timezone.now())
    actor = actor_for(world.members["practitioner"], world.clinic)

    recalled = stock.set_lot_status(actor, lot, "recalled", "ANSM notice: contamination")

    assert recalled.status == lot.status == LotStatus.RECALLED
    assert recalled.status_reason == "ANSM notice: contamination"
    assert recalled.status_changed_by == world.members["practitioner"]
    assert recalled.status_changed_at is not None
    movement = StockMovement.objects.get(lot=lot, kind=MovementKind.RECALLED)
    assert movement.quantity_ml == Decimal("-7")
    assert movement.reason == "ANSM notice: contamination"
    assert on_hand(lot) == 0


def test_an_investigation_quarantines_the_stock_until_the_lot_is_released(world: World) -> None:
    lot = receive(world.clinic, "INV-1", quantity="5")

    stock.set_lot_status(SYSTEM, lot, "under_investigation", "Two patients with abscesses")
    assert on_hand(lot) == Decimal("5")
    assert usable_lots(world.clinic, lot.product, timezone.now()) == []

    stock.set_lot_status(SYSTEM, lot, "available", "Cultures negative")
    assert [found.pk for found in usable_lots(world.clinic, lot.product, timezone.now())] == [
        lot.pk
    ]
    assert Lot.objects.get(pk=lot.pk).status_reason == "Cultures negative"


def test_a_lot_under_investigation_can_then_be_recalled(world: World) -> None:
    lot = receive(world.clinic, quantity="5")
    stock.set_lot_status(SYSTEM, lot, "under_investigation", "Suspected")
    stock.set_lot_status(SYSTEM, lot, "recalled", "Confirmed by culture")
    assert on_hand(lot) == 0


def test_a_recalled_lot_stays_recalled(world: World) -> None:
    lot = receive(world.clinic)
    stock.set_lot_status(SYSTEM, lot, "recalled", "Recall")

    for status in ("available", "under_investigation", "recalled"):
        with pytest.raises(StockRefused) as refused:
            stock.set_lot_status(SYSTEM, lot, status, "Try again")
        assert refused.value.message == "A recalled lot stays recalled."
    with pytest.raises(StockRefused):
        stock.receive_more(SYSTEM, lot, "5")
    assert StockMovement.objects.filter(lot=lot).count() == 2


@pytest.mark.parametrize(
    ("status", "reason", "field"),
    [
        ("recalled", "", "reason"),
        ("recalled", "   ", "reason"),
        ("recalled", "x" * 2001, "reason"),
        ("available", "Already available", "status"),
        ("lost", "Unknown status", "status"),
    ],
)
def test_a_status_change_needs_a_reason_and_a_real_change(
    world: World, status: str, reason: str, field: str
) -> None:
    lot = receive(world.clinic)
    with pytest.raises(ValidationError) as refused:
        stock.set_lot_status(SYSTEM, lot, status, reason)
    assert field in refused.value.message_dict
    assert Lot.objects.get(pk=lot.pk).status == LotStatus.AVAILABLE
    assert on_hand(lot) == Decimal("10")


def test_an_empty_lot_is_recalled_without_a_movement(world: World) -> None:
    lot = receive(world.clinic, quantity="1")
    stock.draw(SYSTEM, lot, "1", timezone.now())
    stock.set_lot_status(SYSTEM, lot, "recalled", "Recall")
    assert not StockMovement.objects.filter(lot=lot, kind=MovementKind.RECALLED).exists()
