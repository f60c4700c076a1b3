"""A real SMTP server in the test process (aiosmtpd), and the task worker run until the queue
is empty, so a test sees e-mail arrive, or be refused, as a mail server would."""

from __future__ import annotations

import datetime
import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from mesotrace.messaging import services
from mesotrace.messaging.models import OutboundMessage
from mesotrace.patients.models import Patient
from mesotrace.treatments.models import Appointment
from tests.conftest import World
from tests.treatments.builders import active_plan, actor_for, book

# Recipients the server answers as a real one would: no such mailbox, or "try later".
NO_SUCH_MAILBOX = "550 5.1.1 <%s>: no such mailbox"
TRY_LATER = "451 4.3.0 <%s>: mailbox busy, try again later"


@dataclass
class MailServer:
    """Collects what it accepts; refuses the addresses in `refuse` with the answer given."""

    refuse: dict[str, str] = field(default_factory=dict)
    received: list[EmailMessage] = field(default_factory=list)

    async def handle_RCPT(  # aiosmtpd calls its hooks by these names
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address] % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if address in str(m["To"])]


def text_of(mail: EmailMessage) -> str:
    """The plain-text body of an e-mail as the patient reads it."""
    body = mail.get_body(("plain",))
    assert body is not None, "no text body"
    return str(body.get_content())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mail_server(settings: Any) -> Iterator[MailServer]:
    """An SMTP server on a free local port, and Django's SMTP backend pointed at it."""
    server = MailServer()
    port = _free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    controller.stop()


def _worker() -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def run_worker() -> None:
    """The task worker of `make serve` (django-tasks-db's), run in this process until no task
    is ready. Its loop closes the database connection between tasks, which a test's
    transaction cannot survive, so the loop is the worker's own claim-and-run steps."""
    worker = _worker()
    while (found := DBTaskResult.objects.ready().get_locked()) is not None:
        found.claim(worker.worker_id)
        worker.run_task(found)


def run_worker_process_loop() -> None:
    """The worker's whole loop, as `db_worker --batch` runs it: for committed data only."""
    _worker().run()


def time_passes() -> None:
    """Tasks deferred to later (retries) become due now, as if their wait were over."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def upcoming(world: World, patient: Patient, start: datetime.datetime) -> Appointment:
    """The first session of an active plan's course for `patient`, booked to start then."""
    plan = active_plan(world.clinic, world.members["practitioner"], patient=patient)
    return book(plan, start)[0]


def automatic_email(world: World, lead_hours: int = 24) -> None:
    """The owner turns on the clinic's confirmations and reminders, keeping its language."""
    owner = actor_for(world.members["owner"], world.clinic)
    language = world.clinic.language
    services.set_clinic_messaging(
        owner, world.clinic, automatic=True, reminder_lead_hours=lead_hours, language=language
    )


def messages_of(patient: Patient) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(patient=patient).order_by("id"))
