"""`/api/v1/measurements` (list, record), split-body allocation, and the evidence report
per protocol (`/api/v1/evidence/protocols/{id}`) or indication (`.../indications/{id}`)."""

from __future__ import annotations

import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from mesotrace.accounts.access import ApiRequest, TokenAuth
from mesotrace.catalogue.models import BodyZone, Indication, Protocol
from mesotrace.core.api import ERRORS, InSchema, field_error
from mesotrace.evidence import Effect
from mesotrace.outcomes import services
from mesotrace.outcomes.models import Measurement, MeasurementType, SplitBodyAllocation
from mesotrace.outcomes.queries.measurements import allocation_of, listed_measurements
from mesotrace.outcomes.queries.report import EvidenceReport, evidence_report, indication_report
from mesotrace.outcomes.rules import sees_treated_side
from mesotrace.patients.models import Patient
from mesotrace.treatments.models import TreatmentPlan

router = Router(tags=["outcomes"])


class MeasurementIn(InSchema):
    patient_id: int
    type: str
    value: float
    unit: str
    measured_at: datetime.datetime | None = None
    plan_id: int | None = None
    zone: str | None = None
    side: str = "none"
    control: bool = False
    assessor_blinded: bool = False


class MeasurementOut(Schema):
    id: int
    patient_id: int
    plan_id: int | None
    type: str
    code_system: str
    code: str
    value: float
    unit: str
    zone: str | None
    side: str
    arm: str | None  # "treated"/"control", only for who may see it
    measured_at: datetime.datetime
    assessor_blinded: bool


class EffectOut(Schema):
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    permutation_p_value: float | None
    n: int
    method: str


class EvidenceReportOut(Schema):
    protocol_id: int
    protocol: str
    outcome: str
    patients: int
    measurements: int
    split_body: EffectOut | None
    mixed_model: EffectOut | None
    naive_before_after: EffectOut | None
    explanation: str
    warnings: list[str]
    covariates: list[str]  # what the mixed model is adjusted for


class ProtocolEffectOut(Schema):
    protocol_id: int
    protocol: str
    patients: int
    split_body: EffectOut | None


class IndicationEvidenceOut(Schema):
    indication_id: int
    indication: str
    pooled: EvidenceReportOut
    protocols: list[ProtocolEffectOut]


def _out(m: Measurement, user: Any, allocation: SplitBodyAllocation | None) -> MeasurementOut:
    arm = None
    if allocation is not None and m.side != "none" and sees_treated_side(user, allocation):
        arm = "treated" if m.side == allocation.treated_side else "control"
    return MeasurementOut(
        id=m.pk,
        patient_id=m.patient_id,
        plan_id=m.plan_id,
        type=m.type.slug,
        code_system=m.type.code_system,
        code=m.type.code,
        value=m.value,
        unit=m.type.unit,
        zone=m.zone.slug if m.zone else None,
        side=m.side,
        arm=arm,
        measured_at=m.measured_at,
        assessor_blinded=m.assessor_blinded,
    )


@router.get(
    "/measurements", response={200: list[MeasurementOut], **ERRORS}, auth=TokenAuth("outcome.view")
)
def list_measurements(request: ApiRequest, patient_id: int | None = None) -> list[MeasurementOut]:
    found, allocations = listed_measurements(request.clinic, patient_id)
    return [_out(m, request.user, allocations.get(m.plan_id or 0)) for m in found]


@router.post(
    "/measurements", response={201: MeasurementOut, **ERRORS}, auth=TokenAuth("outcome.record")
)
def create_measurement(request: ApiRequest, payload: MeasurementIn) -> Status[MeasurementOut]:
    patient = Patient.objects.for_clinic(request.clinic).filter(pk=payload.patient_id).first()
    if patient is None:
        raise field_error("patient_id", f"No patient with id {payload.patient_id} here.")
    kind = MeasurementType.objects.filter(slug=payload.type).first()
    if kind is None:
        raise field_error("type", f"Unknown measurement type {payload.type!r}.")
    plan = None
    if payload.plan_id is not None:
        plan = TreatmentPlan.objects.for_clinic(request.clinic).filter(pk=payload.plan_id).first()
        if plan is None:
            raise field_error("plan_id", f"No plan with id {payload.plan_id} here.")
    zone = BodyZone.objects.filter(slug=payload.zone).first() if payload.zone else None
    if payload.zone and zone is None:
        raise field_error("zone", f"Unknown body zone {payload.zone!r}.")
    row = services.record_measurement(
        request.actor,
        patient,
        kind,
        payload.value,
        payload.unit,
        measured_at=payload.measured_at,
        plan=plan,
        zone=zone,
        side=payload.side,
        assessor_blinded=payload.assessor_blinded,
        control=payload.control,
    )
    return Status(201, _out(row, request.user, allocation_of(plan)))


def _effect(effect: Effect | None) -> EffectOut | None:
    if effect is None:
        return None
    return EffectOut(
        estimate=effect.estimate,
        ci_low=effect.ci_low,
        ci_high=effect.ci_high,
        p_value=effect.p_value,
        permutation_p_value=effect.permutation_p_value,
        n=effect.n,
        method=effect.method,
    )


@router.get(
    "/evidence/protocols/{protocol_id}",
    response={200: EvidenceReportOut, **ERRORS},
    auth=TokenAuth("evidence.view"),
)
def get_evidence(request: ApiRequest, protocol_id: int) -> EvidenceReportOut:
    protocol = get_object_or_404(Protocol.objects.visible_to(request.clinic), pk=protocol_id)
    return _evidence(evidence_report(request.clinic, protocol))


def _evidence(report: EvidenceReport) -> EvidenceReportOut:
    return EvidenceReportOut(
        protocol_id=report.protocol_id,
        protocol=report.protocol_name,
        outcome=report.outcome,
        patients=report.patients,
        measurements=report.measurements,
        split_body=_effect(report.split_body),
        mixed_model=_effect(report.mixed),
        naive_before_after=_effect(report.naive),
        explanation=report.explanation,
        warnings=report.warnings,
        covariates=report.covariates,
    )


@router.get(
    "/evidence/indications/{indication_id}",
    response={200: IndicationEvidenceOut, **ERRORS},
    auth=TokenAuth("evidence.view"),
)
def get_indication_evidence(request: ApiRequest, indication_id: int) -> IndicationEvidenceOut:
    """Every protocol of the indication pooled (`pooled.protocol_id` is the indication's)."""
    indication = get_object_or_404(Indication.objects.visible_to(request.clinic), pk=indication_id)
    cohort = indication_report(request.clinic, indication)
    return IndicationEvidenceOut(
        indication_id=indication.pk,
        indication=indication.name,
        pooled=_evidence(cohort.pooled),
        protocols=[
            ProtocolEffectOut(
                protocol_id=part.protocol_id,
                protocol=part.protocol_name,
                patients=part.patients,
                split_body=_effect(part.split_body),
            )
            for part in cohort.protocols
        ],
    )


class SplitBodyIn(InSchema):
    blinding: bool = True
    letter_labels: bool = False  # blinded viewers see coded sides A and B


class SplitBodyOut(Schema):
    plan_id: int
    split_body: bool
    blinding: bool
    allocated_at: datetime.datetime
    treated_side: str | None  # only for who may see it


@router.post(
    "/plans/{plan_id}/split-body",
    response={201: SplitBodyOut, **ERRORS},
    auth=TokenAuth("split_body.allocate"),
)
def allocate_split_body(
    request: ApiRequest, plan_id: int, payload: SplitBodyIn
) -> Status[SplitBodyOut]:
    plan = get_object_or_404(
        TreatmentPlan.objects.for_clinic(request.clinic).select_related("practitioner"), pk=plan_id
    )
    allocation = services.allocate_split_body(
        request.actor,
        plan,
        blinding=payload.blinding,
        letter_labels=payload.letter_labels,
    )
    shown = sees_treated_side(request.user, allocation)
    return Status(
        201,
        SplitBodyOut(
            plan_id=plan.pk,
            split_body=True,
            blinding=allocation.blinding,
            allocated_at=allocation.allocated_at,
            treated_side=allocation.treated_side if shown else None,
        ),
    )
