"""Stock on hand is the sum of a lot's movements, whatever moved it and on either database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from mesotrace.inventory.models import Lot, MovementKind, StockMovement, on_hand_expression
from mesotrace.inventory.queries.stock import low_stock, near_expiry, on_hand, usable_lots
from mesotrace.inventory.rules import annotated_on_hand
from mesotrace.inventory.services import stock
from tests.conftest import SYSTEM, World
from tests.inventory.builders import receive


def _sum_of_movements(lot: Lot) -> Decimal:
    return sum((m.quantity_ml for m in StockMovement.objects.filter(lot=lot)), Decimal("0"))


def test_every_kind_of_movement_changes_the_stock_on_hand_by_its_quantity(world: World) -> None:
    lot = receive(world.clinic, quantity="10")
    now = timezone.now()
    stock.draw(SYSTEM, lot, "0.1", now, "session 1")
    stock.draw(SYSTEM, lot, "0.2", now, "session 1")
    stock.waste(SYSTEM, lot, "0.3", "Syringe dropped")
    stock.adjust(SYSTEM, lot, "-0.4", "Stock count")
    stock.adjust(SYSTEM, lot, "0.05", "Stock count, second look")
    stock.return_stock(SYSTEM, lot, "1", "Damaged box", "RMA-77")
    stock.receive_more(SYSTEM, lot, "2.5")

    assert on_hand(lot) == Decimal("10.55") == _sum_of_movements(lot)
    kinds = list(StockMovement.objects.filter(lot=lot).values_list("kind", flat=True))
    assert sorted(set(kinds)) == sorted({"received", "used", "wasted", "adjusted", "returned"})
    annotated = Lot.objects.annotate(on_hand_ml=on_hand_expression()).get(pk=lot.pk)
    assert annotated_on_hand(annotated) == Decimal("10.55")


def test_a_lot_emptied_in_tenths_is_exactly_empty(world: World) -> None:
    """SQLite sums decimals as floats; 0.1 + 0.2 must still empty a 0.3 mL lot."""
    lot = receive(world.clinic, quantity="0.3")
    stock.draw(SYSTEM, lot, "0.1", timezone.now())
    stock.draw(SYSTEM, lot, "0.2", timezone.now())

    assert on_hand(lot) == Decimal("0")
    assert usable_lots(world.clinic, lot.product, timezone.now()) == []
    assert low_stock(world.clinic, Decimal("5")) == []
    assert near_expiry(world.clinic, 365 * 100) == []


def test_a_lot_untouched_holds_what_was_received(world: World) -> None:
    lot = receive(world.clinic, quantity="12.345")
    assert on_hand(lot) == lot.quantity_received_ml == Decimal("12.345")


@pytest.mark.parametrize(
    ("kind", "quantity"),
    [
        (MovementKind.RECEIVED, "-1"),
        (MovementKind.USED, "1"),
        (MovementKind.WASTED, "1"),
        (MovementKind.RECALLED, "2"),
        (MovementKind.ADJUSTED, "0"),
    ],
)
def test_the_database_refuses_a_movement_whose_sign_contradicts_its_kind(
    world: World, kind: str, quantity: str
) -> None:
    lot = receive(world.clinic)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            clinic=world.clinic,
            lot=lot,
            kind=kind,
            quantity_ml=Decimal(quantity),
            at=timezone.now(),
        )
    assert on_hand(lot) == Decimal("10")
