"""Reads of messaging: a clinic's settings, a patient's language and choices, the messages
shown on the patient's page (audited), and the appointments a reminder is due for."""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, QuerySet, Subquery

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import ObjectType
from mesotrace.messaging.models import (
    ClinicMessaging,
    MessageKind,
    MessagePreference,
    OutboundMessage,
)
from mesotrace.patients.models import Patient
from mesotrace.treatments.models import Appointment, AppointmentStatus


def clinic_messaging(clinic: Clinic) -> ClinicMessaging:
    """The clinic's settings; an unsaved row of defaults until the owner changes them."""
    found = ClinicMessaging.objects.for_clinic(clinic).first()
    return found if found is not None else ClinicMessaging(clinic=clinic)


def preference_of(patient: Patient) -> MessagePreference:
    found = MessagePreference.objects.for_clinic(patient.clinic).filter(patient=patient).first()
    return found if found is not None else MessagePreference(clinic=patient.clinic, patient=patient)


def language_for(patient: Patient) -> str:
    """The language the patient's e-mails are written in: the patient's preferred language,
    the one their portal and consent follow too (the clinic's for a patient without one)."""
    return patient.preferred_language or patient.clinic.language


def patient_messages(actor: Actor, patient: Patient) -> list[OutboundMessage]:
    """The e-mails sent or queued for the patient, latest first; the listing audited."""
    messages = list(
        OutboundMessage.objects.for_clinic(patient.clinic)
        .filter(patient=patient)
        .select_related("created_by")[:100]
    )
    audit.record_list(
        actor,
        ObjectType.OUTBOUND_MESSAGE,
        messages,
        details={"patient": patient.pk},
        clinic=patient.clinic,
        patient_id=patient.pk,
    )
    return messages


def due_reminders(clinic: Clinic, now: datetime.datetime) -> QuerySet[Appointment]:
    """Booked appointments inside the clinic's lead time that have no reminder yet, for
    patients with an e-mail address who did not opt out."""
    settings = clinic_messaging(clinic)
    if not settings.automatic:
        return Appointment.objects.none()
    lead = datetime.timedelta(hours=settings.reminder_lead_hours)
    reminded = OutboundMessage.objects.for_clinic(clinic).filter(
        kind=MessageKind.REMINDER, appointment__isnull=False
    )
    opted_out = MessagePreference.objects.for_clinic(clinic).filter(no_reminders=True)
    return (
        Appointment.objects.for_clinic(clinic)
        .filter(status=AppointmentStatus.BOOKED, starts_at__gt=now, starts_at__lte=now + lead)
        .exclude(patient__email="")
        .exclude(pk__in=reminded.values("appointment_id"))
        .exclude(patient_id__in=opted_out.values("patient_id"))
        .select_related("patient", "clinic", "plan")
    )


# An appointment booked or moved this recently (and since the clinic turned automatic
# e-mail on) gets a confirmation from the next sweep; older bookings are left alone.
CONFIRM_WITHIN = datetime.timedelta(days=1)


def confirmation_key(appointment: Appointment) -> str:
    """One confirmation per booked time: a moved appointment is confirmed again."""
    return f"confirmation:{appointment.pk}:{appointment.starts_at:%Y%m%dT%H%M%z}"


def _next_of_each_patient(clinic: Clinic, now: datetime.datetime) -> QuerySet[Appointment]:
    """Each patient's next booked appointment (a course books many: it confirms the first)."""
    upcoming = Appointment.objects.for_clinic(clinic).filter(
        status=AppointmentStatus.BOOKED, starts_at__gt=now
    )
    first = upcoming.filter(patient=OuterRef("patient")).order_by("starts_at", "pk")
    return upcoming.filter(pk=Subquery(first.values("pk")[:1]))


def due_confirmations(clinic: Clinic, now: datetime.datetime) -> list[Appointment]:
    """Each patient's next appointment, if booked or moved lately and not yet confirmed at
    its time."""
    settings = clinic_messaging(clinic)
    if not settings.automatic or settings.automatic_since is None:
        return []
    recent = list(
        _next_of_each_patient(clinic, now)
        .filter(updated_at__gte=max(now - CONFIRM_WITHIN, settings.automatic_since))
        .exclude(patient__email="")
        .select_related("patient", "clinic", "plan")
    )
    sent = set(
        OutboundMessage.objects.for_clinic(clinic)
        .filter(kind=MessageKind.CONFIRMATION, appointment__in=[a.pk for a in recent])
        .values_list("key", flat=True)
    )
    return [a for a in recent if confirmation_key(a) not in sent]
