"""Course scheduling: opening hours, booking a plan's sessions, rescheduling and cancelling.

Times are stored in UTC and reasoned about in the clinic's time zone: a course keeps
the same local time of day across a daylight-saving change. Two people booking the
same practitioner at the same moment are serialised by a row lock on the practitioner
(PostgreSQL) or by SQLite's IMMEDIATE transactions, so the second sees the first's
appointments in its overlap check and is refused with a conflict.
"""

from __future__ import annotations

import datetime
import itertools
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.practitioners.queries import may_inject
from mesotrace.treatments.models import (
    HOLDS_TIME,
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    Appointment,
    AppointmentStatus,
    OpeningHours,
    PlanStatus,
    TreatmentPlan,
)

DEFAULT_OPENS = datetime.time(9, 0)
DEFAULT_CLOSES = datetime.time(19, 0)
DEFAULT_DAYS = range(5)  # Monday to Friday
APPOINTMENT_FIELDS = ["practitioner", "sequence", "starts_at", "ends_at", "status", "cancel_reason"]


class BookingConflict(Exception):
    """The practitioner or the patient is already booked at that time."""

    def __init__(self, message: str, field: str = "starts_at") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Slot:
    sequence: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime


def zone_of(clinic: Clinic) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(clinic.timezone)


def as_clinic_time(value: datetime.datetime, clinic: Clinic) -> datetime.datetime:
    """An aware time in the clinic's zone; a naive one is read as the clinic's local time."""
    zone = zone_of(clinic)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=zone)
    return value.astimezone(zone)


def describe(value: datetime.datetime, clinic: Clinic) -> str:
    """ "Tuesday 14 April 2026, 18:30" in the clinic's time zone."""
    return formats.date_format(as_clinic_time(value, clinic), "l j F Y, H:i")


# --- Opening hours ----------------------------------------------------------------------


def opening_hours(clinic: Clinic) -> list[OpeningHours]:
    """The clinic's periods; a clinic that never set any gets Monday-Friday 09:00-19:00."""
    rows = list(OpeningHours.objects.for_clinic(clinic))
    if rows:
        return rows
    give_default_hours(clinic)
    return list(OpeningHours.objects.for_clinic(clinic))


@transaction.atomic
def give_default_hours(clinic: Clinic, actor: Actor | None = None) -> None:
    if OpeningHours.objects.for_clinic(clinic).exists():
        return
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(clinic=clinic, weekday=day, opens=DEFAULT_OPENS, closes=DEFAULT_CLOSES)
            for day in DEFAULT_DAYS
        ],
        ignore_conflicts=True,  # a concurrent request may be giving the same defaults
    )
    audit.record(
        actor or Actor.system("defaults"),
        AuditAction.CREATE,
        ObjectType.OPENING_HOURS,
        details={"default": "Monday-Friday 09:00-19:00"},
        clinic=clinic,
    )


def _period_errors(periods: Sequence[tuple[int, datetime.time, datetime.time]]) -> list[str]:
    errors = []
    by_day: dict[int, list[tuple[datetime.time, datetime.time]]] = {}
    for day, opens, closes in periods:
        if opens >= closes:
            errors.append(_("Closing time must be after opening time."))
        by_day.setdefault(day, []).append((opens, closes))
    for spans in by_day.values():
        spans.sort()
        for (_o1, c1), (o2, _c2) in itertools.pairwise(spans):
            if o2 < c1:
                errors.append(_("Two periods of the same day overlap."))
    return errors


@transaction.atomic
def set_opening_hours(
    actor: Actor, clinic: Clinic, periods: Iterable[tuple[int, datetime.time, datetime.time]]
) -> list[OpeningHours]:
    """Replaces the clinic's opening hours; existing appointments are left where they are."""
    wanted = sorted(set(periods))
    errors = _period_errors(wanted)
    if errors:
        raise ValidationError({"periods": errors})
    current = OpeningHours.objects.for_clinic(clinic)
    before = [str(row) for row in current]
    current.delete()
    rows = OpeningHours.objects.bulk_create(
        [OpeningHours(clinic=clinic, weekday=d, opens=o, closes=c) for d, o, c in wanted]
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        ObjectType.OPENING_HOURS,
        changes={"periods": {"before": before, "after": [str(row) for row in rows]}},
        clinic=clinic,
    )
    return rows


def hours_problem(
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    hours: Sequence[OpeningHours],
    clinic: Clinic,
) -> str | None:
    """Why this time is outside opening hours, or None when it is inside."""
    start, end = as_clinic_time(starts_at, clinic), as_clinic_time(ends_at, clinic)
    periods = [p for p in hours if p.weekday == start.weekday()]
    if start.date() == end.date() and any(p.covers(start.time(), end.time()) for p in periods):
        return None
    open_text = ", ".join(f"{p.opens:%H:%M}\u2013{p.closes:%H:%M}" for p in periods)
    return _("%(when)s is outside opening hours (%(hours)s).") % {
        "when": describe(starts_at, clinic),
        "hours": open_text or _("closed that day"),
    }


# --- Checks ----------------------------------------------------------------------------


def _check_duration(minutes: int) -> datetime.timedelta:
    if not MIN_DURATION_MINUTES <= minutes <= MAX_DURATION_MINUTES:
        raise ValidationError(
            {
                "duration_minutes": _("A session lasts %(low)s to %(high)s minutes.")
                % {"low": MIN_DURATION_MINUTES, "high": MAX_DURATION_MINUTES}
            }
        )
    return datetime.timedelta(minutes=minutes)


def _check_practitioner(practitioner: Practitioner, clinic: Clinic) -> None:
    if practitioner.clinic_id != clinic.pk or not practitioner.is_active:
        raise ValidationError({"practitioner": _("Choose an active practitioner of this clinic.")})


def _check_slots(
    slots: Sequence[Slot], clinic: Clinic, practitioner: Practitioner, hint: str = ""
) -> None:
    """Each session in the future, within opening hours, with someone who may inject that day.

    `hint` is added when a session falls on a day the clinic is closed.
    """
    hours = opening_hours(clinic)
    now = timezone.now()
    for slot in slots:
        when = describe(slot.starts_at, clinic)
        if slot.starts_at <= now:
            raise ValidationError(
                {
                    "starts_at": _("Session %(n)s on %(when)s would be in the past.")
                    % {"n": slot.sequence, "when": when}
                }
            )
        problem = hours_problem(slot.starts_at, slot.ends_at, hours, clinic)
        if problem:
            if hint and not _open_on(as_clinic_time(slot.starts_at, clinic).date(), hours):
                problem = f"{problem} {hint}"
            raise ValidationError(
                {
                    "starts_at": _("Session %(n)s: %(problem)s")
                    % {"n": slot.sequence, "problem": problem}
                }
            )
        decision = may_inject(practitioner, clinic, as_clinic_time(slot.starts_at, clinic).date())
        if not decision.allowed:
            raise ValidationError(
                {
                    "practitioner": _("Session %(n)s on %(when)s: %(reason)s")
                    % {"n": slot.sequence, "when": when, "reason": decision.reason}
                }
            )


def _open_on(day: datetime.date, hours: Sequence[OpeningHours]) -> bool:
    return any(period.weekday == day.weekday() for period in hours)


def _lock(practitioner: Practitioner, patient: Patient) -> None:
    """Serialises bookings of one practitioner (and one patient); always in this order."""
    Practitioner.objects.select_for_update().filter(pk=practitioner.pk).first()
    Patient.objects.select_for_update().filter(pk=patient.pk).first()


def _held(
    clinic: Clinic,
    slots: Sequence[Slot],
    practitioner: Practitioner,
    patient: Patient,
    exclude: int | None,
) -> list[Appointment]:
    """Appointments holding the practitioner's or the patient's time within the slots' span."""
    found = Appointment.objects.for_clinic(clinic).filter(
        Q(practitioner=practitioner) | Q(patient=patient),
        status__in=HOLDS_TIME,
        starts_at__lt=max(s.ends_at for s in slots),
        ends_at__gt=min(s.starts_at for s in slots),
    )
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return list(found.select_related("practitioner"))


def find_conflict(
    clinic: Clinic,
    slots: Sequence[Slot],
    practitioner: Practitioner,
    patient: Patient,
    exclude: int | None = None,
) -> BookingConflict | None:
    taken = _held(clinic, slots, practitioner, patient, exclude)
    for slot in slots:
        for other in taken:
            if other.starts_at < slot.ends_at and slot.starts_at < other.ends_at:
                return _conflict(slot, other, practitioner, clinic)
    return None


def _conflict(
    slot: Slot, other: Appointment, practitioner: Practitioner, clinic: Clinic
) -> BookingConflict:
    when = describe(slot.starts_at, clinic)
    if other.practitioner_id == practitioner.pk:
        message = _(
            "Session %(n)s on %(when)s: %(name)s is already booked from %(start)s to %(end)s."
        ) % {
            "n": slot.sequence,
            "when": when,
            "name": practitioner.full_name,
            "start": f"{as_clinic_time(other.starts_at, clinic):%H:%M}",
            "end": f"{as_clinic_time(other.ends_at, clinic):%H:%M}",
        }
        return BookingConflict(message, "practitioner_id")
    message = _("Session %(n)s on %(when)s: the patient already has an appointment then.") % {
        "n": slot.sequence,
        "when": when,
    }
    return BookingConflict(message)


# --- Booking ----------------------------------------------------------------------------


def course_slots(
    plan: TreatmentPlan,
    sequences: Sequence[int],
    first_start: datetime.datetime,
    duration: datetime.timedelta,
    closed_days_to: Sequence[OpeningHours] | None = None,
) -> list[Slot]:
    """One slot per session, `interval_days` apart at the same local time of day.

    With `closed_days_to` (the clinic's hours), a session due on a day the clinic is
    closed moves to the next open day, always after the session before it.
    """
    local = as_clinic_time(first_start, plan.clinic)
    zone = zone_of(plan.clinic)
    slots: list[Slot] = []
    previous: datetime.date | None = None
    for index, sequence in enumerate(sequences):
        day = local.date() + datetime.timedelta(days=index * plan.interval_days)
        if closed_days_to is not None:
            day = _next_open_day(day, previous, closed_days_to)
        start = datetime.datetime.combine(day, local.time(), tzinfo=zone)
        # Normalise through UTC: a wall time inside a DST gap moves to a real instant.
        start = start.astimezone(datetime.UTC)
        slots.append(Slot(sequence, start, start + duration))
        previous = day
    return slots


def _next_open_day(
    day: datetime.date, after: datetime.date | None, hours: Sequence[OpeningHours]
) -> datetime.date:
    if after is not None and day <= after:
        day = after + datetime.timedelta(days=1)
    for _shift in range(7):
        if _open_on(day, hours):
            return day
        day += datetime.timedelta(days=1)
    return day  # closed all week: the hours check refuses it


def _sessions_to_book(plan: TreatmentPlan) -> list[int]:
    live = set(
        plan.appointments.exclude(status=AppointmentStatus.CANCELLED).values_list(
            "sequence", flat=True
        )
    )
    return [n for n in range(1, plan.planned_sessions + 1) if n not in live]


def _audit_appointment(
    actor: Actor, appointment: Appointment, action: AuditAction, changes: dict[str, Any]
) -> None:
    audit.record(
        actor,
        action,
        ObjectType.APPOINTMENT,
        object_id=appointment.pk,
        patient_id=appointment.patient_id,
        changes=changes,
        clinic=appointment.clinic,
    )


@transaction.atomic
def book_course(
    actor: Actor,
    plan: TreatmentPlan,
    practitioner: Practitioner,
    first_start: datetime.datetime,
    duration_minutes: int,
    move_closed_days: bool = False,
) -> list[Appointment]:
    """Books every session of the course not yet booked, or nothing at all.

    The sessions fall `interval_days` apart at the same local time (on a closed day,
    the next open day if `move_closed_days`); a slot outside opening hours or in the
    past is a validation error, a double booking a conflict.
    """
    duration = _check_duration(duration_minutes)
    _check_practitioner(practitioner, plan.clinic)
    _lock(practitioner, plan.patient)
    plan = TreatmentPlan.objects.get(pk=plan.pk)
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError({"plan": _("Activate the plan before booking its course.")})
    sequences = _sessions_to_book(plan)
    if not sequences:
        raise ValidationError(
            {
                "plan": _("All %(n)s sessions of this course are booked.")
                % {"n": plan.planned_sessions}
            }
        )
    hours = opening_hours(plan.clinic) if move_closed_days else None
    slots = course_slots(plan, sequences, first_start, duration, hours)
    hint = (
        "" if move_closed_days else _("Choose to move sessions on closed days, or another start.")
    )
    _check_slots(slots, plan.clinic, practitioner, hint)
    conflict = find_conflict(plan.clinic, slots, practitioner, plan.patient)
    if conflict is not None:
        raise conflict
    booked = Appointment.objects.bulk_create(
        [
            Appointment(
                clinic=plan.clinic,
                plan=plan,
                patient_id=plan.patient_id,
                practitioner=practitioner,
                sequence=slot.sequence,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
            )
            for slot in slots
        ]
    )
    for appointment in booked:
        _audit_appointment(
            actor,
            appointment,
            AuditAction.CREATE,
            audit.diff({}, audit.snapshot(appointment, APPOINTMENT_FIELDS)),
        )
    return booked


def _live(appointment: Appointment) -> Appointment:
    fresh = Appointment.objects.select_related("plan", "patient", "practitioner", "clinic").get(
        pk=appointment.pk
    )
    if fresh.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            {
                "status": _("This appointment is %(status)s and can no longer change.")
                % {"status": fresh.get_status_display().lower()}
            }
        )
    return fresh


@transaction.atomic
def reschedule_appointment(
    actor: Actor,
    appointment: Appointment,
    starts_at: datetime.datetime,
    duration_minutes: int | None = None,
    practitioner: Practitioner | None = None,
) -> Appointment:
    """Moves one appointment, with the same checks as booking."""
    practitioner = practitioner or appointment.practitioner
    _check_practitioner(practitioner, appointment.clinic)
    _lock(practitioner, appointment.patient)
    appointment = _live(appointment)
    duration = _check_duration(duration_minutes or appointment.duration_minutes)
    start = as_clinic_time(starts_at, appointment.clinic).astimezone(datetime.UTC)
    slot = Slot(appointment.sequence, start, start + duration)
    _check_slots([slot], appointment.clinic, practitioner)
    conflict = find_conflict(
        appointment.clinic, [slot], practitioner, appointment.patient, exclude=appointment.pk
    )
    if conflict is not None:
        raise conflict
    before = audit.snapshot(appointment, APPOINTMENT_FIELDS)
    appointment.practitioner = practitioner
    appointment.starts_at, appointment.ends_at = slot.starts_at, slot.ends_at
    appointment.save(update_fields=["practitioner", "starts_at", "ends_at", "updated_at"])
    _audit_appointment(
        actor,
        appointment,
        AuditAction.UPDATE,
        audit.diff(before, audit.snapshot(appointment, APPOINTMENT_FIELDS)),
    )
    return appointment


@transaction.atomic
def cancel_appointment(actor: Actor, appointment: Appointment, reason: str) -> Appointment:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"cancel_reason": _("Give the reason for cancelling.")})
    if len(reason) > 500:
        raise ValidationError({"cancel_reason": _("At most 500 characters.")})
    appointment = _live(appointment)
    before = audit.snapshot(appointment, APPOINTMENT_FIELDS)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancel_reason = reason
    appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
    _audit_appointment(
        actor,
        appointment,
        AuditAction.UPDATE,
        audit.diff(before, audit.snapshot(appointment, APPOINTMENT_FIELDS)),
    )
    return appointment


def record_list(actor: Actor, clinic: Clinic, shown: Sequence[Appointment], what: str) -> None:
    """Audits a calendar or list of appointments: which patients it showed."""
    audit.record(
        actor,
        AuditAction.LIST,
        ObjectType.APPOINTMENT,
        details={
            "what": what,
            "shown": [a.pk for a in shown],
            "patients": sorted({a.patient_id for a in shown}),
        },
        clinic=clinic,
    )
