"""A lot that cannot be charted is refused with the reason, and nothing is drawn."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from mesotrace.inventory.models import Lot, StockMovement
from mesotrace.inventory.queries.stock import lot_problem, on_hand
from mesotrace.inventory.rules import StockRefused
from mesotrace.inventory.services import stock
from tests.conftest import SYSTEM, World
from tests.inventory.builders import days_from_today, receive


def _refused(world: World, lot: Lot, quantity: str = "1") -> StockRefused:
    problem = lot_problem(lot, world.clinic, timezone.now(), Decimal(quantity))
    movements = StockMovement.objects.filter(lot=lot).count()
    with pytest.raises(StockRefused) as refused:
        stock.draw(SYSTEM, lot, quantity, timezone.now(), "session 9", clinic=world.clinic)
    assert refused.value.message == problem
    assert refused.value.message_dict == {refused.value.field: [problem]}
    assert StockMovement.objects.filter(lot=lot).count() == movements
    return refused.value


def test_an_expired_lot_cannot_be_charted(world: World) -> None:
    expiry = days_from_today(-1)
    lot = receive(world.clinic, "OLD-1", expiry=expiry, received_on=days_from_today(-90))

    refused = _refused(world, lot)
    assert (refused.field, refused.message) == ("lot", f"Lot OLD-1 expired on {expiry}.")


def test_a_lot_is_usable_through_its_expiry_day(world: World) -> None:
    lot = receive(world.clinic, "LAST-DAY", expiry=days_from_today(0))
    assert lot_problem(lot, world.clinic, timezone.now(), Decimal("1")) is None


def test_a_recalled_lot_cannot_be_charted_and_says_why(world: World) -> None:
    lot = receive(world.clinic, "R-9")
    stock.set_lot_status(SYSTEM, lot, "recalled", "Manufacturer notice 2026-14")

    refused = _refused(world, lot)
    assert refused.message == "Lot R-9 is recalled (Manufacturer notice 2026-14)."


def test_a_lot_under_investigation_cannot_be_charted_and_says_why(world: World) -> None:
    lot = receive(world.clinic, "Q-3")
    stock.set_lot_status(SYSTEM, lot, "under_investigation", "Three skin infections")

    refused = _refused(world, lot)
    assert refused.message == "Lot Q-3 is under investigation (Three skin infections)."
    assert on_hand(lot) == Decimal("10")  # quarantined, not removed


def test_an_override_lifts_the_investigation_and_nothing_else(world: World) -> None:
    held = receive(world.clinic, "Q-4")
    stock.set_lot_status(SYSTEM, held, "under_investigation", "Two skin infections")
    recalled = receive(world.clinic, "R-4")
    stock.set_lot_status(SYSTEM, recalled, "recalled", "Manufacturer notice 2026-15")
    now = timezone.now()
    movements = StockMovement.objects.filter(lot=recalled).count()

    stock.draw(SYSTEM, held, "1", now, clinic=world.clinic, investigation_overridden=True)
    assert on_hand(held) == Decimal("9")
    with pytest.raises(StockRefused) as refused:
        stock.draw(SYSTEM, recalled, "1", now, clinic=world.clinic, investigation_overridden=True)
    assert refused.value.message == "Lot R-4 is recalled (Manufacturer notice 2026-15)."
    assert StockMovement.objects.filter(lot=recalled).count() == movements


def test_another_clinics_lot_cannot_be_charted(world: World) -> None:
    theirs = receive(world.other_clinic, "THEIRS-1")

    refused = _refused(world, theirs)
    assert (refused.field, refused.message) == ("lot", "This lot belongs to another clinic.")
    assert "THEIRS-1" not in refused.message


def test_a_lot_short_of_stock_says_how_much_is_left(world: World) -> None:
    lot = receive(world.clinic, "S-1", quantity="1")
    stock.draw(SYSTEM, lot, "0.6", timezone.now())

    refused = _refused(world, lot, "0.5")
    assert (refused.field, refused.message) == (
        "quantity_ml",
        "Lot S-1 has only 0.4 mL left; 0.5 mL asked.",
    )
    assert on_hand(lot) == Decimal("0.4")


def test_an_empty_lot_says_it_is_empty(world: World) -> None:
    lot = receive(world.clinic, "E-1", quantity="1")
    stock.draw(SYSTEM, lot, "1", timezone.now())

    assert _refused(world, lot, "0.1").message == "Lot E-1 is empty."


def test_a_session_before_the_lot_arrived_cannot_use_it(world: World) -> None:
    lot = receive(world.clinic, "N-1", received_on=days_from_today(0))
    before = timezone.now() - datetime.timedelta(days=3)

    problem = lot_problem(lot, world.clinic, before, Decimal("1"))
    assert problem is not None
    assert "was received on" in problem


@pytest.mark.parametrize("quantity", ["0", "-1", "0.0001", "abc", "NaN", "1e9"])
def test_a_draw_of_a_nonsense_volume_is_refused(world: World, quantity: str) -> None:
    lot = receive(world.clinic)
    with pytest.raises(StockRefused) as refused:
        stock.draw(SYSTEM, lot, quantity, timezone.now())
    assert refused.value.field == "quantity_ml"
    assert on_hand(lot) == Decimal("10")
