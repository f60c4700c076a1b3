"""Sessions charted at the same moment with the same product each add their session.

Real threads and real transactions (the test database is a file on SQLite). Each session
pauses after counting, before it commits, so the others count while its new rows are not
yet visible: on PostgreSQL their inserts of the same product's row collide and must turn
into increments (ON CONFLICT DO UPDATE); SQLite's IMMEDIATE transactions serialise them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F

from mesotrace.catalogue.models import Product
from mesotrace.charting import services as charting
from mesotrace.safety.models import ExposureLevel
from mesotrace.safety.queries import exposure
from mesotrace.safety.services import exposure as counting
from mesotrace.treatments.models import TreatmentSession
from tests.charting.builders import MINOXIDIL, chartable, minoxidil_lot, payload, point
from tests.conftest import World
from tests.race import race
from tests.treatments.builders import actor_for, ensure_starter_catalogue

pytestmark = pytest.mark.django_db(transaction=True)
PAUSE_SECONDS = 0.3


@pytest.fixture(autouse=True)
def _catalogue(transactional_db: Any) -> None:
    ensure_starter_catalogue()  # an earlier transactional test's flush may have removed it


def _slow_counting(monkeypatch: pytest.MonkeyPatch) -> None:
    count = counting.count_session

    def slow(session: TreatmentSession, used: Iterable[tuple[int, int]]) -> None:
        count(session, used)
        time.sleep(PAUSE_SECONDS)  # counted, not committed: the others count now

    monkeypatch.setattr(counting, "count_session", slow)


def _charting(world: World, lot_number: str) -> Callable[[], Any]:
    """One session prepared ahead (its own patient, plan and lot), charted when called."""
    appointment = chartable(world)
    body = payload(point(minoxidil_lot(world.clinic, lot_number)))
    actor = actor_for(world.members["practitioner"], world.clinic)
    return lambda: charting.record_session(actor, appointment, body, uuid.uuid4().hex)


def test_two_sessions_at_once_with_one_product_both_count(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = [_charting(world, "RACE-1"), _charting(world, "RACE-2")]
    _slow_counting(monkeypatch)

    results = race(jobs)

    assert all(isinstance(r, TreatmentSession) for r in results), results
    product = Product.objects.shipped().get(slug=MINOXIDIL)
    assert exposure.sessions_per(world.clinic, ExposureLevel.PRODUCT) == {product.pk: 2}
    assert sorted(exposure.sessions_per(world.clinic, ExposureLevel.LOT).values()) == [1, 1]
    assert sum(exposure.sessions_per_compound(world.clinic).values()) == 2


def test_many_sessions_at_once_lose_no_increment(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = [_charting(world, f"MANY-{i}") for i in range(5)]
    _slow_counting(monkeypatch)

    results = race(jobs)

    assert all(isinstance(r, TreatmentSession) for r in results), results
    assert list(exposure.sessions_per(world.clinic, ExposureLevel.PRODUCT).values()) == [5]
    assert exposure.recount(world.clinic.pk).products == exposure.sessions_per(
        world.clinic, ExposureLevel.PRODUCT
    )


def _update_else_insert(model: Any, conflict: Any, rows: list[dict[str, Any]]) -> None:
    """The count without ON CONFLICT: update the row, else insert it."""
    for row in rows:
        if not model.objects.filter(**row).update(sessions=F("sessions") + 1):
            model.objects.create(sessions=1, **row)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's IMMEDIATE transactions serialise writers whatever the code does",
)
def test_without_the_retry_one_session_would_be_refused_on_postgresql(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shows the race above is real: ON CONFLICT DO UPDATE, not luck, saves the session."""
    jobs = [_charting(world, "NAIVE-1"), _charting(world, "NAIVE-2")]
    monkeypatch.setattr(counting, "_add_one", _update_else_insert)
    _slow_counting(monkeypatch)

    results = race(jobs)

    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1, results
    assert "charted at the same moment" in " ".join(refused[0].messages)
