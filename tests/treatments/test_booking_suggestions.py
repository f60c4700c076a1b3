"""A course that clashes is offered the nearest free times for the sessions concerned; the desk
picks them and the whole course is booked in one more click."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils import timezone

from mesotrace.accounts.models import User
from mesotrace.treatments.models import Appointment
from mesotrace.treatments.rules.schedule import Slot, nearest_free
from mesotrace.treatments.services import schedule as scheduling
from tests.conftest import World, make_practitioner
from tests.treatments.builders import active_plan, book, next_weekday

Login = Callable[[User], Client]


def _clashing_course(world: World) -> tuple[Any, datetime.datetime, dict[str, Any]]:
    practitioner = make_practitioner(world.clinic)
    taken = active_plan(world.clinic, world.members["practitioner"], practitioner=practitioner)
    start = next_weekday(0, 11)
    book(taken, start)  # every 14 days at 11:00
    plan = active_plan(
        world.clinic, world.members["practitioner"], interval_days=7, practitioner=practitioner
    )
    form = {
        "practitioner": practitioner.pk,
        "first_date": start.date().isoformat(),
        "start_time": "11:00",
        "duration_minutes": 30,
    }
    return plan, start, form


def test_a_clash_offers_free_times_and_the_course_books_with_them(
    world: World, login: Login
) -> None:
    plan, start, form = _clashing_course(world)
    client = login(world.members["front_desk"])
    url = f"/treatments/plans/{plan.pk}/book/"
    refused = client.post(url, form)
    assert refused.status_code == 409
    assert "Free times nearby" in refused.content.decode()
    rows = refused.context["alternatives"]
    assert [row["sequence"] for row in rows] == [1, 3, 5, 7, 9]  # the weeks the other course holds
    for row in rows:
        assert len(row["choices"]) == 3
    assert rows[0]["choices"][0][0] == start.replace(hour=10, minute=30, tzinfo=None).isoformat()
    assert not Appointment.objects.filter(plan=plan).exists()

    chosen = {f"move-{row['sequence']}": row["choices"][0][0] for row in rows}
    booked = client.post(url, {**form, **chosen})
    assert booked.status_code == 302
    appointments = list(Appointment.objects.filter(plan=plan).order_by("sequence"))
    assert len(appointments) == plan.planned_sessions
    first = timezone.localtime(appointments[0].starts_at, start.tzinfo)
    assert (first.hour, first.minute) == (10, 30)
    second = timezone.localtime(appointments[1].starts_at, start.tzinfo)
    assert (second.hour, second.minute) == (11, 0)  # a session that did not clash keeps its time


def test_an_unreadable_chosen_time_books_nothing(world: World, login: Login) -> None:
    plan, _start, form = _clashing_course(world)
    response = login(world.members["front_desk"]).post(
        f"/treatments/plans/{plan.pk}/book/", {**form, "move-1": "next tuesday"}
    )
    assert "could not be read" in response.content.decode()
    assert not Appointment.objects.filter(plan=plan).exists()


def test_nearest_free_starts_around_a_taken_half_hour(world: World) -> None:
    hours = scheduling.opening_hours(world.clinic)
    monday = next_weekday(0, 11)
    _clashing_course(world)
    taken = list(Appointment.objects.filter(starts_at=monday.astimezone(datetime.UTC)))
    assert taken
    slot = Slot(1, monday, monday + datetime.timedelta(minutes=30))
    found = nearest_free(slot, taken, hours, world.clinic, timezone.now())
    local = [timezone.localtime(s, monday.tzinfo).strftime("%H:%M") for s in found]
    assert local == ["10:30", "11:30", "10:15"]
