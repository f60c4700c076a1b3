"""Booking a plan's course: every session or none, within opening hours, never double-booked."""

from __future__ import annotations

import datetime
import itertools
import json
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from mesotrace.accounts.models import Clinic, User
from mesotrace.audit.models import AuditEvent
from mesotrace.practitioners.models import Qualification
from mesotrace.treatments.models import Appointment, AppointmentStatus, OpeningHours
from mesotrace.treatments.rules.schedule import BookingConflict
from mesotrace.treatments.services import plans as services
from mesotrace.treatments.services import schedule as scheduling
from tests.conftest import SYSTEM, World, make_patient, make_practitioner
from tests.treatments.builders import PAIN, active_plan, book, make_plan, next_weekday

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
Headers = Callable[[User, Clinic], dict[str, Any]]


def _next_dst_change() -> datetime.date:
    day = timezone.now().astimezone(PARIS).date() + datetime.timedelta(days=21)
    noon = datetime.time(12)
    offset = datetime.datetime.combine(day, noon, tzinfo=PARIS).utcoffset()
    while datetime.datetime.combine(day, noon, tzinfo=PARIS).utcoffset() == offset:
        day += datetime.timedelta(days=1)
    return day


def _local(appointment: Appointment) -> datetime.datetime:
    return appointment.starts_at.astimezone(PARIS)


def test_course_books_every_session_at_the_same_local_time_across_a_clock_change(
    world: World,
) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"], interval_days=7)
    change = _next_dst_change()
    monday = change - datetime.timedelta(days=change.weekday() + 14)
    booked = book(plan, datetime.datetime.combine(monday, datetime.time(10, 30), tzinfo=PARIS))
    assert [a.sequence for a in booked] == list(range(1, 11))
    assert {(_local(a).weekday(), _local(a).time()) for a in booked} == {(0, datetime.time(10, 30))}
    gaps = [(_local(b).date() - _local(a).date()).days for a, b in itertools.pairwise(booked)]
    assert gaps == [7] * 9
    assert len({a.starts_at.utcoffset() for a in booked}) == 1  # stored in UTC...
    assert len({_local(a).utcoffset() for a in booked}) == 2  # ...across the clock change
    assert {a.duration_minutes for a in booked} == {30}
    assert AuditEvent.objects.filter(object_type="appointment", action="create").count() == 10


def test_a_naive_start_is_read_as_the_clinics_local_time(world: World) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    start = next_weekday(1, 9).replace(tzinfo=None)
    first = book(plan, start)[0]
    assert _local(first).replace(tzinfo=None) == start


def test_a_session_outside_opening_hours_refuses_the_whole_course(world: World) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"], interval_days=5)
    start = next_weekday(0)  # Monday; the second session falls on a Saturday
    with pytest.raises(ValidationError) as refused:
        book(plan, start)
    message = refused.value.message_dict["starts_at"][0]
    saturday = (start + datetime.timedelta(days=5)).date()
    assert message.startswith("Session 2:")
    assert f"Saturday {saturday.day} {saturday:%B} {saturday.year}" in message
    assert "closed that day" in message
    assert not Appointment.objects.exists()
    assert not AuditEvent.objects.filter(object_type="appointment").exists()


def test_a_session_running_past_closing_time_is_refused(world: World) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    with pytest.raises(ValidationError) as refused:
        book(plan, next_weekday(2, 18, 45), minutes=30)
    assert "09:00\u201319:00" in refused.value.message_dict["starts_at"][0]
    assert not Appointment.objects.exists()


def test_a_double_booked_practitioner_refuses_the_course_naming_the_session(
    world: World,
) -> None:
    practitioner = make_practitioner(world.clinic)
    first = active_plan(world.clinic, world.members["practitioner"], practitioner=practitioner)
    monday = next_weekday(0, 10, weeks=3)
    book(first, monday)  # every other Monday at 10:00
    second = active_plan(
        world.clinic, world.members["practitioner"], practitioner=practitioner, interval_days=7
    )
    with pytest.raises(BookingConflict) as refused:
        # Weekly from two weeks earlier, a quarter of an hour later: the third session collides.
        book(second, monday - datetime.timedelta(days=14) + datetime.timedelta(minutes=15))
    message = refused.value.message
    assert message.startswith(f"Session 3 on Monday {monday.day} {monday:%B} {monday.year}, 10:15")
    assert "Dr Jeanne Martin is already booked from 10:00 to 10:30" in message
    assert not Appointment.objects.filter(plan=second).exists()
    assert not AuditEvent.objects.filter(object_type="appointment", patient_id=second.patient_id)


def test_a_course_on_closed_days_can_move_them_to_the_next_open_day(world: World) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"], protocol=PAIN)
    monday = next_weekday(0, 10)
    with pytest.raises(ValidationError) as refused:
        book(plan, monday)  # every 3 days: Monday, Thursday, Sunday...
    assert "move sessions" in refused.value.message_dict["starts_at"][0]
    booked = scheduling.book_course(
        SYSTEM, plan, plan.practitioner, monday, 30, move_closed_days=True
    )
    days = [(_local(a).date() - monday.date()).days for a in booked]
    assert days == [0, 3, 7, 9, 14]  # Sunday -> Monday, Saturday -> Monday
    assert {_local(a).time() for a in booked} == {datetime.time(10)}


def test_a_patient_cannot_be_booked_twice_at_the_same_time(world: World) -> None:
    patient = make_patient(world.clinic)
    practitioner = world.members["practitioner"]
    one = active_plan(world.clinic, practitioner, patient=patient)
    other = active_plan(
        world.clinic,
        practitioner,
        patient=patient,
        interval_days=7,
        practitioner=make_practitioner(world.clinic, full_name="Dr Paul Girard"),
    )
    start = next_weekday(3, 11)
    book(one, start)
    with pytest.raises(BookingConflict) as refused:
        book(other, start + datetime.timedelta(minutes=20))
    assert "the patient already has an appointment" in refused.value.message


def test_only_an_active_plan_can_be_booked(world: World) -> None:
    plan = make_plan(world.clinic)
    with pytest.raises(ValidationError) as refused:
        book(plan, next_weekday(0))
    assert "Activate the plan" in refused.value.message_dict["plan"][0]


@pytest.mark.parametrize("minutes", [0, 4, 481, -30])
def test_absurd_durations_are_refused(world: World, minutes: int) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    with pytest.raises(ValidationError) as refused:
        book(plan, next_weekday(0), minutes=minutes)
    assert "duration_minutes" in refused.value.message_dict
    assert not Appointment.objects.exists()


def test_a_course_in_the_past_is_refused(world: World) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    with pytest.raises(ValidationError) as refused:
        book(plan, next_weekday(0, weeks=-3))
    assert "in the past" in refused.value.message_dict["starts_at"][0]


def test_a_practitioner_who_may_not_inject_is_refused(world: World) -> None:
    nurse = make_practitioner(
        world.clinic, full_name="Nurse Lea Roy", qualification=Qualification.NURSE
    )
    plan = active_plan(world.clinic, world.members["practitioner"])
    with pytest.raises(ValidationError) as refused:
        book(plan, next_weekday(0), practitioner=nurse)
    assert "Licensed physician only" in refused.value.message_dict["practitioner"][0]


def test_booking_again_books_only_the_sessions_not_yet_booked(world: World) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    booked = book(plan, next_weekday(0))
    scheduling.cancel_appointment(SYSTEM, booked[1], "Patient unwell.")
    rebooked = book(plan, next_weekday(2, 15))
    assert [a.sequence for a in rebooked] == [2]
    with pytest.raises(ValidationError) as refused:
        book(plan, next_weekday(4))
    assert "All 10 sessions" in refused.value.message_dict["plan"][0]


def test_reschedule_moves_one_appointment_with_the_same_checks(world: World) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    booked = book(plan, next_weekday(0, 10))
    moved = scheduling.reschedule_appointment(SYSTEM, booked[0], next_weekday(0, 14), 45)
    assert (_local(moved).hour, moved.duration_minutes) == (14, 45)
    event = AuditEvent.objects.filter(object_type="appointment", action="update").get()
    assert set(event.changes) == {"starts_at", "ends_at"}

    with pytest.raises(BookingConflict):  # onto its own course's next session
        scheduling.reschedule_appointment(SYSTEM, moved, booked[1].starts_at)
    with pytest.raises(ValidationError):
        scheduling.reschedule_appointment(SYSTEM, moved, next_weekday(6, 10))  # Sunday
    moved.refresh_from_db()
    assert _local(moved).hour == 14


def test_cancelling_needs_a_reason_and_frees_the_slot(world: World) -> None:
    practitioner = make_practitioner(world.clinic)
    plan = active_plan(world.clinic, world.members["practitioner"], practitioner=practitioner)
    start = next_weekday(1, 16)
    first = book(plan, start)[0]
    with pytest.raises(ValidationError):
        scheduling.cancel_appointment(SYSTEM, first, " ")
    scheduling.cancel_appointment(SYSTEM, first, "Clinic closed for a training day.")
    first.refresh_from_db()
    assert (first.status, first.cancel_reason) == (
        AppointmentStatus.CANCELLED,
        "Clinic closed for a training day.",
    )
    with pytest.raises(ValidationError):
        scheduling.reschedule_appointment(SYSTEM, first, start)
    other = active_plan(
        world.clinic, world.members["practitioner"], planned_sessions=1, practitioner=practitioner
    )
    assert book(other, start)[0].starts_at == first.starts_at


def test_clinic_hours_with_a_lunch_break_refuse_a_session_over_lunch(world: World) -> None:
    scheduling.set_opening_hours(
        SYSTEM,
        world.clinic,
        [(day, datetime.time(8), datetime.time(12, 30)) for day in range(5)]
        + [(day, datetime.time(14), datetime.time(18)) for day in range(5)],
    )
    plan = active_plan(world.clinic, world.members["practitioner"])
    with pytest.raises(ValidationError) as refused:
        book(plan, next_weekday(0, 12, 15))
    assert "08:00\u201312:30, 14:00\u201318:00" in refused.value.message_dict["starts_at"][0]
    assert len(book(plan, next_weekday(0, 8))) == 10


def test_overlapping_opening_periods_are_refused(world: World) -> None:
    with pytest.raises(ValidationError):
        scheduling.set_opening_hours(
            SYSTEM,
            world.clinic,
            [(0, datetime.time(9), datetime.time(13)), (0, datetime.time(12), datetime.time(18))],
        )
    with pytest.raises(ValidationError):
        scheduling.set_opening_hours(
            SYSTEM, world.clinic, [(0, datetime.time(18), datetime.time(9))]
        )


def test_a_clinic_without_hours_gets_monday_to_friday_nine_to_seven(world: World) -> None:
    assert not OpeningHours.objects.for_clinic(world.clinic).exists()
    hours = scheduling.opening_hours(world.clinic)
    assert [(h.weekday, h.opens, h.closes) for h in hours] == [
        (day, datetime.time(9), datetime.time(19)) for day in range(5)
    ]
    assert AuditEvent.objects.filter(object_type="opening_hours", clinic=world.clinic).count() == 1
    scheduling.opening_hours(world.clinic)
    assert OpeningHours.objects.for_clinic(world.clinic).count() == 5


def test_stopping_a_plan_cancels_only_future_sessions(world: World) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    book(plan, next_weekday(0))
    services.stop_plan(SYSTEM, plan, "Adverse reaction after session 1.")
    assert set(Appointment.objects.values_list("cancel_reason", flat=True)) == {
        "Plan stopped: Adverse reaction after session 1."
    }


# --- Pages ------------------------------------------------------------------------------


def test_front_desk_books_the_course_from_the_plan_page(
    world: World, login: Callable[[User], Client]
) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    client = login(world.members["front_desk"])
    assert "Book the course" in client.get(f"/treatments/plans/{plan.pk}/").content.decode()
    start = next_weekday(0, 11)
    response = client.post(
        f"/treatments/plans/{plan.pk}/book/",
        {
            "practitioner": plan.practitioner_id,
            "first_date": start.date().isoformat(),
            "start_time": "11:00",
            "duration_minutes": 40,
        },
        follow=True,
    )
    assert "10 sessions booked" in response.content.decode()
    assert Appointment.objects.filter(plan=plan).count() == 10


def test_the_booking_page_explains_a_conflict_and_books_nothing(
    world: World, login: Callable[[User], Client]
) -> None:
    practitioner = make_practitioner(world.clinic)
    taken = active_plan(world.clinic, world.members["practitioner"], practitioner=practitioner)
    start = next_weekday(0, 11)
    book(taken, start)
    plan = active_plan(
        world.clinic, world.members["practitioner"], interval_days=7, practitioner=practitioner
    )
    response = login(world.members["front_desk"]).post(
        f"/treatments/plans/{plan.pk}/book/",
        {
            "practitioner": practitioner.pk,
            "first_date": start.date().isoformat(),
            "start_time": "11:00",
            "duration_minutes": 30,
        },
    )
    assert response.status_code == 409
    assert "already booked" in response.content.decode()
    assert "Nothing was booked." in response.content.decode()
    assert not Appointment.objects.filter(plan=plan).exists()


# --- API --------------------------------------------------------------------------------


def _post(client: Client, url: str, body: Any, headers: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_api_books_lists_reschedules_and_cancels(
    world: World, client: Client, bearer: Headers
) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    headers = bearer(world.members["front_desk"], world.clinic)
    start = next_weekday(0, 9, 30)
    body = {
        "practitioner_id": plan.practitioner_id,
        "first_start": start.replace(tzinfo=None).isoformat(),
        "duration_minutes": 30,
    }
    booked = _post(client, f"/api/v1/plans/{plan.pk}/course", body, headers)
    assert booked.status_code == 201, booked.json()
    items = booked.json()
    assert len(items) == 10
    assert items[0]["local_start"].startswith(start.replace(tzinfo=None).isoformat())

    again = _post(client, f"/api/v1/plans/{plan.pk}/course", body, headers)
    assert again.status_code == 422  # all sessions are booked

    day = start.date().isoformat()
    listed = client.get(
        f"/api/v1/appointments?practitioner_id={plan.practitioner_id}&start={day}&end={day}",
        **headers,
    ).json()
    assert [a["sequence"] for a in listed["items"]] == [1]

    first = items[0]["id"]
    moved = client.patch(
        f"/api/v1/appointments/{first}",
        data=json.dumps({"starts_at": start.replace(hour=15, minute=0).isoformat()}),
        content_type="application/json",
        **headers,
    )
    assert moved.status_code == 200, moved.json()
    assert moved.json()["local_start"][11:16] == "15:00"

    no_reason = client.patch(
        f"/api/v1/appointments/{first}",
        data=json.dumps({"status": "cancelled"}),
        content_type="application/json",
        **headers,
    )
    assert no_reason.status_code == 422
    cancelled = client.patch(
        f"/api/v1/appointments/{first}",
        data=json.dumps({"status": "cancelled", "cancel_reason": "Asked by phone."}),
        content_type="application/json",
        **headers,
    )
    assert cancelled.json()["status"] == "cancelled"


def test_api_double_booking_is_a_409_conflict_and_saves_nothing(
    world: World, client: Client, bearer: Headers
) -> None:
    practitioner = make_practitioner(world.clinic)
    first = active_plan(world.clinic, world.members["practitioner"], practitioner=practitioner)
    start = next_weekday(2, 10)
    book(first, start)
    second = active_plan(
        world.clinic, world.members["practitioner"], interval_days=7, practitioner=practitioner
    )
    response = _post(
        client,
        f"/api/v1/plans/{second.pk}/course",
        {
            "practitioner_id": practitioner.pk,
            "first_start": start.isoformat(),
            "duration_minutes": 30,
        },
        bearer(world.members["front_desk"], world.clinic),
    )
    assert response.status_code == 409
    assert "already booked" in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "practitioner_id"
    assert not Appointment.objects.filter(plan=second).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"practitioner_id": "another clinic's"}, "practitioner_id"),
        ({"duration_minutes": 1000}, "duration_minutes"),
        ({"first_start": "next tuesday"}, "first_start"),
        ({"room": 3}, "room"),
        ({"first_start": "2031-06-07T10:00:00"}, "starts_at"),  # a Saturday
    ],
)
def test_api_bad_course_requests_are_422(
    world: World, client: Client, bearer: Headers, change: dict[str, Any], field: str
) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    body = {
        "practitioner_id": plan.practitioner_id,
        "first_start": next_weekday(0).isoformat(),
        "duration_minutes": 30,
        **change,
    }
    if change.get("practitioner_id") == "another clinic's":
        body["practitioner_id"] = make_practitioner(world.other_clinic).pk
    response = _post(
        client,
        f"/api/v1/plans/{plan.pk}/course",
        body,
        bearer(world.members["front_desk"], world.clinic),
    )
    assert response.status_code == 422, response.json()
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Appointment.objects.exists()
