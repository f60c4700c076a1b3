"""Every write of messaging: messages queued (each with its background send), the result of
each attempt to send, the sweep that queues confirmations and reminders, the patient's reminder
opt-out and the clinic's e-mail settings. Each runs in a transaction and writes its audit row."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.accounts import services as account_services
from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.inventory.models import CampaignStatus, RecallCampaign
from mesotrace.messaging import queries, tasks
from mesotrace.messaging.documents import subject_for
from mesotrace.messaging.models import (
    FINAL,
    MAX_ATTEMPTS,
    MAX_LEAD_HOURS,
    ClinicMessaging,
    MessageKind,
    MessagePreference,
    MessageStatus,
    OutboundMessage,
)
from mesotrace.patients.models import Patient
from mesotrace.treatments.models import Appointment

# Waits before the next try after a temporary failure: 1, 5, 15 and 60 minutes.
RETRY_AFTER = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=15),
    datetime.timedelta(minutes=60),
)


def _queue(
    actor: Actor,
    patient: Patient,
    kind: MessageKind,
    key: str,
    *,
    appointment: Appointment | None = None,
    campaign: RecallCampaign | None = None,
    secret_url: str = "",
) -> OutboundMessage | None:
    """A new message and its background send; None when one with this key exists already."""
    if not patient.email:
        raise ValidationError({"email": _("This patient has no e-mail address on file.")})
    if OutboundMessage.objects.for_clinic(patient.clinic).filter(key=key).exists():
        return None
    language = queries.language_for(patient)
    message = OutboundMessage(
        clinic=patient.clinic,
        patient=patient,
        kind=kind,
        key=key,
        to_email=patient.email,
        language=language,
        subject=subject_for(kind, patient.clinic, appointment, language),
        appointment=appointment,
        campaign=campaign,
        secret_url=secret_url,
        created_by=actor.user,
    )
    try:
        with transaction.atomic():  # a sweep racing the page loses quietly, not the whole batch
            message.save()
    except IntegrityError:
        return None
    tasks.deliver.enqueue(message.pk)
    details = {"kind": kind, "key": key, "to": message.to_email, "language": language}
    audit.record(actor, AuditAction.CREATE, message, details=details)
    return message


@transaction.atomic
def send_portal_link(
    actor: Actor, patient: Patient, link_id: int, url: str, *, consent: bool = False
) -> OutboundMessage:
    """E-mails the patient the URL of a portal link just made, or a request to sign with it."""
    kind = MessageKind.CONSENT_REQUEST if consent else MessageKind.PORTAL_LINK
    message = _queue(actor, patient, kind, f"{kind}:{link_id}", secret_url=url)
    if message is None:
        raise ValidationError({"link": _("This link was e-mailed already.")})
    return message


@transaction.atomic
def send_confirmation(actor: Actor, appointment: Appointment) -> OutboundMessage | None:
    """The confirmation of an appointment at its booked time; None if sent already."""
    key = queries.confirmation_key(appointment)
    return _queue(
        actor, appointment.patient, MessageKind.CONFIRMATION, key, appointment=appointment
    )


@transaction.atomic
def send_reminder(actor: Actor, appointment: Appointment) -> OutboundMessage | None:
    """The one reminder of an appointment; None if it has one already."""
    key = f"reminder:{appointment.pk}"
    return _queue(actor, appointment.patient, MessageKind.REMINDER, key, appointment=appointment)


@dataclass(frozen=True)
class LettersQueued:
    queued: int
    without_email: int
    already: int


@transaction.atomic
def send_recall_letters(actor: Actor, campaign: RecallCampaign) -> LettersQueued:
    """One letter to each exposed patient of an open campaign who has an e-mail address."""
    if campaign.status != CampaignStatus.OPEN:
        raise ValidationError({"campaign": _("This campaign is closed.")})
    queued = without = already = 0
    for contact in campaign.contacts.select_related("patient", "patient__clinic"):
        if not contact.patient.email:
            without += 1
            continue
        key = f"recall:{campaign.pk}:{contact.patient_id}"
        sent = _queue(actor, contact.patient, MessageKind.RECALL_LETTER, key, campaign=campaign)
        queued, already = (queued + 1, already) if sent else (queued, already + 1)
    return LettersQueued(queued, without, already)


@transaction.atomic
def queue_due_messages(actor: Actor, now: datetime.datetime | None = None) -> int:
    """The sweep: confirmations of appointments just booked or moved, and one reminder for
    each appointment inside its clinic's lead time. Running it again queues nothing new."""
    now = now or timezone.now()
    queued = 0
    for clinic in Clinic.objects.order_by("pk"):
        for appointment in queries.due_confirmations(clinic, now):
            queued += send_confirmation(actor, appointment) is not None
        for appointment in queries.due_reminders(clinic, now):
            queued += send_reminder(actor, appointment) is not None
    return queued


@dataclass(frozen=True)
class Attempt:
    """What one try to hand a message to the mail server gave."""

    status: MessageStatus  # SENT, BOUNCED, FAILED, or RETRYING for a temporary failure
    error: str = ""


@transaction.atomic
def record_attempt(actor: Actor, message: OutboundMessage, attempt: Attempt) -> OutboundMessage:
    """Records one try; a temporary failure is tried again later, up to MAX_ATTEMPTS."""
    locked = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    if locked.status in FINAL:
        return locked
    before = audit.snapshot(locked, ["status", "attempts", "last_error"])
    locked.attempts += 1
    locked.status = attempt.status
    locked.last_error = attempt.error[:500]
    if attempt.status == MessageStatus.RETRYING and locked.attempts >= MAX_ATTEMPTS:
        locked.status = MessageStatus.FAILED
    if locked.status == MessageStatus.SENT:
        locked.sent_at = timezone.now()
    if locked.status in FINAL:
        locked.secret_url = ""
    locked.save()
    if locked.status == MessageStatus.RETRYING:
        wait = RETRY_AFTER[min(locked.attempts, len(RETRY_AFTER)) - 1]
        tasks.deliver.using(run_after=timezone.now() + wait).enqueue(locked.pk)
    after = audit.snapshot(locked, ["status", "attempts", "last_error"])
    details = {"kind": locked.kind, "to": locked.to_email}
    audit.record(
        actor, AuditAction.UPDATE, locked, changes=audit.diff(before, after), details=details
    )
    return locked


@transaction.atomic
def set_preferences(actor: Actor, patient: Patient, *, no_reminders: bool) -> MessagePreference:
    """The patient's reminder opt-out. Their e-mails' language is their preferred language,
    changed on the patient's record (`patients.services.update_patient`)."""
    preference, _created = MessagePreference.objects.select_for_update().get_or_create(
        clinic=patient.clinic, patient=patient
    )
    before = audit.snapshot(preference, ["no_reminders"])
    preference.no_reminders = no_reminders
    preference.save()
    changes = audit.diff(before, audit.snapshot(preference, ["no_reminders"]))
    audit.record(actor, AuditAction.UPDATE, preference, changes=changes)
    return preference


@transaction.atomic
def set_clinic_messaging(
    actor: Actor, clinic: Clinic, *, automatic: bool, reminder_lead_hours: int, language: str
) -> ClinicMessaging:
    """Whether the clinic sends confirmations and reminders, its reminder lead time, and the
    clinic's language, written through accounts (`Clinic.language`: its staff's pages and its
    new patients follow it, and e-mails follow the patient). Turned on, only appointments
    booked or moved from then on are confirmed. Nothing changes if any part is refused."""
    errors = {}
    if not 1 <= reminder_lead_hours <= MAX_LEAD_HOURS:
        errors["reminder_lead_hours"] = _("Between 1 and %(n)s hours.") % {"n": MAX_LEAD_HOURS}
    if language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose one of the languages offered.")
    if errors:
        raise ValidationError(errors)
    row, _created = ClinicMessaging.objects.select_for_update().get_or_create(clinic=clinic)
    fields = ["automatic", "reminder_lead_hours"]
    before = audit.snapshot(row, fields)
    if automatic and not row.automatic:
        row.automatic_since = timezone.now()
    row.automatic, row.reminder_lead_hours = automatic, reminder_lead_hours
    row.save()
    changes = audit.diff(before, audit.snapshot(row, fields))
    audit.record(actor, AuditAction.UPDATE, row, changes=changes)
    account_services.set_clinic_language(actor, clinic, language)
    return row
