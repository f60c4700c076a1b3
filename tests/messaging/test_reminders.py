"""The sweep queues one confirmation for a patient's next appointment when it is booked or
moved, and one reminder per appointment inside the clinic's own lead time: never twice, never
to a patient who opted out, never for a cancelled appointment."""

from __future__ import annotations

import datetime
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from mesotrace.accounts.access import Actor
from mesotrace.messaging import services
from mesotrace.messaging.models import MessageKind, OutboundMessage
from mesotrace.treatments.models import Appointment
from mesotrace.treatments.services import schedule
from tests.conftest import World, make_patient
from tests.messaging.builders import automatic_email, messages_of, upcoming
from tests.treatments.builders import actor_for, next_weekday

SWEEP = Actor.system("reminders")


def _sweep_before(appointment: Appointment, hours: float) -> int:
    """The sweep as it runs `hours` before the appointment starts."""
    return services.queue_due_messages(
        SWEEP, appointment.starts_at - datetime.timedelta(hours=hours)
    )


def _kinds(patient_messages: list[OutboundMessage]) -> list[str]:
    return [m.kind for m in patient_messages]


def test_one_reminder_inside_the_lead_time_and_never_a_second(world: World) -> None:
    automatic_email(world)
    patient = make_patient(world.clinic)
    appointment = upcoming(world, patient, next_weekday(2, hour=11))

    assert _sweep_before(appointment, 30) == 0  # the default lead time is 24 hours
    assert _sweep_before(appointment, 20) == 1
    assert _sweep_before(appointment, 10) == 0
    assert _sweep_before(appointment, 1) == 0

    [reminder] = messages_of(patient)
    assert (reminder.kind, reminder.appointment_id) == (MessageKind.REMINDER, appointment.pk)
    assert reminder.to_email == patient.email


def test_the_lead_time_is_each_clinics_own(world: World) -> None:
    automatic_email(world, lead_hours=72)
    patient = make_patient(world.clinic)
    appointment = upcoming(world, patient, next_weekday(3, hour=9, minute=30))

    assert _sweep_before(appointment, 80) == 0
    assert _sweep_before(appointment, 70) == 1


def test_a_patient_who_opted_out_gets_no_reminder(world: World) -> None:
    automatic_email(world)
    patient = make_patient(world.clinic)
    desk = actor_for(world.members["front_desk"], world.clinic)
    services.set_preferences(desk, patient, no_reminders=True)
    appointment = upcoming(world, patient, next_weekday(2, hour=11))

    assert _sweep_before(appointment, 2) == 0
    assert messages_of(patient) == []


def test_no_reminder_for_a_cancelled_appointment_or_a_patient_without_email(
    world: World,
) -> None:
    automatic_email(world)
    cancelled = upcoming(world, make_patient(world.clinic), next_weekday(2, hour=11))
    schedule.cancel_appointment(SWEEP, cancelled, "Patient called to cancel.")
    no_email = make_patient(world.clinic, email="", given_name="Léa")
    appointment = upcoming(world, no_email, next_weekday(2, hour=14))

    assert _sweep_before(cancelled, 2) == 0
    assert _sweep_before(appointment, 2) == 0
    assert OutboundMessage.objects.count() == 0


def test_a_booked_course_confirms_its_first_session_once_and_again_when_it_moves(
    world: World,
) -> None:
    automatic_email(world)
    patient = make_patient(world.clinic)
    first = upcoming(world, patient, next_weekday(1, hour=10))
    assert Appointment.objects.filter(patient=patient).count() > 1  # a course of sessions

    assert services.queue_due_messages(SWEEP) == 1
    assert services.queue_due_messages(SWEEP) == 0
    [confirmation] = messages_of(patient)
    assert (confirmation.kind, confirmation.appointment_id) == (MessageKind.CONFIRMATION, first.pk)

    schedule.reschedule_appointment(SWEEP, first, next_weekday(1, hour=15))
    assert services.queue_due_messages(SWEEP) == 1
    assert _kinds(messages_of(patient)) == [MessageKind.CONFIRMATION] * 2
    assert "3 p.m." in messages_of(patient)[1].subject


def test_bookings_made_long_ago_get_no_confirmation(world: World) -> None:
    automatic_email(world)
    patient = make_patient(world.clinic)
    upcoming(world, patient, next_weekday(1, hour=10))

    later = timezone.now() + datetime.timedelta(days=2)
    assert services.queue_due_messages(SWEEP, later) == 0


def test_each_clinic_is_swept_and_keeps_its_own_messages(world: World) -> None:
    automatic_email(world)
    ours = upcoming(world, make_patient(world.clinic), next_weekday(2, hour=11))
    theirs = make_patient(world.other_clinic, email="other@example.org")

    _sweep_before(ours, 2)

    assert OutboundMessage.objects.filter(clinic=world.other_clinic).count() == 0
    assert OutboundMessage.objects.for_clinic(world.clinic).count() == 1
    assert not OutboundMessage.objects.filter(patient=theirs).exists()


def test_the_command_queues_what_is_due_once(world: World) -> None:
    automatic_email(world)
    patient = make_patient(world.clinic)
    upcoming(world, patient, next_weekday(1, hour=10))
    out = StringIO()

    call_command("queue_reminders", stdout=out)
    call_command("queue_reminders", stdout=out)

    assert out.getvalue().splitlines() == ["1 message(s) queued", "0 message(s) queued"]
    assert _kinds(messages_of(patient)) == [MessageKind.CONFIRMATION]


def test_nothing_goes_out_by_itself_until_the_owner_turns_it_on(world: World) -> None:
    patient = make_patient(world.clinic)
    booked_before = upcoming(world, patient, next_weekday(1, hour=10))
    assert services.queue_due_messages(SWEEP) == 0
    assert _sweep_before(booked_before, 2) == 0

    automatic_email(world)

    assert services.queue_due_messages(SWEEP) == 0  # booked before: no confirmation
    assert _sweep_before(booked_before, 2) == 1  # but its reminder, in time
    assert _kinds(messages_of(patient)) == [MessageKind.REMINDER]
