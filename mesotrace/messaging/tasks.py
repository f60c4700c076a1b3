"""The background work of messaging, run by the task worker (`manage.py db_worker`).

`deliver` hands one message to the mail server. A refused recipient or another permanent
(5xx) answer ends it as bounced or failed; a temporary answer (4xx) or a server that cannot be
reached is tried again later, up to a limit. No database transaction is held while the
mail server is talking.
"""

from __future__ import annotations

import smtplib

from django_tasks import task

from mesotrace.accounts.access import Actor
from mesotrace.messaging import services
from mesotrace.messaging.documents import build_email
from mesotrace.messaging.models import FINAL, MessageStatus, OutboundMessage

WORKER = Actor.system("mail worker")


def _said(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def _refusal(error: smtplib.SMTPRecipientsRefused) -> services.Attempt:
    code, text = next(iter(error.recipients.values()), (0, b""))
    reason = _said(code, text)
    if 500 <= code < 600:
        return services.Attempt(MessageStatus.BOUNCED, reason)
    return services.Attempt(MessageStatus.RETRYING, reason)


def _answer(error: smtplib.SMTPResponseException) -> services.Attempt:
    reason = _said(error.smtp_code, error.smtp_error)
    if 500 <= error.smtp_code < 600:
        return services.Attempt(MessageStatus.FAILED, reason)
    return services.Attempt(MessageStatus.RETRYING, reason)


def send(message: OutboundMessage) -> services.Attempt:
    """One try to hand the message to the mail server, and what came of it."""
    try:
        build_email(message).send()
    except smtplib.SMTPRecipientsRefused as error:
        return _refusal(error)
    except smtplib.SMTPResponseException as error:
        return _answer(error)
    except (smtplib.SMTPException, OSError) as error:
        return services.Attempt(MessageStatus.RETRYING, f"{type(error).__name__}: {error}")
    return services.Attempt(MessageStatus.SENT)


@task()
def deliver(message_id: int) -> str:
    message = (
        OutboundMessage.objects.select_related("clinic", "patient", "appointment", "campaign")
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.status in FINAL:
        return "skipped"
    recorded = services.record_attempt(WORKER, message, send(message))
    return str(recorded.status)
