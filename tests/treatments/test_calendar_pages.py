"""Day and week calendars per practitioner, in the clinic's time zone, and the schedule pages."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.treatments.models import OpeningHours
from mesotrace.treatments.services import schedule as scheduling
from tests.conftest import SYSTEM, World, make_patient, make_practitioner
from tests.treatments.builders import active_plan, book, next_weekday


def _week(client: Client, practitioner_id: int, day: datetime.date) -> str:
    response = client.get(f"/treatments/schedule/{practitioner_id}/week/?date={day.isoformat()}")
    assert response.status_code == 200
    return response.content.decode()


def test_week_calendar_shows_the_practitioners_appointments_in_clinic_time(
    world: World, login: Callable[[User], Client]
) -> None:
    practitioner = make_practitioner(world.clinic)
    patient = make_patient(world.clinic, given_name="Margaux", family_name="Lefèvre")
    plan = active_plan(
        world.clinic, world.members["practitioner"], patient=patient, practitioner=practitioner
    )
    start = next_weekday(2, 14, 30)  # a Wednesday, 14:30 in Paris
    book(plan, start, minutes=60)
    body = _week(login(world.members["front_desk"]), practitioner.pk, start.date())
    assert "LEFÈVRE Margaux" in body
    assert "14:30\u201315:30" in body
    assert "session 1/10" in body
    assert 'rowspan="2"' in body  # an hour is two 30-minute rows
    assert "Times in Europe/Paris" in body
    next_week = _week(
        login(world.members["front_desk"]), practitioner.pk, start.date() + datetime.timedelta(7)
    )
    assert "LEFÈVRE" not in next_week  # every 14 days


def test_day_calendar_shows_one_day(world: World, login: Callable[[User], Client]) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    start = next_weekday(4, 9)
    book(plan, start)
    client = login(world.members["nurse"])
    url = f"/treatments/schedule/{plan.practitioner_id}/day/?date="
    assert "09:00\u201309:30" in client.get(url + start.date().isoformat()).content.decode()
    other_day = (start + datetime.timedelta(days=1)).date().isoformat()
    assert "09:00\u201309:30" not in client.get(url + other_day).content.decode()


def test_calendar_leaves_out_other_practitioners_and_cancelled_sessions(
    world: World, login: Callable[[User], Client]
) -> None:
    mine = make_practitioner(world.clinic, full_name="Dr Anne Lemoine")
    theirs = make_practitioner(world.clinic, full_name="Dr Hugo Fabre")
    start = next_weekday(1, 11)
    first = active_plan(
        world.clinic,
        world.members["practitioner"],
        patient=make_patient(world.clinic, family_name="Visible"),
        practitioner=mine,
    )
    booked = book(first, start)
    book(
        active_plan(
            world.clinic,
            world.members["practitioner"],
            patient=make_patient(world.clinic, family_name="Elsewhere"),
            practitioner=theirs,
        ),
        start,
    )
    body = _week(login(world.members["owner"]), mine.pk, start.date())
    assert "VISIBLE" in body
    assert "ELSEWHERE" not in body
    scheduling.cancel_appointment(SYSTEM, booked[0], "Unwell.")
    assert "VISIBLE" not in _week(login(world.members["owner"]), mine.pk, start.date())


def test_closed_hours_are_shaded_and_the_grid_follows_the_clinics_hours(
    world: World, login: Callable[[User], Client]
) -> None:
    scheduling.set_opening_hours(
        SYSTEM,
        world.clinic,
        [(0, datetime.time(8), datetime.time(12)), (5, datetime.time(9), datetime.time(13))],
    )
    practitioner = make_practitioner(world.clinic)
    body = _week(login(world.members["owner"]), practitioner.pk, next_weekday(0).date())
    rows = re.findall(r'<th scope="row" class="time">(\d\d:\d\d)</th>', body)
    assert (rows[0], rows[-1]) == ("08:00", "12:30")
    assert body.count('class="closed"') > body.count('class="open"')


def test_week_page_is_audited_with_the_patients_it_showed(
    world: World, login: Callable[[User], Client]
) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    start = next_weekday(0, 10)
    book(plan, start)
    _week(login(world.members["front_desk"]), plan.practitioner_id, start.date())
    event = AuditEvent.objects.filter(object_type="appointment", action="list").get()
    assert event.details["patients"] == [plan.patient_id]
    assert event.actor == world.members["front_desk"]


def test_week_calendar_costs_the_same_queries_for_one_or_many_appointments(
    world: World, login: Callable[[User], Client]
) -> None:
    practitioner = make_practitioner(world.clinic)
    client = login(world.members["front_desk"])
    monday = next_weekday(0, 9)
    url = f"/treatments/schedule/{practitioner.pk}/week/?date={monday.date().isoformat()}"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    plans = [
        active_plan(
            world.clinic,
            world.members["practitioner"],
            patient=make_patient(world.clinic, family_name=f"Patient{n}"),
            practitioner=practitioner,
            planned_sessions=1,
        )
        for n in range(6)
    ]
    book(plans[0], monday)
    few = queries()
    for n, plan in enumerate(plans[1:], start=1):
        book(plan, monday + datetime.timedelta(hours=n))
    assert queries() == few


def test_schedule_index_lists_practitioners_and_hours(
    world: World, login: Callable[[User], Client]
) -> None:
    make_practitioner(world.clinic, full_name="Dr Alice Perrin")
    body = login(world.members["front_desk"]).get("/treatments/schedule/").content.decode()
    assert "Dr Alice Perrin" in body
    assert "Monday 09:00\u201319:00" in body
    assert "Change opening hours" not in body  # owners only


def test_owner_changes_the_opening_hours(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.members["owner"])
    assert client.get("/treatments/schedule/hours/").status_code == 200
    data = {
        "hours-TOTAL_FORMS": 2,
        "hours-INITIAL_FORMS": 0,
        "hours-0-weekday": 5,
        "hours-0-opens": "09:00",
        "hours-0-closes": "13:00",
        "hours-1-weekday": 0,
        "hours-1-opens": "10:00",
        "hours-1-closes": "18:00",
    }
    assert client.post("/treatments/schedule/hours/", data).status_code == 302
    periods = [(h.weekday, h.opens.hour, h.closes.hour) for h in OpeningHours.objects.all()]
    assert periods == [(0, 10, 18), (5, 9, 13)]
    bad = {**data, "hours-1-weekday": 5, "hours-1-opens": "12:00", "hours-1-closes": "16:00"}
    response = client.post("/treatments/schedule/hours/", bad)
    assert "overlap" in response.content.decode()
    assert OpeningHours.objects.count() == 2


def test_rescheduling_from_the_calendar(world: World, login: Callable[[User], Client]) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    start = next_weekday(0, 10)
    first = book(plan, start)[0]
    client = login(world.members["front_desk"])
    response = client.post(
        f"/treatments/appointments/{first.pk}/reschedule/",
        {
            "practitioner": plan.practitioner_id,
            "first_date": (start + datetime.timedelta(days=1)).date().isoformat(),
            "start_time": "16:00",
            "duration_minutes": 30,
        },
    )
    assert response.status_code == 302
    assert "Tuesday" in client.get(response["Location"]).content.decode()
    first.refresh_from_db()
    assert first.starts_at.astimezone(start.tzinfo).hour == 16
