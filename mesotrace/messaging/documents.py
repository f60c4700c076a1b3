"""The e-mails themselves: subject and body in the patient's language, the sender in the
clinic's name, and the appointment's .ics attached. Subjects never name a treatment."""

from __future__ import annotations

import datetime
import zoneinfo
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from mesotrace.accounts.models import Clinic
from mesotrace.messaging.models import MessageKind, OutboundMessage
from mesotrace.treatments.documents import patient_invitation
from mesotrace.treatments.models import Appointment


def when(appointment: Appointment, clinic: Clinic) -> str:
    """The appointment's start in the clinic's time, written the way the language writes it."""
    local = appointment.starts_at.astimezone(zoneinfo.ZoneInfo(clinic.timezone))
    return formats.date_format(local, "DATETIME_FORMAT")


def subject_for(kind: str, clinic: Clinic, appointment: Appointment | None, language: str) -> str:
    """The subject line, in `language`: who writes and why, nothing clinical."""
    with translation.override(language):
        names = {"clinic": clinic.name}
        if kind == MessageKind.PORTAL_LINK:
            return _("Your patient portal at %(clinic)s") % names
        if kind == MessageKind.CONSENT_REQUEST:
            return _("A document to read and sign from %(clinic)s") % names
        if kind == MessageKind.RECALL_LETTER:
            return _("Please contact %(clinic)s") % names
        assert appointment is not None
        names["when"] = when(appointment, clinic)
        if kind == MessageKind.CONFIRMATION:
            return _("Appointment confirmed: %(when)s at %(clinic)s") % names
        return _("Reminder: appointment %(when)s at %(clinic)s") % names


def _body(message: OutboundMessage) -> str:
    context = {
        "patient": message.patient,
        "clinic": message.clinic,
        "url": message.secret_url,
        "appointment": message.appointment,
        "when": when(message.appointment, message.clinic) if message.appointment else "",
        "campaign": message.campaign,
    }
    return render_to_string(f"messaging/email/{message.kind}.txt", context)


def build_email(message: OutboundMessage, now: datetime.datetime | None = None) -> EmailMessage:
    """The e-mail of a message, ready to send, rendered in the message's language."""
    with translation.override(message.language):
        email = EmailMessage(
            subject=message.subject,
            body=_body(message),
            from_email=formataddr((message.clinic.name, settings.DEFAULT_FROM_EMAIL)),
            to=[message.to_email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        if message.appointment is not None:
            title = _("Appointment at %(clinic)s") % {"clinic": message.clinic.name}
            ics = patient_invitation(
                message.appointment, message.clinic, now or timezone.now(), title
            )
            email.attach("appointment.ics", ics, "text/calendar; charset=utf-8; method=PUBLISH")
    return email
