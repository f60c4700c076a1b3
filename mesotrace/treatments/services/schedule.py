"""Schedule writes: opening hours, booking a plan's course, rescheduling, cancelling, attending.

Two people booking the same practitioner at the same moment are serialised by a row lock
on the practitioner (PostgreSQL) or by SQLite's IMMEDIATE transactions, so the second sees
the first's appointments in its overlap check and is refused with a conflict.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.practitioners.queries import may_inject
from mesotrace.treatments.models import (
    Appointment,
    AppointmentStatus,
    OpeningHours,
    PlanStatus,
    TreatmentPlan,
)
from mesotrace.treatments.queries import schedule as schedule_queries
from mesotrace.treatments.rules.schedule import (
    DEFAULT_CLOSES,
    DEFAULT_DAYS,
    DEFAULT_OPENS,
    Slot,
    as_clinic_time,
    check_duration,
    check_practitioner,
    course_slots,
    describe,
    hours_problem,
    open_on,
    period_errors,
    with_moves,
)

APPOINTMENT_FIELDS = ["practitioner", "sequence", "starts_at", "ends_at", "status", "cancel_reason"]
MAX_CANCEL_REASON = 500


# --- Opening hours ----------------------------------------------------------------------


def opening_hours(clinic: Clinic) -> list[OpeningHours]:
    """The clinic's periods; a clinic that never set any gets Monday-Friday 09:00-19:00."""
    rows = list(OpeningHours.objects.for_clinic(clinic))
    if rows:
        return rows
    give_default_hours(Actor.system("defaults"), clinic)
    return list(OpeningHours.objects.for_clinic(clinic))


@transaction.atomic
def give_default_hours(actor: Actor, clinic: Clinic) -> None:
    if OpeningHours.objects.for_clinic(clinic).exists():
        return
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(clinic=clinic, weekday=day, opens=DEFAULT_OPENS, closes=DEFAULT_CLOSES)
            for day in DEFAULT_DAYS
        ],
        ignore_conflicts=True,  # a concurrent request may be giving the same defaults
    )
    default = {"default": "Monday-Friday 09:00-19:00"}
    audit.record(
        actor, AuditAction.CREATE, ObjectType.OPENING_HOURS, details=default, clinic=clinic
    )


@transaction.atomic
def set_opening_hours(
    actor: Actor, clinic: Clinic, periods: Iterable[tuple[int, datetime.time, datetime.time]]
) -> list[OpeningHours]:
    """Replaces the clinic's opening hours; existing appointments are left where they are."""
    wanted = sorted(set(periods))
    errors = period_errors(wanted)
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


# --- Checks ----------------------------------------------------------------------------


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
            if hint and not open_on(as_clinic_time(slot.starts_at, clinic).date(), hours):
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


def _lock(practitioner: Practitioner, patient: Patient) -> None:
    """Serialises bookings of one practitioner (and one patient); always in this order."""
    Practitioner.objects.select_for_update().filter(pk=practitioner.pk).first()
    Patient.objects.select_for_update().filter(pk=patient.pk).first()


def _refuse_a_clash(
    clinic: Clinic,
    slots: Sequence[Slot],
    practitioner: Practitioner,
    patient: Patient,
    exclude: int | None = None,
) -> None:
    conflict = schedule_queries.find_conflict(clinic, slots, practitioner, patient, exclude)
    if conflict is not None:
        raise conflict


# --- Booking ----------------------------------------------------------------------------


@transaction.atomic
def book_course(
    actor: Actor,
    plan: TreatmentPlan,
    practitioner: Practitioner,
    first_start: datetime.datetime,
    duration_minutes: int,
    move_closed_days: bool = False,
    moved: Mapping[int, datetime.datetime] | None = None,
) -> list[Appointment]:
    """Books every session of the course not yet booked, or nothing at all.

    The sessions fall `interval_days` apart at the same local time (on a closed day,
    the next open day if `move_closed_days`), except those `moved` to a time chosen for
    them (a naive time is the clinic's); a slot outside opening hours or in the past is a
    validation error, a double booking a conflict.
    """
    duration = check_duration(duration_minutes)
    check_practitioner(practitioner, plan.clinic)
    _lock(practitioner, plan.patient)
    plan = TreatmentPlan.objects.get(pk=plan.pk)
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError({"plan": _("Activate the plan before booking its course.")})
    sequences = schedule_queries.sessions_to_book(plan)
    if not sequences:
        raise ValidationError(
            {
                "plan": _("All %(n)s sessions of this course are booked.")
                % {"n": plan.planned_sessions}
            }
        )
    hours = opening_hours(plan.clinic) if move_closed_days else None
    slots = course_slots(plan, sequences, first_start, duration, hours)
    slots = with_moves(slots, moved or {}, plan.clinic)
    hint = (
        "" if move_closed_days else _("Choose to move sessions on closed days, or another start.")
    )
    _check_slots(slots, plan.clinic, practitioner, hint)
    _refuse_a_clash(plan.clinic, slots, practitioner, plan.patient)
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
        created = audit.snapshot(appointment, APPOINTMENT_FIELDS)
        audit.record(actor, AuditAction.CREATE, appointment, changes=audit.diff({}, created))
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


def _record_change(actor: Actor, appointment: Appointment, before: dict[str, object]) -> None:
    after = audit.snapshot(appointment, APPOINTMENT_FIELDS)
    audit.record(actor, AuditAction.UPDATE, appointment, changes=audit.diff(before, after))


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
    check_practitioner(practitioner, appointment.clinic)
    _lock(practitioner, appointment.patient)
    appointment = _live(appointment)
    duration = check_duration(duration_minutes or appointment.duration_minutes)
    start = as_clinic_time(starts_at, appointment.clinic).astimezone(datetime.UTC)
    slot = Slot(appointment.sequence, start, start + duration)
    _check_slots([slot], appointment.clinic, practitioner)
    _refuse_a_clash(
        appointment.clinic, [slot], practitioner, appointment.patient, exclude=appointment.pk
    )
    before = audit.snapshot(appointment, APPOINTMENT_FIELDS)
    appointment.practitioner = practitioner
    appointment.starts_at, appointment.ends_at = slot.starts_at, slot.ends_at
    appointment.save(update_fields=["practitioner", "starts_at", "ends_at", "updated_at"])
    _record_change(actor, appointment, before)
    return appointment


@transaction.atomic
def cancel_appointment(actor: Actor, appointment: Appointment, reason: str) -> Appointment:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"cancel_reason": _("Give the reason for cancelling.")})
    if len(reason) > MAX_CANCEL_REASON:
        raise ValidationError({"cancel_reason": _("At most 500 characters.")})
    appointment = _live(appointment)
    before = audit.snapshot(appointment, APPOINTMENT_FIELDS)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancel_reason = reason
    appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
    _record_change(actor, appointment, before)
    return appointment


# Charting calls this inside the session's transaction, which it joins: no savepoint.
@transaction.atomic(savepoint=False)
def complete_appointment(actor: Actor, appointment: Appointment) -> Appointment:
    """Marks a booked appointment attended."""
    if appointment.status != AppointmentStatus.BOOKED:
        return appointment
    appointment.status = AppointmentStatus.COMPLETED
    appointment.save(update_fields=["status", "updated_at"])
    attended = {"before": AppointmentStatus.BOOKED, "after": AppointmentStatus.COMPLETED}
    audit.record(actor, AuditAction.UPDATE, appointment, changes={"status": attended})
    return appointment


@transaction.atomic
def import_appointment(
    actor: Actor,
    plan: TreatmentPlan,
    practitioner: Practitioner,
    sequence: int,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    status: str,
    cancel_reason: str = "",
) -> Appointment:
    """An appointment another system exported, past or future, in its status.

    Opening hours and the diary's clashes are the exporting clinic's history, so they are
    not checked; the row's own rules are (a cancelled one has its reason, one live
    appointment per session number of a plan).
    """
    if status not in AppointmentStatus.values:
        raise ValidationError({"status": _("Choose an appointment status from the list.")})
    if status == AppointmentStatus.CANCELLED and not cancel_reason.strip():
        cancel_reason = _("Cancelled in the system it came from.")
    appointment = Appointment(
        clinic=plan.clinic,
        plan=plan,
        patient=plan.patient,
        practitioner=practitioner,
        sequence=sequence,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status,
        cancel_reason=cancel_reason.strip()[:MAX_CANCEL_REASON],
    )
    try:
        appointment.full_clean(exclude=["clinic", "plan", "patient", "practitioner"])
        with transaction.atomic():
            appointment.save()
    except IntegrityError:
        raise ValidationError(
            {"sequence": _("This plan has a live appointment for this session already.")}
        ) from None
    audit.record(
        actor,
        AuditAction.CREATE,
        appointment,
        changes=audit.diff({}, audit.snapshot(appointment, APPOINTMENT_FIELDS)),
        details={"imported": True},
    )
    return appointment
