"""Every write of the outcomes app: measurements, lifestyle logs, split-body allocation.

Each runs in a transaction and writes its audit row there. Errors a user can cause are
`ValidationError`s naming the field.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mesotrace.accounts.access import Actor
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.outcomes.models import (
    EnteredBy,
    LifestyleLog,
    Measurement,
    MeasurementType,
    Side,
    SplitBodyAllocation,
)
from mesotrace.outcomes.shipped import sync_shipped_types
from mesotrace.treatments.rules.bodymap import region_at

if TYPE_CHECKING:
    from mesotrace.accounts.models import User
    from mesotrace.catalogue.models import BodyZone
    from mesotrace.patients.models import Patient
    from mesotrace.treatments.models import TreatmentPlan, TreatmentSession

# Entry unit -> (canonical UCUM unit, factor to canonical).
CONVERSIONS: dict[str, tuple[str, float]] = {
    "kg": ("kg", 1.0),
    "[lb_av]": ("kg", 0.45359237),
    "lb": ("kg", 0.45359237),
    "cm": ("cm", 1.0),
    "[in_i]": ("cm", 2.54),
    "in": ("cm", 2.54),
    "mm": ("cm", 0.1),
    "kg/m2": ("kg/m2", 1.0),
    "{score}": ("{score}", 1.0),
}
FUTURE_SLACK = datetime.timedelta(hours=1)  # clocks of tablets and servers disagree a little


def measurement_type(slug: str) -> MeasurementType:
    """A shipped type by slug; reloads the shipped rows if a test flush took them away."""
    found = MeasurementType.objects.filter(slug=slug).first()
    if found is None:
        sync_shipped_types(MeasurementType)
        found = MeasurementType.objects.get(slug=slug)
    return found


def to_canonical(kind: MeasurementType, value: float, unit: str) -> float:
    """The value in the type's UCUM unit; a unit that does not fit the type is refused."""
    conversion = CONVERSIONS.get((unit or kind.unit).strip())
    if conversion is None or conversion[0] != kind.unit:
        raise ValidationError(
            {"unit": f"{unit!r} is not a unit for {kind.name.lower()} (use {kind.unit})."}
        )
    canonical = float(value) * conversion[1]
    if not kind.minimum <= canonical <= kind.maximum:
        raise ValidationError(
            {
                "value": f"{canonical:g} {kind.unit} is not a plausible {kind.name.lower()} "
                f"({kind.minimum:g}-{kind.maximum:g} {kind.unit})."
            }
        )
    return round(canonical, 4)


def allocation_of(plan: TreatmentPlan | None) -> SplitBodyAllocation | None:
    if plan is None:
        return None
    return SplitBodyAllocation.objects.filter(plan=plan).first()


def _check_side(plan: TreatmentPlan | None, kind: MeasurementType, side: str) -> None:
    if side not in Side.values:
        raise ValidationError({"side": "Choose left, right or none."})
    if side != Side.NONE and not kind.sided:
        raise ValidationError({"side": f"{kind.name} is not measured per side."})
    allocation = allocation_of(plan)
    if side != Side.NONE and allocation is None and plan is not None:
        # A left/right measurement is fine on any plan, but a "control" side needs a design.
        return
    if allocation is not None and kind.sided and side == Side.NONE:
        raise ValidationError({"side": "A split-body plan needs the side of each measurement."})


def _check_time(measured_at: datetime.datetime | None) -> None:
    if measured_at is None:
        return
    if timezone.is_naive(measured_at):
        measured_at = timezone.make_aware(measured_at)
    if measured_at > timezone.now() + FUTURE_SLACK:
        raise ValidationError({"measured_at": "A measurement cannot be taken in the future."})


def _check_session(
    patient: Patient, plan: TreatmentPlan | None, session: TreatmentSession | None
) -> None:
    if session is None:
        return
    if session.patient_id != patient.pk:
        raise ValidationError({"session": "This session belongs to another patient."})
    if plan is not None and session.plan_id != plan.pk:
        raise ValidationError({"session": "This session is not part of the chosen plan."})


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
        raise ValidationError({"plan_id": "This plan belongs to another patient."})
    allocation = allocation_of(plan)
    if control and allocation is None:
        raise ValidationError(
            {"side": "A control-side measurement needs a split-body plan; this plan is not."}
        )
    if control and allocation is not None:
        if actor.user is not None and not sees_treated_side(actor.user, allocation):
            raise ValidationError(
                {"side": "You are blinded to this plan's treated side: record left or right."}
            )
        side = allocation.control_side
    _check_session(patient, plan, session)
    canonical = to_canonical(kind, value, unit)
    _check_side(plan, kind, side)
    _check_time(measured_at)
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
    audit.record(
        actor,
        AuditAction.CREATE,
        ObjectType.MEASUREMENT,
        object_id=row.pk,
        patient_id=patient.pk,
        changes=audit.diff({}, audit.snapshot(row, ["type", "value", "side", "measured_at"])),
        clinic=patient.clinic,
    )
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
    errors: dict[str, str] = {}
    if not 0 <= diet_adherence_percent <= 100:
        errors["diet_adherence_percent"] = "Diet adherence is a percentage, 0 to 100."
    if not 0 <= exercise_minutes_per_week <= 7 * 24 * 60:
        errors["exercise_minutes_per_week"] = "Exercise minutes per week: 0 to 10,080."
    if weight_kg is not None and not 20 <= weight_kg <= 350:
        errors["weight_kg"] = f"{weight_kg:g} kg is not a plausible body weight (20-350 kg)."
    if entered_by not in EnteredBy.values:
        errors["entered_by"] = "Entered by staff or by the patient."
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
    audit.record(
        actor,
        AuditAction.CREATE,
        ObjectType.LIFESTYLE_LOG,
        object_id=row.pk,
        patient_id=patient.pk,
        clinic=patient.clinic,
    )
    return row


def draw_side() -> str:
    """The treated side, from the operating system's cryptographically secure generator."""
    return str(secrets.choice([Side.LEFT.value, Side.RIGHT.value]))


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
        raise ValidationError({"split_body": "This plan already has its side allocated."})
    if not plan.is_open:
        raise ValidationError(
            {
                "split_body": f"This plan is {plan.get_status_display().lower()}: too late to "
                "allocate a treated side."
            }
        )
    allocation = SplitBodyAllocation.objects.create(
        clinic=plan.clinic,
        plan=plan,
        treated_side=draw_side(),
        allocated_at=timezone.now(),
        allocated_by=actor.user,
        blinding=blinding,
        side_a=draw_side() if letter_labels else "",
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        ObjectType.SPLIT_BODY_ALLOCATION,
        object_id=allocation.pk,
        patient_id=plan.patient_id,
        details={
            "plan_id": plan.pk,
            "generator": "secrets.choice",
            "blinding": blinding,
            "letter_labels": letter_labels,
        },
        clinic=plan.clinic,
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
            ObjectType.SPLIT_BODY_ALLOCATION,
            object_id=allocation.pk,
            patient_id=allocation.plan.patient_id,
            details={"revealed": True},
            clinic=allocation.clinic,
        )
    return allocation


def sees_treated_side(user: Any, allocation: SplitBodyAllocation) -> bool:
    """With blinding on, only the plan's charting practitioner is shown the treated side."""
    if not allocation.blinding or allocation.revealed_at is not None:
        return True
    practitioner = allocation.plan.practitioner
    return bool(user is not None and practitioner.user_id and practitioner.user_id == user.pk)


def side_label(user: Any, allocation: SplitBodyAllocation | None, side: str) -> str:
    """What a page shows for a measured side: "Left (treated)" or, blinded, just "Left".

    With letter labels on, a blinded viewer sees the coded arm: "Left (side A)".
    """
    if allocation is None or side == Side.NONE:
        return str(Side(side).label)
    if not sees_treated_side(user, allocation):
        if not allocation.side_a:
            return str(Side(side).label)
        letter = "A" if side == allocation.side_a else "B"
        return f"{Side(side).label} (side {letter})"
    role = "treated" if side == allocation.treated_side else "control"
    return f"{Side(side).label} ({role})"


# Screen side -> patient's side. The front view faces the viewer (screen left is the
# patient's right); the back view does not mirror.
def patient_side(view: str, screen_side: str) -> str:
    if not screen_side:
        return Side.NONE
    if view == "front":
        return Side.RIGHT if screen_side == "left" else Side.LEFT
    return screen_side


def split_body_rule(plan: TreatmentPlan) -> Callable[[str, Decimal, Decimal], str | None]:
    """For charting: a check of each point, refusing the control side of a split-body plan.

    One query per session; a plan that is not split-body gets a check that allows all.
    """
    allocation = allocation_of(plan)
    if allocation is None:
        return lambda view, x, y: None

    def check(view: str, x: Decimal, y: Decimal) -> str | None:
        region = region_at(view, x, y)
        if region is None or not region.side:
            return None
        if patient_side(view, region.side) == allocation.control_side:
            return (
                "This is the untreated control side of a split-body plan: "
                "chart the treated side only."
            )
        return None

    return check
