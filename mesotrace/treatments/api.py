"""`/api/v1/plans` and `/api/v1/appointments`: plans, screening, activation and course booking.

Bodies of operations on one plan or appointment have no required fields in their
schema: the object is found (or 404) first, then missing fields are 422s, so another
clinic's id never learns more than "Not found".
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError

from mesotrace.accounts.access import ApiRequest, TokenAuth
from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import BodyZone, Indication, Protocol
from mesotrace.core import api as core_api
from mesotrace.core.api import ErrorOut, InSchema, Page, Paging, field_error, reject_unknown_query
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import (
    MAX_DURATION_MINUTES,
    MAX_INTERVAL_DAYS,
    MAX_PACKAGE_PRICE,
    MAX_PRICE_PER_SESSION,
    MAX_SESSIONS,
    MIN_DURATION_MINUTES,
    Appointment,
    AppointmentStatus,
    DietType,
    GoalMeasure,
    GoalUnit,
    PlanStatus,
    ScreeningAcknowledgement,
    TreatmentPlan,
)
from mesotrace.treatments.queries import plans as plan_queries
from mesotrace.treatments.queries import schedule as schedule_queries
from mesotrace.treatments.rules.schedule import as_clinic_time
from mesotrace.treatments.rules.screening import ScreenedWarning
from mesotrace.treatments.services import plans as plan_services
from mesotrace.treatments.services import schedule as schedule_services

router = Router(tags=["treatments"])
ERRORS: dict[int, type[Schema]] = {**core_api.ERRORS, 409: ErrorOut}
# Service errors name model fields; the API names the ids it takes.
_API_FIELD = {
    "patient": "patient_id",
    "protocol": "protocol_id",
    "indication": "indication_id",
    "practitioner": "practitioner_id",
    "zones": "zone_ids",
}
_NULLABLE = {
    "package_price",
    "discount_percent",
    "calorie_target_kcal",
    "exercise_minutes_per_week",
}


# --- Schemas ----------------------------------------------------------------------------


class GoalIn(InSchema):
    text: str = Field(min_length=1, max_length=300)
    measure: GoalMeasure | None = None
    change: Decimal | None = Field(None, ge=-1000, le=1000, decimal_places=2)
    unit: GoalUnit | None = None
    weeks: int | None = Field(None, ge=1, le=260)


class GoalOut(Schema):
    text: str
    measure: str
    change: Decimal | None
    unit: str
    weeks: int | None
    target: str


class PlanPatch(InSchema):
    protocol_id: int | None = None
    indication_id: int | None = None
    practitioner_id: int | None = None
    zone_ids: list[int] | None = Field(None, max_length=50)
    planned_sessions: int | None = Field(None, ge=1, le=MAX_SESSIONS)
    interval_days: int | None = Field(None, ge=1, le=MAX_INTERVAL_DAYS)
    price_per_session: Decimal | None = Field(
        None, ge=0, le=MAX_PRICE_PER_SESSION, decimal_places=2
    )
    package_price: Decimal | None = Field(None, ge=0, le=MAX_PACKAGE_PRICE, decimal_places=2)
    discount_percent: Decimal | None = Field(None, ge=0, le=100, decimal_places=2)
    diet_type: DietType | None = None
    calorie_target_kcal: int | None = Field(None, ge=800, le=5000)
    exercise_minutes_per_week: int | None = Field(None, ge=0, le=3000)
    lifestyle_notes: str | None = Field(None, max_length=2000)
    goals: list[GoalIn] | None = Field(None, max_length=plan_services.MAX_GOALS)
    status: Literal["stopped", "completed"] | None = Field(
        None, description="Stop (with stop_reason) or complete the plan; activate has its own POST."
    )
    stop_reason: str | None = Field(None, max_length=plan_services.MAX_REASON)


class PlanIn(PlanPatch):
    patient_id: int
    protocol_id: int
    practitioner_id: int
    price_per_session: Decimal = Field(ge=0, le=MAX_PRICE_PER_SESSION, decimal_places=2)


class PlanOut(Schema):
    id: int
    patient_id: int
    indication_id: int
    protocol_id: int
    protocol_name: str
    practitioner_id: int
    zone_ids: list[int]
    planned_sessions: int
    interval_days: int
    currency: str
    price_per_session: Decimal
    package_price: Decimal | None
    discount_percent: Decimal | None
    list_total: Decimal
    total: Decimal
    diet_type: str
    calorie_target_kcal: int | None
    exercise_minutes_per_week: int | None
    lifestyle_notes: str
    goals: list[GoalOut]
    status: str
    stop_reason: str
    activated_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PlanPage(Page[PlanOut]):
    pass


class PlanFilters(Paging):
    patient_id: int | None = None
    status: PlanStatus | None = None


class AcknowledgementOut(Schema):
    id: int
    code: str
    fingerprint: str
    text: str
    reason: str
    acknowledged_by: str
    practitioner_id: int | None
    acknowledged_at: datetime.datetime


class WarningOut(Schema):
    code: str
    fingerprint: str
    kind: str
    field: str
    message: str
    compound: str
    source_title: str
    source_url: str
    verification: str
    blocking: bool
    acknowledgement: AcknowledgementOut | None


class ScreeningOut(Schema):
    plan_id: int
    may_activate: bool
    blocking: int
    unacknowledged: int
    warnings: list[WarningOut]


class AcknowledgementIn(InSchema):
    code: str | None = Field(None, max_length=200)
    fingerprint: str | None = Field(None, max_length=64)
    reason: str | None = Field(None, max_length=plan_services.MAX_REASON)


class CourseIn(InSchema):
    practitioner_id: int | None = None
    first_start: datetime.datetime | None = Field(
        None, description="ISO 8601; without an offset it is the clinic's local time."
    )
    duration_minutes: int | None = Field(None, ge=MIN_DURATION_MINUTES, le=MAX_DURATION_MINUTES)
    move_closed_days: bool = Field(
        False, description="A session due on a day the clinic is closed moves to the next open day."
    )


class AppointmentOut(Schema):
    id: int
    plan_id: int
    patient_id: int
    practitioner_id: int
    sequence: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    local_start: str
    duration_minutes: int
    status: str
    cancel_reason: str


class AppointmentPage(Page[AppointmentOut]):
    pass


class AppointmentFilters(Paging):
    practitioner_id: int | None = None
    patient_id: int | None = None
    plan_id: int | None = None
    status: AppointmentStatus | None = None
    start: datetime.date | None = Field(None, description="From this local day (inclusive).")
    end: datetime.date | None = Field(None, description="To this local day (inclusive).")
    page_size: int = Field(100, ge=1, le=200)


class AppointmentPatch(InSchema):
    starts_at: datetime.datetime | None = Field(
        None, description="Reschedule; without an offset it is the clinic's local time."
    )
    duration_minutes: int | None = Field(None, ge=MIN_DURATION_MINUTES, le=MAX_DURATION_MINUTES)
    practitioner_id: int | None = None
    status: Literal["cancelled"] | None = None
    cancel_reason: str | None = Field(None, max_length=500)


# --- Helpers ----------------------------------------------------------------------------


def _renamed(error: DjangoValidationError) -> DjangoValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return DjangoValidationError(
        {_API_FIELD.get(name, name): messages for name, messages in error.message_dict.items()}
    )


def _refuse_each(names: list[str], message: str) -> None:
    """A 422 naming every field at fault at once."""
    if names:
        raise ValidationError([e for name in names for e in field_error(name, message).errors])


def _require(payload: InSchema, *names: str) -> None:
    missing = [name for name in names if getattr(payload, name) is None]
    _refuse_each(missing, "This field is required.")


def _lookup(label: str, queryset: QuerySet[Any], field: str, pk: int | None) -> Any:
    """The row with this id among those the clinic may use, or a 422 on `field`."""
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise field_error(field, f"No {label} with id {pk} here.")
    return found


def _practitioner(clinic: Clinic, pk: int | None) -> Practitioner | None:
    chosen: Practitioner | None = _lookup(
        "practitioner", Practitioner.objects.for_clinic(clinic), "practitioner_id", pk
    )
    return chosen


def _plan_input(clinic: Clinic, payload: PlanPatch) -> plan_services.PlanInput:
    """The plan's fields the body gives, its rows looked up among the clinic's."""
    given = payload.dict(exclude_unset=True)
    values: dict[str, Any] = {}
    if "protocol_id" in given:
        values["protocol"] = _lookup(
            "protocol", Protocol.objects.visible_to(clinic), "protocol_id", payload.protocol_id
        )
    if "indication_id" in given:
        values["indication"] = _lookup(
            "indication",
            Indication.objects.visible_to(clinic),
            "indication_id",
            payload.indication_id,
        )
    if "practitioner_id" in given:
        values["practitioner"] = _practitioner(clinic, payload.practitioner_id)
    for name in plan_services.PLAN_FIELDS:
        if name in given and name not in {"protocol", "indication", "practitioner"}:
            values[name] = given[name]
    if values.get("diet_type") is None and "diet_type" in values:
        values["diet_type"] = DietType.NONE
    if values.get("lifestyle_notes") is None and "lifestyle_notes" in values:
        values["lifestyle_notes"] = ""
    return plan_services.PlanInput(
        **{k: v for k, v in values.items() if v is not None or k in _NULLABLE},
        zones=_zones(payload),
        goals=_goals(payload),
    )


def _zones(payload: PlanPatch) -> list[BodyZone] | None:
    if payload.zone_ids is None:
        return None
    zones = list(BodyZone.objects.filter(pk__in=payload.zone_ids))
    if len(zones) != len(set(payload.zone_ids)):
        raise field_error("zone_ids", "Unknown body zone id.")
    return zones


def _goals(payload: PlanPatch) -> list[plan_services.GoalInput] | None:
    if payload.goals is None:
        return None
    return [
        plan_services.GoalInput(
            text=goal.text,
            measure=goal.measure or "",
            change=goal.change,
            unit=goal.unit or "",
            weeks=goal.weeks,
        )
        for goal in payload.goals
    ]


def plan_out(plan: TreatmentPlan) -> PlanOut:
    return PlanOut(
        id=plan.pk,
        patient_id=plan.patient_id,
        indication_id=plan.indication_id,
        protocol_id=plan.protocol_id,
        protocol_name=plan.protocol.name,
        practitioner_id=plan.practitioner_id,
        zone_ids=sorted(zone.pk for zone in plan.zones.all()),
        planned_sessions=plan.planned_sessions,
        interval_days=plan.interval_days,
        currency=plan.currency,
        price_per_session=plan.price_per_session,
        package_price=plan.package_price,
        discount_percent=plan.discount_percent,
        list_total=plan.list_total,
        total=plan.total,
        diet_type=plan.diet_type,
        calorie_target_kcal=plan.calorie_target_kcal,
        exercise_minutes_per_week=plan.exercise_minutes_per_week,
        lifestyle_notes=plan.lifestyle_notes,
        goals=[
            GoalOut(
                text=g.text,
                measure=g.measure,
                change=g.change,
                unit=g.unit,
                weeks=g.weeks,
                target=g.target,
            )
            for g in plan.goals.all()
        ],
        status=plan.status,
        stop_reason=plan.stop_reason,
        activated_at=plan.activated_at,
        ended_at=plan.ended_at,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


def _filtering(filters: Paging) -> dict[str, Any]:
    """A list's filters, without its paging: the keyword arguments of its query."""
    return filters.dict(exclude=set(Paging.model_fields))


def _paged(paging: Paging) -> dict[str, int]:
    return {"page": paging.page, "page_size": paging.page_size}


def _plan(request: ApiRequest, plan_id: int) -> TreatmentPlan:
    return get_object_or_404(plan_queries.plans(request.clinic), pk=plan_id)


def _plan_now(request: ApiRequest, plan: TreatmentPlan) -> PlanOut:
    """The plan as it is saved now."""
    return plan_out(plan_queries.plans(request.clinic).get(pk=plan.pk))


# --- Plans ------------------------------------------------------------------------------


@router.get("/plans", response={200: PlanPage, **ERRORS}, auth=TokenAuth("plan.view"))
def list_plans(request: ApiRequest, filters: Query[PlanFilters]) -> PlanPage:
    reject_unknown_query(request, set(PlanFilters.model_fields))
    rows, total = plan_queries.plan_page(
        request.actor, request.clinic, filters, **_filtering(filters)
    )
    return PlanPage(items=[plan_out(p) for p in rows], count=total, **_paged(filters))


@router.post("/plans", response={201: PlanOut, **ERRORS}, auth=TokenAuth("plan.manage"))
def create_plan(request: ApiRequest, payload: PlanIn) -> Status[PlanOut]:
    if payload.status is not None or payload.stop_reason is not None:
        raise field_error("status", "A new plan is a draft; activate it with its own POST.")
    patient = _lookup(
        "patient", Patient.objects.for_clinic(request.clinic), "patient_id", payload.patient_id
    )
    plan_input = _plan_input(request.clinic, payload)
    try:
        plan = plan_services.create_plan(request.actor, request.clinic, patient, plan_input)
    except DjangoValidationError as error:
        raise _renamed(error) from None
    return Status(201, _plan_now(request, plan))


@router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, auth=TokenAuth("plan.view"))
def get_plan(request: ApiRequest, plan_id: int) -> PlanOut:
    return plan_out(plan_queries.read_plan(request.actor, request.clinic, plan_id, "plan"))


@router.patch("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, auth=TokenAuth("plan.manage"))
def patch_plan(request: ApiRequest, plan_id: int, payload: PlanPatch) -> PlanOut:
    plan = _plan(request, plan_id)
    nulls = sorted(
        name
        for name, value in payload.dict(exclude_unset=True).items()
        if value is None and name not in _NULLABLE
    )
    _refuse_each(nulls, "May not be null.")
    actor = request.actor
    try:
        if payload.model_fields_set - {"status", "stop_reason"}:
            changes = _plan_input(request.clinic, payload)
            plan = plan_services.update_plan(actor, plan, changes)
        if payload.status == "stopped":
            plan = plan_services.stop_plan(actor, plan, payload.stop_reason or "")
        elif payload.status == "completed":
            plan = plan_services.complete_plan(actor, plan)
        elif payload.stop_reason is not None:
            raise field_error("stop_reason", 'Send status "stopped" with the reason.')
    except DjangoValidationError as error:
        raise _renamed(error) from None
    return _plan_now(request, plan)


# --- Screening --------------------------------------------------------------------------


def _ack_out(ack: ScreeningAcknowledgement) -> AcknowledgementOut:
    return AcknowledgementOut(
        id=ack.pk,
        code=ack.code,
        fingerprint=ack.fingerprint,
        text=ack.text,
        reason=ack.reason,
        acknowledged_by=ack.acknowledged_by.email,
        practitioner_id=ack.practitioner_id,
        acknowledged_at=ack.acknowledged_at,
    )


def _warning_out(item: ScreenedWarning) -> WarningOut:
    warning, ack = item.warning, item.acknowledgement
    return WarningOut(
        code=warning.code,
        fingerprint=warning.fingerprint,
        kind=warning.kind,
        field=warning.field,
        message=warning.message,
        compound=warning.compound,
        source_title=warning.source_title,
        source_url=warning.source_url,
        verification=warning.verification,
        blocking=warning.blocking,
        acknowledgement=_ack_out(ack) if ack is not None else None,
    )


@router.get(
    "/plans/{plan_id}/screening",
    response={200: ScreeningOut, **ERRORS},
    auth=TokenAuth("screening.view"),
)
def get_screening(request: ApiRequest, plan_id: int) -> ScreeningOut:
    plan = plan_queries.read_plan(request.actor, request.clinic, plan_id, "screening")
    screened = plan_queries.screening_for(plan)
    blocking = sum(1 for item in screened if item.warning.blocking)
    unacknowledged = sum(1 for item in screened if item.open and not item.warning.blocking)
    return ScreeningOut(
        plan_id=plan.pk,
        may_activate=plan.status == PlanStatus.DRAFT and not blocking and not unacknowledged,
        blocking=blocking,
        unacknowledged=unacknowledged,
        warnings=[_warning_out(item) for item in screened],
    )


@router.post(
    "/plans/{plan_id}/acknowledgements",
    response={201: AcknowledgementOut, **ERRORS},
    auth=TokenAuth("screening.acknowledge"),
)
def acknowledge(
    request: ApiRequest, plan_id: int, payload: AcknowledgementIn
) -> Status[AcknowledgementOut]:
    plan = _plan(request, plan_id)
    _require(payload, "code", "fingerprint", "reason")
    ack = plan_services.acknowledge_warning(
        request.actor,
        plan,
        payload.code or "",
        payload.fingerprint or "",
        payload.reason or "",
    )
    return Status(201, _ack_out(ack))


@router.post(
    "/plans/{plan_id}/activate", response={200: PlanOut, **ERRORS}, auth=TokenAuth("plan.manage")
)
def activate(request: ApiRequest, plan_id: int) -> PlanOut:
    plan = plan_services.activate_plan(request.actor, _plan(request, plan_id))
    return _plan_now(request, plan)


# --- Appointments -----------------------------------------------------------------------


def appointment_out(appointment: Appointment, clinic: Clinic) -> AppointmentOut:
    local = as_clinic_time(appointment.starts_at, clinic)
    return AppointmentOut(
        id=appointment.pk,
        plan_id=appointment.plan_id,
        patient_id=appointment.patient_id,
        practitioner_id=appointment.practitioner_id,
        sequence=appointment.sequence,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        local_start=local.isoformat(),
        duration_minutes=appointment.duration_minutes,
        status=appointment.status,
        cancel_reason=appointment.cancel_reason,
    )


@router.post(
    "/plans/{plan_id}/course",
    response={201: list[AppointmentOut], **ERRORS},
    auth=TokenAuth("schedule.manage"),
)
def book_course(
    request: ApiRequest, plan_id: int, payload: CourseIn
) -> Status[list[AppointmentOut]]:
    plan = _plan(request, plan_id)
    _require(payload, "practitioner_id", "first_start", "duration_minutes")
    practitioner = _practitioner(request.clinic, payload.practitioner_id)
    assert practitioner is not None
    assert payload.first_start is not None
    assert payload.duration_minutes is not None
    try:
        booked = schedule_services.book_course(
            request.actor,
            plan,
            practitioner,
            payload.first_start,
            payload.duration_minutes,
            payload.move_closed_days,
        )
    except DjangoValidationError as error:
        raise _renamed(error) from None
    return Status(201, [appointment_out(a, request.clinic) for a in booked])


@router.get(
    "/appointments", response={200: AppointmentPage, **ERRORS}, auth=TokenAuth("schedule.view")
)
def list_appointments(request: ApiRequest, filters: Query[AppointmentFilters]) -> AppointmentPage:
    reject_unknown_query(request, set(AppointmentFilters.model_fields))
    if filters.start and filters.end and filters.end < filters.start:
        raise field_error("end", "The end is before the start.")
    rows, total = schedule_queries.appointment_page(
        request.actor, request.clinic, filters, **_filtering(filters)
    )
    items = [appointment_out(a, request.clinic) for a in rows]
    return AppointmentPage(items=items, count=total, **_paged(filters))


@router.get(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, **ERRORS},
    auth=TokenAuth("schedule.view"),
)
def get_appointment(request: ApiRequest, appointment_id: int) -> AppointmentOut:
    appointment = schedule_queries.read_appointment(request.actor, request.clinic, appointment_id)
    return appointment_out(appointment, request.clinic)


@router.patch(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, **ERRORS},
    auth=TokenAuth("schedule.manage"),
)
def patch_appointment(
    request: ApiRequest, appointment_id: int, payload: AppointmentPatch
) -> AppointmentOut:
    appointment = get_object_or_404(
        Appointment.objects.for_clinic(request.clinic).select_related("practitioner", "patient"),
        pk=appointment_id,
    )
    if payload.status is not None and payload.starts_at is not None:
        raise field_error("status", "Cancel or reschedule, not both at once.")
    try:
        if payload.status == "cancelled":
            _require(payload, "cancel_reason")
            appointment = schedule_services.cancel_appointment(
                request.actor, appointment, payload.cancel_reason or ""
            )
        elif payload.model_fields_set & {"starts_at", "duration_minutes", "practitioner_id"}:
            appointment = schedule_services.reschedule_appointment(
                request.actor,
                appointment,
                payload.starts_at or appointment.starts_at,
                payload.duration_minutes,
                _practitioner(request.clinic, payload.practitioner_id),
            )
        elif payload.cancel_reason is not None:
            raise field_error("cancel_reason", 'Send status "cancelled" with the reason.')
    except DjangoValidationError as error:
        raise _renamed(error) from None
    return appointment_out(appointment, request.clinic)
