"""Two people book the same practitioner's slot at the same moment: exactly one wins.

Real threads and real transactions (the test database is a file on SQLite). A pause
between the overlap check and the insert widens the window in which, without the
practitioner's row lock (PostgreSQL) or SQLite's IMMEDIATE transactions, both would
pass the check and both would book.
"""

from __future__ import annotations

import itertools
import time
from functools import partial
from typing import Any

import pytest
from django.db import connection

from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import Appointment, TreatmentPlan
from mesotrace.treatments.queries import schedule as schedule_queries
from mesotrace.treatments.rules.schedule import BookingConflict
from mesotrace.treatments.services import schedule as scheduling
from tests.conftest import SYSTEM, World, make_patient, make_practitioner
from tests.race import race
from tests.treatments.builders import active_plan, ensure_starter_catalogue, next_weekday

pytestmark = pytest.mark.django_db(transaction=True)
PAUSE_SECONDS = 0.3


@pytest.fixture(autouse=True)
def _catalogue(transactional_db: Any) -> None:
    ensure_starter_catalogue()  # an earlier transactional test's flush may have removed it


def _slow_conflict_check(monkeypatch: pytest.MonkeyPatch) -> None:
    original = schedule_queries.find_conflict

    def slow(*args: Any, **kwargs: Any) -> Any:
        found = original(*args, **kwargs)
        time.sleep(PAUSE_SECONDS)  # another booking gets every chance to slip in here
        return found

    monkeypatch.setattr(schedule_queries, "find_conflict", slow)


def _two_plans(world: World, practitioner: Practitioner) -> list[TreatmentPlan]:
    scheduling.opening_hours(world.clinic)  # in place first: creating them would serialise too
    return [
        active_plan(
            world.clinic,
            world.members["practitioner"],
            patient=make_patient(world.clinic, family_name=name),
            practitioner=practitioner,
        )
        for name in ("Arnaud", "Berger")
    ]


def _no_overlaps(practitioner: Practitioner) -> None:
    booked = list(Appointment.objects.filter(practitioner=practitioner).order_by("starts_at"))
    for earlier, later in itertools.pairwise(booked):
        assert earlier.ends_at <= later.starts_at, (earlier, later)


def test_two_bookings_of_the_same_slot_at_once_one_wins_one_gets_a_conflict(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    practitioner = make_practitioner(world.clinic)
    plans = _two_plans(world, practitioner)
    start = next_weekday(1, 10)
    _slow_conflict_check(monkeypatch)

    results = race(
        [partial(scheduling.book_course, SYSTEM, plan, practitioner, start, 30) for plan in plans]
    )

    won = [r for r in results if isinstance(r, list)]
    lost = [r for r in results if isinstance(r, BookingConflict)]
    assert (len(won), len(lost)) == (1, 1), results
    assert "already booked" in lost[0].message
    assert Appointment.objects.filter(practitioner=practitioner).count() == 10
    assert Appointment.objects.values("plan").distinct().count() == 1
    _no_overlaps(practitioner)


def test_a_double_submitted_course_is_booked_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    practitioner = make_practitioner(world.clinic)
    plan = active_plan(world.clinic, world.members["practitioner"], practitioner=practitioner)
    scheduling.opening_hours(world.clinic)
    start = next_weekday(2, 15)
    _slow_conflict_check(monkeypatch)

    results = race([lambda: scheduling.book_course(SYSTEM, plan, practitioner, start, 30)] * 2)

    assert sum(isinstance(r, list) for r in results) == 1, results
    assert Appointment.objects.filter(plan=plan).count() == plan.planned_sessions
    _no_overlaps(practitioner)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's IMMEDIATE transactions serialise writers whatever the code locks",
)
def test_without_the_practitioner_lock_both_bookings_would_win_on_postgresql(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shows the race above is real: the lock, not luck, is what makes one booking lose."""
    practitioner = make_practitioner(world.clinic)
    plans = _two_plans(world, practitioner)
    start = next_weekday(3, 10)
    _slow_conflict_check(monkeypatch)
    monkeypatch.setattr(scheduling, "_lock", lambda practitioner, patient: None)

    results = race(
        [partial(scheduling.book_course, SYSTEM, plan, practitioner, start, 30) for plan in plans]
    )

    assert all(isinstance(r, list) for r in results), results
    assert Appointment.objects.filter(practitioner=practitioner).count() == 20
