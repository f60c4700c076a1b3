"""Receiving a lot: the number is cleaned, every problem is reported at once, nothing half-saved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesotrace.inventory.models import Lot, MovementKind, StockMovement
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.inventory.services import stock
from tests.conftest import SYSTEM, World
from tests.inventory.builders import days_from_today, receive, shipped_product


def test_a_received_lot_has_one_received_movement_of_its_quantity(world: World) -> None:
    lot = receive(world.clinic, "  AB  12 ", quantity="7.5", supplier=" Pharma Sud ")

    assert (lot.lot_number, lot.supplier) == ("AB 12", "Pharma Sud")
    [movement] = StockMovement.objects.filter(lot=lot)
    assert (movement.kind, movement.quantity_ml) == (MovementKind.RECEIVED, Decimal("7.5"))


def test_every_problem_of_a_receipt_is_reported_at_once(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        stock.receive_lot(
            SYSTEM,
            world.clinic,
            shipped_product("kybella"),
            "",
            days_from_today(-30),
            "0",
            received_on=days_from_today(-1),
            discard_after_hours=5,
        )
    assert set(refused.value.message_dict) == {
        "lot_number",
        "quantity_ml",
        "expiry_date",
        "discard_after_hours",
    }
    assert not Lot.objects.exists()


def test_the_same_lot_number_of_the_same_product_is_received_once(world: World) -> None:
    first = receive(world.clinic, "DUP-1")
    with pytest.raises(ValidationError) as refused:
        receive(world.clinic, "DUP-1")
    assert refused.value.message_dict["lot_number"] == [
        f"Lot DUP-1 of this product was received on {first.received_on} already; "
        "record the new delivery on that lot."
    ]
    # The same number of another product, or in another clinic, is another lot.
    receive(world.clinic, "DUP-1", product="kybella")
    receive(world.other_clinic, "DUP-1")
    assert Lot.objects.count() == 3


def test_a_further_delivery_of_the_same_lot_adds_to_its_stock(world: World) -> None:
    lot = receive(world.clinic, quantity="10")
    stock.receive_more(SYSTEM, lot, "5", reference="Delivery note 88")
    assert on_hand(lot) == Decimal("15")
