"""Two nurses draw the last millilitres of one lot at the same moment: one wins, one is told why.

Real threads and real transactions (the test database is a file on SQLite). A pause
after each draw has read the stock on hand widens the window in which, without the lot's
row lock (PostgreSQL) or SQLite's IMMEDIATE transactions, both would see enough stock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from mesotrace.inventory.models import Lot, MovementKind, StockMovement
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.inventory.rules import StockRefused
from mesotrace.inventory.services import stock
from tests.conftest import SYSTEM, World
from tests.inventory.builders import receive
from tests.race import race
from tests.treatments.builders import ensure_starter_catalogue

pytestmark = pytest.mark.django_db(transaction=True)
PAUSE_SECONDS = 0.3


@pytest.fixture(autouse=True)
def _catalogue(transactional_db: Any) -> None:
    ensure_starter_catalogue()  # an earlier transactional test's flush may have removed it


def _pausing(reader: Callable[[Lot], Decimal], seconds: float) -> Callable[[Lot], Decimal]:
    def slow(lot: Lot) -> Decimal:
        found = reader(lot)
        time.sleep(seconds)  # the other nurses get every chance to draw here
        return found

    return slow


def _slow_stock_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stock, "on_hand", _pausing(on_hand, PAUSE_SECONDS))


def _charting_session(lot: Lot, quantity: str, reference: str) -> Callable[[], Any]:
    """What charting does: a session's own transaction, with the draw inside it."""

    def save() -> Any:
        with transaction.atomic():
            return stock.draw(SYSTEM, lot, quantity, timezone.now(), reference)

    return save


def _used(lot: Lot) -> int:
    return StockMovement.objects.filter(lot=lot, kind=MovementKind.USED).count()


def test_two_draws_of_the_last_millilitres_at_once_one_wins_one_is_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    lot = receive(world.clinic, "LAST-2", quantity="3")
    stock.draw(SYSTEM, lot, "1", timezone.now(), "session 1")
    _slow_stock_reading(monkeypatch)

    results = race(
        [_charting_session(lot, "1.5", "session 2"), _charting_session(lot, "1.5", "session 3")]
    )

    won = [r for r in results if isinstance(r, StockMovement)]
    lost = [r for r in results if isinstance(r, StockRefused)]
    assert (len(won), len(lost)) == (1, 1), results
    assert lost[0].field == "quantity_ml"
    assert lost[0].message == "Lot LAST-2 has only 0.5 mL left; 1.5 mL asked."
    assert on_hand(lot) == Decimal("0.5")
    assert _used(lot) == 2


def test_many_draws_at_once_never_take_the_stock_below_zero(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    lot = receive(world.clinic, "MANY", quantity="2")
    monkeypatch.setattr(stock, "on_hand", _pausing(on_hand, 0.05))

    results = race([_charting_session(lot, "0.5", f"session {i}") for i in range(6)])

    assert sum(isinstance(r, StockMovement) for r in results) == 4, results
    assert sum(isinstance(r, StockRefused) for r in results) == 2, results
    assert on_hand(lot) == Decimal("0")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's IMMEDIATE transactions serialise writers whatever the code locks",
)
def test_without_the_lot_lock_both_draws_would_win_on_postgresql(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shows the race above is real: the row lock, not luck, is what makes one draw lose."""
    lot = receive(world.clinic, "NO-LOCK", quantity="2")
    _slow_stock_reading(monkeypatch)
    monkeypatch.setattr(
        stock, "_lock", lambda lot: Lot.objects.select_related("product", "clinic").get(pk=lot.pk)
    )

    results = race(
        [_charting_session(lot, "1.5", "session 2"), _charting_session(lot, "1.5", "session 3")]
    )

    assert all(isinstance(r, StockMovement) for r in results), results
    assert on_hand(lot) == Decimal("-1")
