"""E-mail reaches the patient through a real SMTP server: the portal link that opens the
portal, the reminder with its .ics, in the patient's language; refusals are recorded as
bounces, temporary failures are tried again up to a limit, and every step is audited."""

from __future__ import annotations

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client

from mesotrace.audit.models import AuditEvent
from mesotrace.messaging import services
from mesotrace.messaging.models import MAX_ATTEMPTS, MessageKind, MessageStatus, OutboundMessage
from mesotrace.patients import services as patients
from mesotrace.portal import services as portal
from mesotrace.portal.models import PortalLink
from tests.conftest import World, make_patient
from tests.messaging.builders import (
    NO_SUCH_MAILBOX,
    TRY_LATER,
    MailServer,
    automatic_email,
    mail_server,
    messages_of,
    run_worker,
    text_of,
    time_passes,
    upcoming,
)
from tests.treatments.builders import actor_for, next_weekday

__all__ = ["mail_server"]


def _url(token: str) -> str:
    return f"http://testserver/portal/open/{token}/"


def test_portal_link_arrives_and_opens_the_patients_portal(
    world: World, mail_server: MailServer
) -> None:
    patient = make_patient(world.clinic, email="camille@example.org")
    staff = actor_for(world.members["front_desk"], world.clinic)

    message = portal.email_link(staff, patient, _url)
    assert mail_server.received == []  # sent by the worker, not by the page
    run_worker()

    [mail] = mail_server.to("camille@example.org")
    assert mail["Subject"] == f"Your patient portal at {world.clinic.name}"
    assert world.clinic.name in mail["From"]
    body = text_of(mail)
    assert "Hello Camille," in body
    found = re.search(r"http://testserver(/portal/open/[^/\s]+/)", body)
    assert found is not None
    assert Client().get(found.group(1)).status_code == 302  # the link opens the portal
    message.refresh_from_db()
    assert (message.status, message.attempts, message.secret_url) == (MessageStatus.SENT, 1, "")
    assert message.sent_at is not None
    rows = AuditEvent.objects.filter(object_type="outbound_message", object_id=str(message.pk))
    assert sorted(rows.values_list("action", flat=True)) == ["create", "update"]
    assert set(rows.values_list("patient_id", flat=True)) == {patient.pk}
    assert PortalLink.objects.filter(patient=patient).count() == 1


def test_reminder_arrives_with_the_appointment_in_the_calendar_file(
    world: World, mail_server: MailServer
) -> None:
    automatic_email(world)
    patient = make_patient(world.clinic, email="camille@example.org")
    appointment = upcoming(world, patient, next_weekday(1, hour=10))

    queued = services.queue_due_messages(
        actor_for(world.members["owner"], world.clinic),
        appointment.starts_at - datetime.timedelta(hours=12),
    )
    assert queued == 1
    run_worker()

    [mail] = mail_server.to("camille@example.org")
    assert mail["Subject"].startswith("Reminder: appointment ")
    assert "minoxidil" not in mail["Subject"].lower()  # no clinical detail in the subject
    assert "hair" not in mail["Subject"].lower()
    [ics] = [part for part in mail.iter_attachments() if part.get_filename() == "appointment.ics"]
    calendar = ics.get_content()
    calendar = calendar.decode() if isinstance(calendar, bytes) else calendar
    start = appointment.starts_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in calendar
    assert f"UID:appointment-{appointment.pk}@alpha.mesotrace" in calendar
    assert f"SUMMARY:Appointment at {world.clinic.name}" in calendar
    body = text_of(mail)
    local = appointment.starts_at.astimezone(ZoneInfo(world.clinic.timezone))
    assert f" {local.day}, {local.year}, 10 a.m." in body  # in the clinic's time, not UTC


def test_a_patient_who_chose_french_gets_the_date_written_in_french(
    world: World, mail_server: MailServer
) -> None:
    patient = make_patient(world.clinic, email="camille@example.org")
    staff = actor_for(world.members["front_desk"], world.clinic)
    # The one language of the patient, changed on their record, is the one e-mails follow.
    patients.update_patient(staff, patient, patients.PatientInput(preferred_language="fr"))
    appointment = upcoming(world, patient, next_weekday(1, hour=10))

    services.send_reminder(staff, appointment)
    run_worker()

    [mail] = mail_server.to("camille@example.org")
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août"]
    months += ["septembre", "octobre", "novembre", "décembre"]
    assert any(month in mail["Subject"] for month in months), mail["Subject"]
    assert messages_of(patient)[0].language == "fr"


def test_a_french_patient_gets_french_e_mail_without_choosing_anything_more(
    world: World, mail_server: MailServer
) -> None:
    patient = make_patient(world.clinic, email="camille@example.org", preferred_language="fr")
    staff = actor_for(world.members["front_desk"], world.clinic)
    appointment = upcoming(world, patient, next_weekday(1, hour=10))

    services.send_reminder(staff, appointment)
    portal.email_link(staff, patient, _url)
    run_worker()

    reminder, link = mail_server.to("camille@example.org")
    assert messages_of(patient)[0].language == "fr"
    assert link["Subject"] == f"Votre espace patient chez {world.clinic.name}"
    assert "Your" not in reminder["Subject"] + link["Subject"]
    [invitation] = [part for part in reminder.walk() if part.get_filename() == "appointment.ics"]
    assert (
        f"SUMMARY:Rendez-vous chez {world.clinic.name}"
        in bytes(invitation.get_payload(decode=True)).decode()
    )


def _link_refused(world: World, server: MailServer, address: str, answer: str) -> OutboundMessage:
    """A portal link e-mailed to `address`, which the mail server answers with `answer`."""
    server.refuse[address] = answer
    patient = make_patient(world.clinic, email=address)
    return portal.email_link(actor_for(world.members["front_desk"], world.clinic), patient, _url)


def test_a_refused_recipient_is_a_bounce_and_is_not_tried_again(
    world: World, mail_server: MailServer
) -> None:
    message = _link_refused(world, mail_server, "gone@example.org", NO_SUCH_MAILBOX)

    run_worker()
    time_passes()
    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.BOUNCED
    assert message.attempts == 1
    assert message.last_error.startswith("550 5.1.1")
    assert message.secret_url == ""  # given up: the portal URL is not kept
    assert mail_server.received == []


def test_a_temporary_failure_is_tried_again_later_and_then_sent(
    world: World, mail_server: MailServer
) -> None:
    message = _link_refused(world, mail_server, "busy@example.org", TRY_LATER)

    run_worker()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.RETRYING, 1)
    run_worker()  # the retry waits a minute: nothing happens before then
    message.refresh_from_db()
    assert message.attempts == 1

    del mail_server.refuse["busy@example.org"]
    time_passes()
    run_worker()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert len(mail_server.to("busy@example.org")) == 1


def test_a_mailbox_that_stays_busy_fails_after_the_last_attempt(
    world: World, mail_server: MailServer
) -> None:
    message = _link_refused(world, mail_server, "busy@example.org", TRY_LATER)

    for _attempt in range(MAX_ATTEMPTS + 2):
        run_worker()
        time_passes()

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, MAX_ATTEMPTS)
    assert message.last_error.startswith("451 4.3.0")


def test_an_unreachable_mail_server_is_a_temporary_failure(world: World, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    patient = make_patient(world.clinic, email="camille@example.org")
    message = portal.email_link(actor_for(world.members["owner"], world.clinic), patient, _url)

    run_worker()

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.RETRYING, 1)
    assert "Connection" in message.last_error or "refused" in message.last_error.lower()
    assert message.kind == MessageKind.PORTAL_LINK
