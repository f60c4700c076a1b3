"""Treatment-plan writes: each one transaction with its audit row, each refusal a field error."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.catalogue.models import (
    SUBMENTAL_ZONE,
    BodyZone,
    Indication,
    ProcedureType,
    Protocol,
)
from mesotrace.catalogue.queries import protocol_allowed
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import (
    Appointment,
    AppointmentStatus,
    PlanGoal,
    PlanStatus,
    ScreeningAcknowledgement,
    TreatmentPlan,
)
from mesotrace.treatments.screening import ScreeningWarning, screen

# What a caller may set on a plan; the patient and clinic are fixed at creation.
PLAN_FIELDS = [
    "indication",
    "protocol",
    "practitioner",
    "planned_sessions",
    "interval_days",
    "price_per_session",
    "package_price",
    "discount_percent",
    "diet_type",
    "calorie_target_kcal",
    "exercise_minutes_per_week",
    "lifestyle_notes",
]
GOAL_FIELDS = ["text", "measure", "change", "unit", "weeks"]
MAX_GOALS = 20
MAX_REASON = 2000


@dataclass(frozen=True)
class ScreenedWarning:
    """A warning with the acknowledgement that covers it, if any."""

    warning: ScreeningWarning
    acknowledgement: ScreeningAcknowledgement | None

    @property
    def open(self) -> bool:
        return self.acknowledgement is None


# --- Reading ----------------------------------------------------------------------------


def screening_for(plan: TreatmentPlan) -> list[ScreenedWarning]:
    """The plan's warnings now, each with its acknowledgement when one matches what is shown."""
    acknowledged = {
        ack.fingerprint: ack
        for ack in ScreeningAcknowledgement.objects.for_clinic(plan.clinic)
        .filter(plan=plan)
        .select_related("acknowledged_by")
    }
    return [
        ScreenedWarning(w, None if w.blocking else acknowledged.get(w.fingerprint))
        for w in screen(plan.patient, plan.protocol, plan.clinic)
    ]


def open_warnings(screened: Sequence[ScreenedWarning]) -> list[ScreeningWarning]:
    return [item.warning for item in screened if item.open]


def record_read(actor: Actor, plan: TreatmentPlan, part: str) -> None:
    audit.record(
        actor,
        AuditAction.VIEW,
        ObjectType.TREATMENT_PLAN,
        object_id=plan.pk,
        patient_id=plan.patient_id,
        details={"part": part},
        clinic=plan.clinic,
    )


def record_list(actor: Actor, clinic: Clinic, shown: Sequence[TreatmentPlan], total: int) -> None:
    audit.record(
        actor,
        AuditAction.LIST,
        ObjectType.TREATMENT_PLAN,
        details={
            "shown": [plan.pk for plan in shown],
            "patients": sorted({plan.patient_id for plan in shown}),
            "total": total,
        },
        clinic=clinic,
    )


# --- Checks shared by create and update ------------------------------------------------


def _state(plan: TreatmentPlan) -> dict[str, Any]:
    state = audit.snapshot(plan, [*PLAN_FIELDS, "status", "stop_reason"])
    state["zones"] = sorted(zone.pk for zone in plan.zones.all())
    state["goals"] = [audit.snapshot(goal, GOAL_FIELDS) for goal in plan.goals.all()]
    return state


def _assign(plan: TreatmentPlan, values: Mapping[str, Any]) -> None:
    unknown = sorted(set(values) - set(PLAN_FIELDS))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("Unknown field.")))
    for name, value in values.items():
        setattr(plan, name, value)


def _choice_errors(plan: TreatmentPlan, clinic: Clinic) -> dict[str, str]:
    """Rows another clinic owns, or that the jurisdiction bans, are refused by field."""
    errors: dict[str, str] = {}
    if plan.patient.clinic_id != clinic.pk:
        errors["patient"] = _("Choose a patient of this clinic.")
    if not Protocol.objects.visible_to(clinic).filter(pk=plan.protocol_id).exists():
        errors["protocol"] = _("Choose a protocol from the catalogue or from this clinic.")
    else:
        decision = protocol_allowed(plan.protocol, clinic)
        if not decision.allowed:
            errors["protocol"] = decision.reason
    if not Indication.objects.visible_to(clinic).filter(pk=plan.indication_id).exists():
        errors["indication"] = _("Choose an indication from the catalogue or from this clinic.")
    elif "protocol" not in errors and plan.protocol.indication_id != plan.indication_id:
        errors["indication"] = _("The protocol %(protocol)s is for %(indication)s.") % {
            "protocol": plan.protocol.name,
            "indication": plan.protocol.indication.name,
        }
    practitioner = plan.practitioner
    if practitioner.clinic_id != clinic.pk or not practitioner.is_active:
        errors["practitioner"] = _("Choose an active practitioner of this clinic.")
    return errors


def _zone_errors(plan: TreatmentPlan, zones: Sequence[BodyZone]) -> dict[str, str]:
    if not zones:
        return {"zones": _("Choose at least one body zone.")}
    if plan.protocol.procedure_type == ProcedureType.APPROVED_DC and any(
        zone.slug != SUBMENTAL_ZONE for zone in zones
    ):
        return {"zones": _("Deoxycholic acid is approved for fat under the chin only.")}
    return {}


def _validate(plan: TreatmentPlan, zones: Sequence[BodyZone] | None) -> None:
    try:
        plan.full_clean(exclude=["clinic", "patient", "currency", "created_by", "zones"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    errors = _choice_errors(plan, plan.clinic)
    if zones is not None:
        errors.update(_zone_errors(plan, zones))
    if errors:
        raise ValidationError(errors)


def _replace_goals(plan: TreatmentPlan, goals: Iterable[Mapping[str, Any]]) -> None:
    rows = list(goals)
    if len(rows) > MAX_GOALS:
        raise ValidationError({"goals": _("At most %(n)s goals.") % {"n": MAX_GOALS}})
    PlanGoal.objects.for_clinic(plan.clinic).filter(plan=plan).delete()
    for index, row in enumerate(rows):
        unknown = sorted(set(row) - set(GOAL_FIELDS))
        if unknown:
            raise ValidationError({f"goals[{index}].{unknown[0]}": _("Unknown field.")})
        goal = PlanGoal(clinic=plan.clinic, plan=plan, **row)
        try:
            goal.full_clean(exclude=["clinic", "plan"])
        except ValidationError as error:
            raise ValidationError(
                {
                    f"goals[{index}]" + ("" if field == "__all__" else f".{field}"): messages
                    for field, messages in error.message_dict.items()
                }
            ) from None
        goal.save()


def _require_open(plan: TreatmentPlan) -> None:
    if not plan.is_open:
        raise ValidationError(
            {
                "status": _("This plan is %(status)s and can no longer change.")
                % {"status": plan.get_status_display().lower()}
            }
        )


# --- Writing ----------------------------------------------------------------------------


@transaction.atomic
def create_plan(
    actor: Actor,
    clinic: Clinic,
    patient: Patient,
    values: Mapping[str, Any],
    zones: Sequence[BodyZone] | None = None,
    goals: Iterable[Mapping[str, Any]] = (),
) -> TreatmentPlan:
    """A draft plan; sessions, interval, indication and zones default to the protocol's."""
    plan = TreatmentPlan(clinic=clinic, patient=patient, currency=clinic.currency)
    plan.created_by = actor.user
    _assign(plan, values)
    protocol: Protocol | None = values.get("protocol")
    if protocol is not None:
        _defaults_from_protocol(plan, protocol, values)
        if zones is None:
            zones = list(protocol.zones.all())
    _validate(plan, zones or [])
    plan.save()
    plan.zones.set(zones or [])
    _replace_goals(plan, goals)
    audit.record(
        actor,
        AuditAction.CREATE,
        ObjectType.TREATMENT_PLAN,
        object_id=plan.pk,
        patient_id=patient.pk,
        changes=audit.diff({}, _state(plan)),
        clinic=clinic,
    )
    return plan


def _defaults_from_protocol(
    plan: TreatmentPlan, protocol: Protocol, values: Mapping[str, Any]
) -> None:
    if "indication" not in values:
        plan.indication_id = protocol.indication_id
    if values.get("planned_sessions") is None and protocol.sessions is not None:
        plan.planned_sessions = protocol.sessions
    if values.get("interval_days") is None and protocol.interval_days is not None:
        plan.interval_days = protocol.interval_days


@transaction.atomic
def update_plan(
    actor: Actor,
    plan: TreatmentPlan,
    values: Mapping[str, Any],
    zones: Sequence[BodyZone] | None = None,
    goals: Iterable[Mapping[str, Any]] | None = None,
) -> TreatmentPlan:
    """Changes what is given; the protocol only while the plan is a draft."""
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    _require_open(plan)
    before = _state(plan)
    new_protocol = values.get("protocol")
    if new_protocol is not None and new_protocol.pk != plan.protocol_id:
        if plan.status != PlanStatus.DRAFT:
            raise ValidationError({"protocol": _("The protocol of an active plan cannot change.")})
        if "indication" not in values:
            plan.indication_id = new_protocol.indication_id
    _assign(plan, values)
    _validate(plan, zones if zones is not None else list(plan.zones.all()))
    plan.save()
    if zones is not None:
        plan.zones.set(zones)
    if goals is not None:
        _replace_goals(plan, goals)
    changes = audit.diff(before, _state(plan))
    if changes:
        audit.record(
            actor,
            AuditAction.UPDATE,
            ObjectType.TREATMENT_PLAN,
            object_id=plan.pk,
            patient_id=plan.patient_id,
            changes=changes,
            clinic=plan.clinic,
        )
    return plan


@transaction.atomic
def acknowledge_warning(
    actor: Actor, plan: TreatmentPlan, code: str, fingerprint: str, reason: str
) -> ScreeningAcknowledgement:
    """Records that a practitioner saw this warning, as shown, and why treatment may go ahead."""
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    _require_open(plan)
    if actor.user is None:
        raise ValidationError(_("Only a signed-in practitioner can acknowledge a warning."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason treatment may go ahead.")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("At most %(n)s characters.") % {"n": MAX_REASON}})
    item = _current(plan, code)
    if item.warning.blocking:
        raise ValidationError(
            {
                "code": _("This is a refusal, not a warning: %(reason)s")
                % {"reason": item.warning.message}
            }
        )
    if item.warning.fingerprint != fingerprint:
        raise ValidationError(
            {"fingerprint": _("This warning has changed since it was shown; read it again.")}
        )
    if item.acknowledgement is not None:
        raise ValidationError({"code": _("This warning is already acknowledged.")})
    ack = ScreeningAcknowledgement.objects.create(
        clinic=plan.clinic,
        plan=plan,
        code=code,
        fingerprint=fingerprint,
        text=item.warning.message,
        reason=reason,
        acknowledged_by=actor.user,
        practitioner=Practitioner.objects.for_clinic(plan.clinic)
        .filter(user=actor.user, is_active=True)
        .first(),
        acknowledged_at=timezone.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        ObjectType.SCREENING_ACKNOWLEDGEMENT,
        object_id=ack.pk,
        patient_id=plan.patient_id,
        changes=audit.diff(
            {}, audit.snapshot(ack, ["plan", "code", "fingerprint", "text", "reason"])
        ),
        clinic=plan.clinic,
    )
    return ack


def _current(plan: TreatmentPlan, code: str) -> ScreenedWarning:
    for item in screening_for(plan):
        if item.warning.code == code:
            return item
    raise ValidationError({"code": _("No such warning for this plan now; screen again.")})


@transaction.atomic
def activate_plan(actor: Actor, plan: TreatmentPlan) -> TreatmentPlan:
    """Draft to active, once nothing blocks it and every warning is acknowledged."""
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(
            {
                "status": _("Only a draft plan can be activated; this one is %(status)s.")
                % {"status": plan.get_status_display().lower()}
            }
        )
    screened = screening_for(plan)
    blocking = [item.warning for item in screened if item.warning.blocking]
    if blocking:
        raise ValidationError({"protocol": [w.message for w in blocking]})
    unacknowledged = open_warnings(screened)
    if unacknowledged:
        raise ValidationError(
            {
                "screening": _("%(n)s screening warning(s) not acknowledged: %(codes)s.")
                % {"n": len(unacknowledged), "codes": ", ".join(w.code for w in unacknowledged)}
            }
        )
    errors = _choice_errors(plan, plan.clinic)
    if errors:
        raise ValidationError(errors)
    plan.status = PlanStatus.ACTIVE
    plan.activated_at = timezone.now()
    plan.save(update_fields=["status", "activated_at", "updated_at"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        ObjectType.TREATMENT_PLAN,
        object_id=plan.pk,
        patient_id=plan.patient_id,
        changes={"status": {"before": PlanStatus.DRAFT, "after": PlanStatus.ACTIVE}},
        details={"acknowledged": [item.warning.fingerprint for item in screened]},
        clinic=plan.clinic,
    )
    return plan


@transaction.atomic
def stop_plan(actor: Actor, plan: TreatmentPlan, reason: str) -> TreatmentPlan:
    """Stops a plan for a stated reason and frees the course's future appointments."""
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    _require_open(plan)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"stop_reason": _("Give the reason the plan is stopped.")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"stop_reason": _("At most %(n)s characters.") % {"n": MAX_REASON}})
    before = plan.status
    plan.status = PlanStatus.STOPPED
    plan.stop_reason = reason
    plan.ended_at = timezone.now()
    plan.save(update_fields=["status", "stop_reason", "ended_at", "updated_at"])
    freed = _cancel_future(plan, (_("Plan stopped: %(reason)s") % {"reason": reason})[:500])
    audit.record(
        actor,
        AuditAction.UPDATE,
        ObjectType.TREATMENT_PLAN,
        object_id=plan.pk,
        patient_id=plan.patient_id,
        changes={
            "status": {"before": before, "after": PlanStatus.STOPPED},
            "stop_reason": {"before": "", "after": reason},
        },
        details={"cancelled_appointments": freed},
        clinic=plan.clinic,
    )
    return plan


@transaction.atomic
def complete_plan(actor: Actor, plan: TreatmentPlan) -> TreatmentPlan:
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError({"status": _("Only an active plan can be completed.")})
    plan.status = PlanStatus.COMPLETED
    plan.ended_at = timezone.now()
    plan.save(update_fields=["status", "ended_at", "updated_at"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        ObjectType.TREATMENT_PLAN,
        object_id=plan.pk,
        patient_id=plan.patient_id,
        changes={"status": {"before": PlanStatus.ACTIVE, "after": PlanStatus.COMPLETED}},
        clinic=plan.clinic,
    )
    return plan


def _cancel_future(plan: TreatmentPlan, reason: str) -> list[int]:
    future = plan.appointments.filter(status=AppointmentStatus.BOOKED, starts_at__gt=timezone.now())
    ids = sorted(future.values_list("pk", flat=True))
    future.update(status=AppointmentStatus.CANCELLED, cancel_reason=reason)
    return ids


def complete_appointment(actor: Actor, appointment: Appointment) -> Appointment:
    """Marks a booked appointment attended (charting calls it, inside its own transaction)."""
    if appointment.status != AppointmentStatus.BOOKED:
        return appointment
    appointment.status = AppointmentStatus.COMPLETED
    appointment.save(update_fields=["status", "updated_at"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        ObjectType.APPOINTMENT,
        object_id=appointment.pk,
        patient_id=appointment.patient_id,
        changes={
            "status": {"before": AppointmentStatus.BOOKED, "after": AppointmentStatus.COMPLETED}
        },
        clinic=appointment.clinic,
    )
    return appointment
