"""Every write of the outcomes app: measurements, lifestyle logs, split-body allocation.

Each runs in a transaction and writes its audit row there. Errors a user can cause are
`ValidationError`s naming the field.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.core.clock import clinic_today, local_date
from mesotrace.core.inputs import check_date
from mesotrace.outcomes import rules
from mesotrace.outcomes.models import (
    EnteredBy,
    LifestyleLog,
    Measurement,
    MeasurementType,
    Side,
    SplitBodyAllocation,
)
from mesotrace.outcomes.queries.measurements import allocation_of

if TYPE_CHECKING:
    from mesotrace.accounts.models import User
    from mesotrace.catalogue.models import BodyZone
    from mesotrace.patients.models import Patient
    from mesotrace.treatments.models import TreatmentPlan, TreatmentSession

FUTURE_SLACK = datetime.timedelta(hours=1)  # clocks of tablets and servers disagree a little


def _check_side(
    plan: TreatmentPlan | None,
    allocation: SplitBodyAllocation | None,
    kind: MeasurementType,
    side: str,
) -> None:
    if side not in Side.values:
        raise ValidationError({"side": _("Choose left, right or none.")})
    if side != Side.NONE and not kind.sided:
        raise ValidationError(
            {"side": _("%(kind)s is not measured per side.") % {"kind": kind.name}}
        )
    if side != Side.NONE and allocation is None and plan is not None:
        # A left/right measurement is fine on any plan, but a "control" side needs a design.
        return
    if allocation is not None and kind.sided and side == Side.NONE:
        raise ValidationError({"side": _("A split-body plan needs the side of each measurement.")})


def _check_time(patient: Patient, measured_at: datetime.datetime | None) -> None:
    if measured_at is None:
        return
    check_date("measured_at", measured_at)
    if timezone.is_naive(measured_at):
        measured_at = timezone.make_aware(measured_at)
    if measured_at > timezone.now() + FUTURE_SLACK:
        raise ValidationError({"measured_at": _("A measurement cannot be taken in the future.")})
    if local_date(patient.clinic, measured_at) < patient.date_of_birth:
        raise ValidationError(
            {"measured_at": _("A measurement cannot be taken before the patient's birth.")}
        )


def _check_session(
    patient: Patient, plan: TreatmentPlan | None, session: TreatmentSession | None
) -> None:
    if session is None:
        return
    if session.patient_id != patient.pk:
        raise ValidationError({"session": _("This session belongs to another patient.")})
    if plan is not None and session.plan_id != plan.pk:
        raise ValidationError({"session": _("This session is not part of the chosen plan.")})


@transaction.atomic
def record_measurement(
    actor: Actor,
    patient: Patient,
    kind: MeasurementType,
    value: float,
    unit: str,
    *,
    measured_at: datetime.datetime | None = None,
    plan: TreatmentPlan | None = None,
    zone: BodyZone | None = None,
    side: str = Side.NONE,
    session: TreatmentSession | None = None,
    assessor: User | None = None,
    assessor_blinded: bool = False,
    control: bool = False,
) -> Measurement:
    """Stores one measurement in its canonical unit.

    `control=True` says the caller means the untreated side of a split-body plan: it is
    refused for a plan that is not split-body.
    """
    if plan is not None and plan.patient_id != patient.pk:
        raise ValidationError({"plan_id": _("This plan belongs to another patient.")})
    allocation = allocation_of(plan)
    if control and allocation is None:
        raise ValidationError(
            {"side": _("A control-side measurement needs a split-body plan; this plan is not.")}
        )
    if control and allocation is not None:
        if actor.user is not None and not rules.sees_treated_side(actor.user, allocation):
            raise ValidationError(
                {"side": _("You are blinded to this plan's treated side: record left or right.")}
            )
        side = allocation.control_side
    _check_session(patient, plan, session)
    canonical = rules.to_canonical(kind, value, unit)
    _check_side(plan, allocation, kind, side)
    _check_time(patient, measured_at)
    row = Measurement(
        clinic=patient.clinic,
        patient=patient,
        plan=plan,
        type=kind,
        value=canonical,
        zone=zone,
        side=side,
        measured_at=measured_at or timezone.now(),
        session=session,
        assessor=assessor if assessor is not None else actor.user,
        assessor_blinded=assessor_blinded,
    )
    row.save()
    changes = audit.diff({}, audit.snapshot(row, ["type", "value", "side", "measured_at"]))
    audit.record(actor, AuditAction.CREATE, row, changes=changes)
    return row


@dataclass(frozen=True)
class ImportedLifestyle:
    """A lifestyle log as another system exported it."""

    date: datetime.date
    diet_adherence_percent: int
    exercise_minutes_per_week: int
    weight_kg: float | None = None
    entered_by: str = EnteredBy.STAFF


def _lifestyle_errors(patient: Patient, given: ImportedLifestyle) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not 0 <= given.diet_adherence_percent <= 100:
        errors["diet_adherence_percent"] = _("Diet adherence is a percentage, 0 to 100.")
    if not 0 <= given.exercise_minutes_per_week <= 7 * 24 * 60:
        errors["exercise_minutes_per_week"] = _("Exercise minutes per week: 0 to 10,080.")
    weight = given.weight_kg
    if weight is not None and not 20 <= weight <= 350:
        errors["weight_kg"] = _("%(weight)s kg is not a plausible body weight (20-350 kg).") % {
            "weight": f"{weight:g}"
        }
    if given.entered_by not in EnteredBy.values:
        errors["entered_by"] = _("Entered by staff or by the patient.")
    if not patient.date_of_birth <= given.date <= clinic_today(patient.clinic):
        errors["date"] = _("The day must be after the patient's birth and not in the future.")
    return errors


@transaction.atomic
def import_lifestyle_log(actor: Actor, patient: Patient, given: ImportedLifestyle) -> LifestyleLog:
    """A lifestyle log another system exported, checked as one typed in, who entered it
    (staff or the patient) kept, audited as imported."""
    errors = _lifestyle_errors(patient, given)
    if errors:
        raise ValidationError(errors)
    row = LifestyleLog.objects.create(
        clinic=patient.clinic,
        patient=patient,
        date=given.date,
        diet_adherence_percent=given.diet_adherence_percent,
        exercise_minutes_per_week=given.exercise_minutes_per_week,
        weight_kg=given.weight_kg,
        entered_by=given.entered_by,
        entered_by_user=actor.user,
    )
    audit.record(actor, AuditAction.CREATE, row, details={"imported": True})
    return row


@transaction.atomic
def log_lifestyle(
    actor: Actor,
    patient: Patient,
    date: datetime.date,
    diet_adherence_percent: int,
    exercise_minutes_per_week: int,
    weight_kg: float | None = None,
    entered_by: str = EnteredBy.STAFF,
) -> LifestyleLog:
    given = ImportedLifestyle(
        date, diet_adherence_percent, exercise_minutes_per_week, weight_kg, entered_by
    )
    errors = _lifestyle_errors(patient, given)
    if errors:
        raise ValidationError(errors)
    row = LifestyleLog.objects.create(
        clinic=patient.clinic,
        patient=patient,
        date=date,
        diet_adherence_percent=diet_adherence_percent,
        exercise_minutes_per_week=exercise_minutes_per_week,
        weight_kg=weight_kg,
        entered_by=entered_by,
        entered_by_user=actor.user,
    )
    audit.record(actor, AuditAction.CREATE, row)
    return row


@transaction.atomic
def allocate_split_body(
    actor: Actor, plan: TreatmentPlan, blinding: bool = True, letter_labels: bool = False
) -> SplitBodyAllocation:
    """Makes a plan split-body and draws its treated side; a plan is allocated once.

    `letter_labels` also draws which side blinded viewers see as "side A" (independently
    of the treated side, so the letter tells them nothing about the arm).
    """
    # Two presses of the button at once: the second waits here, then finds the first.
    plan = type(plan).objects.select_for_update().get(pk=plan.pk)
    if SplitBodyAllocation.objects.filter(plan=plan).exists():
        raise ValidationError({"split_body": _("This plan already has its side allocated.")})
    if not plan.is_open:
        raise ValidationError(
            {
                "split_body": _("This plan is %(status)s: too late to allocate a treated side.")
                % {"status": plan.get_status_display().lower()}
            }
        )
    allocation = SplitBodyAllocation.objects.create(
        clinic=plan.clinic,
        plan=plan,
        treated_side=rules.draw_side(),
        allocated_at=timezone.now(),
        allocated_by=actor.user,
        blinding=blinding,
        side_a=rules.draw_side() if letter_labels else "",
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        allocation,
        patient_id=plan.patient_id,
        details={
            "plan_id": plan.pk,
            "generator": "secrets.choice",
            "blinding": blinding,
            "letter_labels": letter_labels,
        },
    )
    return allocation


@transaction.atomic
def reveal_allocation(actor: Actor, allocation: SplitBodyAllocation) -> SplitBodyAllocation:
    if allocation.revealed_at is None:
        allocation.revealed_at = timezone.now()
        allocation.revealed_by = actor.user
        allocation.save(update_fields=["revealed_at", "revealed_by", "updated_at"])
        audit.record(
            actor,
            AuditAction.VIEW,
            allocation,
            patient_id=allocation.plan.patient_id,
            details={"revealed": True},
        )
    return allocation


@dataclass(frozen=True)
class ImportedAllocation:
    """A split-body design another system exported with its plan: the side drawn there."""

    treated_side: str
    allocated_at: datetime.datetime
    blinding: bool = True
    side_a: str = ""
    revealed_at: datetime.datetime | None = None


def _allocation_errors(plan: TreatmentPlan, given: ImportedAllocation) -> dict[str, str]:
    sides = {Side.LEFT.value, Side.RIGHT.value}
    errors: dict[str, str] = {}
    if given.treated_side not in sides:
        errors["treated_side"] = _("The treated side is left or right.")
    if given.side_a and given.side_a not in sides:
        errors["side_a"] = _("Side A is left or right.")
    if given.revealed_at is not None and given.revealed_at < given.allocated_at:
        errors["revealed_at"] = _("A side cannot be revealed before it was drawn.")
    if SplitBodyAllocation.objects.filter(plan=plan).exists():
        errors["split_body"] = _("This plan already has its side allocated.")
    return errors


@transaction.atomic
def import_allocation(
    actor: Actor, plan: TreatmentPlan, given: ImportedAllocation
) -> SplitBodyAllocation:
    """Keeps the side drawn where the plan came from (not drawn again: its measurements
    were taken against it), with its blinding and reveal, audited as imported."""
    plan = type(plan).objects.select_for_update().get(pk=plan.pk)
    errors = _allocation_errors(plan, given)
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    allocation = SplitBodyAllocation.objects.create(
        clinic=plan.clinic,
        plan=plan,
        treated_side=given.treated_side,
        allocated_at=given.allocated_at,
        allocated_by=actor.user,
        blinding=given.blinding,
        side_a=given.side_a,
        revealed_at=given.revealed_at,
        revealed_by=actor.user if given.revealed_at else None,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        allocation,
        patient_id=plan.patient_id,
        details={"plan_id": plan.pk, "imported": True, "blinding": given.blinding},
    )
    return allocation
