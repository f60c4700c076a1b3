"""Two nurses chart the last millilitres of one lot at the same moment: one wins, stock >= 0.

Real threads and real transactions. Both sessions pass every check and meet before
drawing, the window in which, without the lot's row lock (PostgreSQL) or SQLite's
IMMEDIATE transactions, both would read the same stock and both would draw it.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from mesotrace.accounts import services as accounts
from mesotrace.accounts.access import Actor
from mesotrace.charting import services
from mesotrace.inventory.models import Lot, MovementKind, StockMovement
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.inventory.services import stock
from mesotrace.practitioners.models import InjectionRule, Practitioner
from mesotrace.practitioners.services import set_injection_policy
from mesotrace.treatments.models import Appointment, TreatmentSession
from tests.charting.builders import chartable, minoxidil_lot, payload, point
from tests.conftest import PASSWORD, SYSTEM, World, make_patient, make_practitioner
from tests.race import race
from tests.treatments.builders import actor_for, ensure_starter_catalogue

pytestmark = pytest.mark.django_db(transaction=True)
MEET_SECONDS = 2.0
Nurse = tuple[Actor, tuple[Appointment, Practitioner]]  # who charts, which visit, as whom


@pytest.fixture(autouse=True)
def _catalogue(transactional_db: Any) -> None:
    ensure_starter_catalogue()  # an earlier transactional test's flush may have removed it


def _meet(barrier: threading.Barrier) -> None:
    """Both nurses reach this point before either goes on (SQLite lets only one in: no wait)."""
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=MEET_SECONDS)


def _slow_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    original = stock.draw
    both_checked = threading.Barrier(2)

    def slow(*args: Any, **kwargs: Any) -> Any:
        _meet(both_checked)  # both sessions passed every check; now both draw
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "draw", slow)


def _two_nurses(world: World) -> list[Nurse]:
    """Two supervised nurses, each with a patient in the chair today."""
    set_injection_policy(
        SYSTEM,
        world.clinic,
        rule=InjectionRule.PHYSICIAN_OR_SUPERVISED_NURSE,
        require_training=True,
    )
    first = chartable(world)
    physician = first.practitioner
    second_user = accounts.add_member(
        SYSTEM, world.clinic, email="nurse2@alpha.test", role="nurse", password=PASSWORD
    ).user
    pairs: list[Nurse] = []
    for user, appointment in (
        (world.members["nurse"], first),
        (second_user, chartable(world, patient=make_patient(world.clinic))),
    ):
        nurse = make_practitioner(
            world.clinic,
            user=user,
            full_name=f"Nurse {user.email}",
            qualification="nurse",
            supervising_physician=physician,
        )
        pairs.append((actor_for(user, world.clinic), (appointment, nurse)))
    return pairs


def _jobs(lot: Lot, nurses: list[Nurse]) -> list[Callable[[], TreatmentSession]]:
    def chart(actor: Actor, appointment: Appointment, nurse: Practitioner) -> TreatmentSession:
        body = payload(*[point(lot, "0.2") for _ in range(3)], practitioner_id=nurse.pk)
        return services.record_session(actor, appointment, body, uuid.uuid4().hex)

    return [partial(chart, actor, appointment, nurse) for actor, (appointment, nurse) in nurses]


def test_two_nurses_drawing_the_last_millilitre_one_wins_and_stock_never_goes_negative(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    lot = minoxidil_lot(world.clinic, "LAST-1", "1")
    nurses = _two_nurses(world)
    _slow_draw(monkeypatch)

    def chart(actor: Actor, appointment: Appointment, nurse: Practitioner) -> TreatmentSession:
        body = payload(*[point(lot, "0.2") for _ in range(3)], practitioner_id=nurse.pk)
        return services.record_session(actor, appointment, body, uuid.uuid4().hex)

    results = race(
        [partial(chart, actor, appointment, nurse) for actor, (appointment, nurse) in nurses]
    )

    won = [r for r in results if isinstance(r, TreatmentSession)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    assert (len(won), len(lost)) == (1, 1), results
    assert "has only 0.4 mL left; 0.6 mL asked" in str(lost[0].message_dict)
    assert on_hand(lot) == Decimal("0.400")
    assert StockMovement.objects.filter(lot=lot, kind=MovementKind.USED).count() == 1
    assert TreatmentSession.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's IMMEDIATE transactions serialise writers whatever the code locks",
)
def test_without_the_lots_row_lock_both_nurses_would_draw_on_postgresql(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shows the race above is real: the lot's lock, not luck, is what refuses one nurse."""
    lot = minoxidil_lot(world.clinic, "LAST-2", "1")
    nurses = _two_nurses(world)
    _slow_draw(monkeypatch)
    monkeypatch.setattr(
        stock, "_lock", lambda lot: Lot.objects.select_related("product", "clinic").get(pk=lot.pk)
    )
    both_read = threading.Barrier(2)
    read_stock = on_hand

    def on_hand_then_wait(lot: Lot) -> Decimal:
        found = read_stock(lot)
        _meet(both_read)  # neither writes before both have read the stock
        return found

    monkeypatch.setattr(stock, "on_hand", on_hand_then_wait)

    results = race(_jobs(lot, nurses))

    assert all(isinstance(r, TreatmentSession) for r in results), results
    assert on_hand(lot) == Decimal("-0.200")
