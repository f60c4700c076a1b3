"""Schedule reads: a practitioner's calendar and its .ics export, the API's appointments, and
which appointments hold a time. Every read of patients' appointments is audited here."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import Q
from django.shortcuts import get_object_or_404

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import ObjectType
from mesotrace.core.api import Paging, paginate
from mesotrace.core.clock import clinic_zone
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import (
    HOLDS_TIME,
    Appointment,
    AppointmentStatus,
    OpeningHours,
    TreatmentPlan,
)
from mesotrace.treatments.rules.calendar import day_bounds
from mesotrace.treatments.rules.schedule import (
    SEARCH_DAYS,
    BookingConflict,
    Slot,
    clashes,
    first_clash,
    nearest_free,
)

EXPORT_PAST_DAYS = 30
EXPORT_FUTURE_DAYS = 400


def find_conflict(
    clinic: Clinic,
    slots: Sequence[Slot],
    practitioner: Practitioner,
    patient: Patient,
    exclude: int | None = None,
) -> BookingConflict | None:
    """The first clash of the slots with an appointment holding the practitioner's or the
    patient's time, or None."""
    taken = Appointment.objects.for_clinic(clinic).filter(
        Q(practitioner=practitioner) | Q(patient=patient),
        status__in=HOLDS_TIME,
        starts_at__lt=max(s.ends_at for s in slots),
        ends_at__gt=min(s.starts_at for s in slots),
    )
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    return first_clash(slots, list(taken.select_related("practitioner")), practitioner, clinic)


def sessions_to_book(plan: TreatmentPlan) -> list[int]:
    """The numbers of the plan's sessions without a live appointment."""
    live = set(
        plan.appointments.exclude(status=AppointmentStatus.CANCELLED).values_list(
            "sequence", flat=True
        )
    )
    return [n for n in range(1, plan.planned_sessions + 1) if n not in live]


def free_alternatives(
    clinic: Clinic,
    slots: Sequence[Slot],
    practitioner: Practitioner,
    patient: Patient,
    hours: Sequence[OpeningHours],
    now: datetime.datetime,
) -> dict[int, list[datetime.datetime]]:
    """For each session whose slot clashes with the practitioner's or the patient's time, the
    nearest free starts (`rules.schedule.nearest_free`), by session number."""
    margin = datetime.timedelta(days=SEARCH_DAYS + 1)
    taken = list(
        Appointment.objects.for_clinic(clinic).filter(
            Q(practitioner=practitioner) | Q(patient=patient),
            status__in=HOLDS_TIME,
            starts_at__lt=max(s.ends_at for s in slots) + margin,
            ends_at__gt=min(s.starts_at for s in slots) - margin,
        )
    )
    return {
        slot.sequence: nearest_free(slot, taken, hours, clinic, now)
        for slot in slots
        if clashes(slot, taken)
    }


def calendar_appointments(
    actor: Actor,
    clinic: Clinic,
    practitioner: Practitioner,
    days: Sequence[datetime.date],
    what: str,
) -> list[Appointment]:
    """The appointments holding the practitioner's time on these days; audited as `what`."""
    start, end = day_bounds(days, clinic)
    found = list(
        Appointment.objects.for_clinic(clinic)
        .filter(practitioner=practitioner, status__in=HOLDS_TIME)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("patient", "plan")
        .order_by("starts_at", "id")
    )
    audit.record_list(actor, ObjectType.APPOINTMENT, found, details={"what": what})
    return found


def exported_appointments(
    actor: Actor, clinic: Clinic, practitioner: Practitioner, now: datetime.datetime
) -> list[Appointment]:
    """The practitioner's appointments from 30 days ago to about a year ahead, for the .ics
    file; audited as an export."""
    found = list(
        Appointment.objects.for_clinic(clinic)
        .filter(practitioner=practitioner)
        .filter(starts_at__gte=now - datetime.timedelta(days=EXPORT_PAST_DAYS))
        .filter(starts_at__lt=now + datetime.timedelta(days=EXPORT_FUTURE_DAYS))
        .select_related("patient", "plan")
        .order_by("starts_at", "id")
    )
    about = {"format": "ics", "practitioner": practitioner.pk}
    audit.record_list(actor, ObjectType.APPOINTMENT, found, export=True, details=about)
    return found


def _local_midnight(clinic: Clinic, day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=clinic_zone(clinic))


def appointment_page(
    actor: Actor,
    clinic: Clinic,
    paging: Paging,
    *,
    practitioner_id: int | None = None,
    patient_id: int | None = None,
    plan_id: int | None = None,
    status: str | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> tuple[list[Appointment], int]:
    """A page of the clinic's appointments matching every filter given, from the local day
    `start` to the local day `end` (both included), and how many match; audited."""
    exact = {
        "practitioner_id": practitioner_id,
        "patient_id": patient_id,
        "plan_id": plan_id,
        "status": status,
    }
    found = Appointment.objects.for_clinic(clinic).filter(
        **{k: v for k, v in exact.items() if v is not None}
    )
    if start:
        found = found.filter(ends_at__gt=_local_midnight(clinic, start))
    if end:
        found = found.filter(starts_at__lt=_local_midnight(clinic, end + datetime.timedelta(1)))
    rows, total = paginate(found.order_by("starts_at", "id"), paging)
    audit.record_list(actor, ObjectType.APPOINTMENT, rows, total=total, details={"what": "api"})
    return rows, total


def read_appointment(actor: Actor, clinic: Clinic, appointment_id: int) -> Appointment:
    """The clinic's appointment (404 for any other), audited as the API's one-row list."""
    appointment = get_object_or_404(Appointment.objects.for_clinic(clinic), pk=appointment_id)
    audit.record_list(actor, ObjectType.APPOINTMENT, [appointment], details={"what": "api"})
    return appointment
