"""Treatment-plan writes: each one transaction with its audit row, each refusal a field error."""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic, User
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
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
    AppointmentStatus,
    PlanGoal,
    PlanStatus,
    ScreeningAcknowledgement,
    TreatmentPlan,
)
from mesotrace.treatments.queries.plans import screening_for
from mesotrace.treatments.rules.screening import ScreenedWarning, open_warnings

GOAL_FIELDS = ["text", "measure", "change", "unit", "weeks"]
MAX_GOALS = 20
MAX_REASON = 2000


class Unset(enum.Enum):
    """A plan field the caller leaves out."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


@dataclass(frozen=True)
class GoalInput:
    """A goal in words; a measurable target needs its measure, change, unit and weeks."""

    text: str
    measure: str = ""
    change: Decimal | None = None
    unit: str = ""
    weeks: int | None = None


@dataclass(frozen=True)
class PlanInput:
    """What a caller sets on a plan; the patient and clinic are fixed at creation.

    A field left UNSET takes the protocol's indication, sessions and interval on creation,
    and stays as it is on update. `zones` left out are the protocol's on creation and
    unchanged on update; `goals` left out are none on creation and unchanged on update.
    """

    indication: Indication | Unset = UNSET
    protocol: Protocol | Unset = UNSET
    practitioner: Practitioner | Unset = UNSET
    planned_sessions: int | Unset | None = UNSET
    interval_days: int | Unset | None = UNSET
    price_per_session: Decimal | Unset | None = UNSET
    package_price: Decimal | Unset | None = UNSET
    discount_percent: Decimal | Unset | None = UNSET
    diet_type: str | Unset = UNSET
    calorie_target_kcal: int | Unset | None = UNSET
    exercise_minutes_per_week: int | Unset | None = UNSET
    lifestyle_notes: str | Unset = UNSET
    zones: Sequence[BodyZone] | None = None
    goals: Sequence[GoalInput] | None = None

    def given(self) -> dict[str, Any]:
        """The plan's fields the caller sets, by name."""
        return {
            name: getattr(self, name) for name in PLAN_FIELDS if getattr(self, name) is not UNSET
        }


# The plan's own fields a caller may set, in the order forms and the audit show them.
PLAN_FIELDS = [name for name in PlanInput.__dataclass_fields__ if name not in {"zones", "goals"}]


# --- Checks shared by create and update ------------------------------------------------


def _state(plan: TreatmentPlan) -> dict[str, Any]:
    state = audit.snapshot(plan, [*PLAN_FIELDS, "status", "stop_reason"])
    state["zones"] = sorted(zone.pk for zone in plan.zones.all())
    state["goals"] = [audit.snapshot(goal, GOAL_FIELDS) for goal in plan.goals.all()]
    return state


def _assign(plan: TreatmentPlan, values: dict[str, Any]) -> None:
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


def _replace_goals(plan: TreatmentPlan, goals: Sequence[GoalInput]) -> None:
    if len(goals) > MAX_GOALS:
        raise ValidationError({"goals": _("At most %(n)s goals.") % {"n": MAX_GOALS}})
    PlanGoal.objects.for_clinic(plan.clinic).filter(plan=plan).delete()
    for index, given in enumerate(goals):
        goal = PlanGoal(clinic=plan.clinic, plan=plan, **asdict(given))
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


def _reason(text: str, field: str, missing: str) -> str:
    """A stated reason, stripped; refused on `field` when empty or too long."""
    reason = text.strip()
    if not reason:
        raise ValidationError({field: missing})
    if len(reason) > MAX_REASON:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": MAX_REASON}})
    return reason


def _locked(plan: TreatmentPlan) -> TreatmentPlan:
    return TreatmentPlan.objects.select_for_update().get(pk=plan.pk)


# --- Writing ----------------------------------------------------------------------------


@transaction.atomic
def create_plan(
    actor: Actor, clinic: Clinic, patient: Patient, plan_input: PlanInput
) -> TreatmentPlan:
    """A draft plan; sessions, interval, indication and zones default to the protocol's."""
    values = plan_input.given()
    zones = plan_input.zones
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
    _replace_goals(plan, plan_input.goals or ())
    audit.record(actor, AuditAction.CREATE, plan, changes=audit.diff({}, _state(plan)))
    return plan


def _defaults_from_protocol(
    plan: TreatmentPlan, protocol: Protocol, values: dict[str, Any]
) -> None:
    if "indication" not in values:
        plan.indication_id = protocol.indication_id
    if values.get("planned_sessions") is None and protocol.sessions is not None:
        plan.planned_sessions = protocol.sessions
    if values.get("interval_days") is None and protocol.interval_days is not None:
        plan.interval_days = protocol.interval_days


@transaction.atomic
def update_plan(actor: Actor, plan: TreatmentPlan, changes: PlanInput) -> TreatmentPlan:
    """Changes what is given; the protocol only while the plan is a draft."""
    plan = _locked(plan)
    _require_open(plan)
    before = _state(plan)
    values = changes.given()
    new_protocol = values.get("protocol")
    if new_protocol is not None and new_protocol.pk != plan.protocol_id:
        if plan.status != PlanStatus.DRAFT:
            raise ValidationError({"protocol": _("The protocol of an active plan cannot change.")})
        if "indication" not in values:
            plan.indication_id = new_protocol.indication_id
    _assign(plan, values)
    zones = changes.zones
    _validate(plan, zones if zones is not None else list(plan.zones.all()))
    plan.save()
    if zones is not None:
        plan.zones.set(zones)
    if changes.goals is not None:
        _replace_goals(plan, changes.goals)
    changed = audit.diff(before, _state(plan))
    if changed:
        audit.record(actor, AuditAction.UPDATE, plan, changes=changed)
    return plan


@transaction.atomic
def acknowledge_warning(
    actor: Actor, plan: TreatmentPlan, code: str, fingerprint: str, reason: str
) -> ScreeningAcknowledgement:
    """Records that a practitioner saw this warning, as shown, and why treatment may go ahead."""
    plan = _locked(plan)
    _require_open(plan)
    _require_user(actor)
    item = _current(plan, code)
    return _acknowledge(actor, plan, item, fingerprint, reason)


@dataclass(frozen=True)
class Acknowledgement:
    """A practitioner's answer to one warning of the screening form: as shown, and why."""

    code: str
    fingerprint: str
    reason: str


@transaction.atomic
def acknowledge_warnings(
    actor: Actor, plan: TreatmentPlan, answers: Sequence[Acknowledgement]
) -> list[ScreeningAcknowledgement]:
    """Acknowledges every answered warning together, all or none: a refusal names each
    warning's code with its reason, and nothing is saved."""
    plan = _locked(plan)
    _require_open(plan)
    _require_user(actor)
    if not answers:
        raise ValidationError({"code": _("No warning was answered.")})
    current = {item.warning.code: item for item in screening_for(plan)}
    errors: dict[str, list[str]] = {}
    done = []
    for answer in answers:
        item = current.get(answer.code)
        try:
            if item is None:
                raise ValidationError(_("No such warning for this plan now; screen again."))
            done.append(_acknowledge(actor, plan, item, answer.fingerprint, answer.reason))
        except ValidationError as error:
            errors[answer.code] = error.messages
    if errors:
        raise ValidationError(errors)
    return done


def _require_user(actor: Actor) -> User:
    if actor.user is None:
        raise ValidationError(_("Only a signed-in practitioner can acknowledge a warning."))
    return actor.user


def _acknowledge(
    actor: Actor, plan: TreatmentPlan, item: ScreenedWarning, fingerprint: str, reason: str
) -> ScreeningAcknowledgement:
    user = _require_user(actor)
    reason = _reason(reason, "reason", _("Give the reason treatment may go ahead."))
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
    theirs = Practitioner.objects.for_clinic(plan.clinic).filter(user=user, is_active=True)
    ack = ScreeningAcknowledgement.objects.create(
        clinic=plan.clinic,
        plan=plan,
        code=item.warning.code,
        fingerprint=fingerprint,
        text=item.warning.message,
        reason=reason,
        acknowledged_by=user,
        practitioner=theirs.first(),
        acknowledged_at=timezone.now(),
    )
    shown = audit.snapshot(ack, ["plan", "code", "fingerprint", "text", "reason"])
    audit.record(
        actor, AuditAction.CREATE, ack, patient_id=plan.patient_id, changes=audit.diff({}, shown)
    )
    return ack


def _current(plan: TreatmentPlan, code: str) -> ScreenedWarning:
    for item in screening_for(plan):
        if item.warning.code == code:
            return item
    raise ValidationError({"code": _("No such warning for this plan now; screen again.")})


def _status_change(before: str, after: str) -> dict[str, Any]:
    return {"status": {"before": before, "after": after}}


@transaction.atomic
def activate_plan(actor: Actor, plan: TreatmentPlan) -> TreatmentPlan:
    """Draft to active, once nothing blocks it and every warning is acknowledged."""
    plan = _locked(plan)
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
                "screening": ngettext(
                    "%(n)s screening warning is not acknowledged yet.",
                    "%(n)s screening warnings are not acknowledged yet.",
                    len(unacknowledged),
                )
                % {"n": len(unacknowledged)}
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
        plan,
        changes=_status_change(PlanStatus.DRAFT, PlanStatus.ACTIVE),
        details={"acknowledged": [item.warning.fingerprint for item in screened]},
    )
    return plan


@transaction.atomic
def stop_plan(actor: Actor, plan: TreatmentPlan, reason: str) -> TreatmentPlan:
    """Stops a plan for a stated reason and frees the course's future appointments."""
    plan = _locked(plan)
    _require_open(plan)
    reason = _reason(reason, "stop_reason", _("Give the reason the plan is stopped."))
    before = plan.status
    plan.status = PlanStatus.STOPPED
    plan.stop_reason = reason
    plan.ended_at = timezone.now()
    plan.save(update_fields=["status", "stop_reason", "ended_at", "updated_at"])
    freed = _cancel_future(plan, (_("Plan stopped: %(reason)s") % {"reason": reason})[:500])
    changes = {
        **_status_change(before, PlanStatus.STOPPED),
        "stop_reason": {"before": "", "after": reason},
    }
    details = {"cancelled_appointments": freed}
    audit.record(actor, AuditAction.UPDATE, plan, changes=changes, details=details)
    return plan


@transaction.atomic
def complete_plan(actor: Actor, plan: TreatmentPlan) -> TreatmentPlan:
    plan = _locked(plan)
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError({"status": _("Only an active plan can be completed.")})
    plan.status = PlanStatus.COMPLETED
    plan.ended_at = timezone.now()
    plan.save(update_fields=["status", "ended_at", "updated_at"])
    changes = _status_change(PlanStatus.ACTIVE, PlanStatus.COMPLETED)
    audit.record(actor, AuditAction.UPDATE, plan, changes=changes)
    return plan


def _cancel_future(plan: TreatmentPlan, reason: str) -> list[int]:
    future = plan.appointments.filter(status=AppointmentStatus.BOOKED, starts_at__gt=timezone.now())
    ids = sorted(future.values_list("pk", flat=True))
    future.update(status=AppointmentStatus.CANCELLED, cancel_reason=reason)
    return ids


# --- Importing another system's records -----------------------------------------------------


@transaction.atomic
def import_plan(
    actor: Actor,
    clinic: Clinic,
    patient: Patient,
    plan_input: PlanInput,
    status: str,
    stop_reason: str = "",
) -> TreatmentPlan:
    """A plan another system exported, in the status it had there.

    Created and checked as `create_plan` does (catalogue, jurisdiction, practitioner,
    zones); activation's screening is not run again, since the course already happened
    where it came from: the status is taken as given, and audited as imported.
    """
    plan = create_plan(actor, clinic, patient, plan_input)
    if status not in PlanStatus.values:
        raise ValidationError({"status": _("Choose a plan status from the list.")})
    if status == PlanStatus.DRAFT:
        return plan
    plan.status = status
    plan.activated_at = timezone.now()
    if status in {PlanStatus.COMPLETED, PlanStatus.STOPPED}:
        plan.ended_at = plan.activated_at
    if status == PlanStatus.STOPPED:
        plan.stop_reason = stop_reason.strip() or _("Stopped in the system it came from.")
    plan.save(update_fields=["status", "activated_at", "ended_at", "stop_reason", "updated_at"])
    changes = _status_change(PlanStatus.DRAFT, status)
    audit.record(actor, AuditAction.UPDATE, plan, changes=changes, details={"imported": True})
    return plan


@dataclass(frozen=True)
class ImportedAcknowledgement:
    """An acknowledgement another system exported with its plan: the warning as it was
    shown there, its code and fingerprint, and the reason given."""

    code: str
    fingerprint: str
    text: str
    reason: str
    acknowledged_at: datetime.datetime
    practitioner: Practitioner | None = None


def _acknowledgement_errors(plan: TreatmentPlan, given: ImportedAcknowledgement) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not given.code.strip() or len(given.code) > 200:
        errors["code"] = _("Give the warning's code, at most 200 characters.")
    if not re.fullmatch(r"[0-9a-f]{1,64}", given.fingerprint):
        errors["fingerprint"] = _("The fingerprint is hexadecimal, at most 64 digits.")
    if not given.text.strip() or len(given.text) > 4000:
        errors["text"] = _("Give the warning as it was shown, at most 4,000 characters.")
    if given.practitioner is not None and given.practitioner.clinic_id != plan.clinic_id:
        errors["practitioner"] = _("Choose a practitioner of this clinic.")
    if plan.acknowledgements.filter(fingerprint=given.fingerprint).exists():
        errors["fingerprint"] = _("This warning is already acknowledged.")
    return errors


@transaction.atomic
def import_acknowledgement(
    actor: Actor, plan: TreatmentPlan, given: ImportedAcknowledgement
) -> ScreeningAcknowledgement:
    """Keeps an acknowledgement exactly as it came: screening is not run again, so its
    fingerprint holds here only while the warning, as this clinic screens it, is the same."""
    user = _require_user(actor)
    reason = _reason(given.reason, "reason", _("Give the reason treatment may go ahead."))
    errors = _acknowledgement_errors(plan, given)
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    ack = ScreeningAcknowledgement.objects.create(
        clinic=plan.clinic,
        plan=plan,
        code=given.code,
        fingerprint=given.fingerprint,
        text=given.text,
        reason=reason,
        acknowledged_by=user,
        practitioner=given.practitioner,
        acknowledged_at=given.acknowledged_at,
    )
    shown = audit.snapshot(ack, ["plan", "code", "fingerprint", "text", "reason"])
    audit.record(
        actor,
        AuditAction.CREATE,
        ack,
        patient_id=plan.patient_id,
        changes=audit.diff({}, shown),
        details={"imported": True},
    )
    return ack
