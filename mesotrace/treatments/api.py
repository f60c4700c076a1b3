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
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError

from mesotrace.accounts.access import Actor, TokenAuth
from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import BodyZone, Indication, Protocol
from mesotrace.core import api as core_api
from mesotrace.core.api import ErrorOut, InSchema, reject_unknown_query
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments import scheduling, services
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
    TreatmentPlan,
)
from mesotrace.treatments.screening import ScreeningWarning

router = Router(tags=["treatments"])
ERRORS: dict[int, type[Schema]] = {**core_api.ERRORS, 409: ErrorOut}
MAX_PAGE = 200
# Service errors name model fields; the API names the ids it takes.
_API_FIELD = {
    "patient": "patient_id",
    "protocol": "protocol_id",
    "indication": "indication_id",
    "practitioner": "practitioner_id",
    "zones": "zone_ids",
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
    goals: list[GoalIn] | None = Field(None, max_length=services.MAX_GOALS)
    status: Literal["stopped", "completed"] | None = Field(
        None, description="Stop (with stop_reason) or complete the plan; activate has its own POST."
    )
    stop_reason: str | None = Field(None, max_length=services.MAX_REASON)


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


class PlanPage(Schema):
    items: list[PlanOut]
    count: int
    page: int
    page_size: int


class PlanFilters(Schema):
    patient_id: int | None = None
    status: PlanStatus | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(25, ge=1, le=MAX_PAGE)


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
    reason: str | None = Field(None, max_length=services.MAX_REASON)


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


class AppointmentPage(Schema):
    items: list[AppointmentOut]
    count: int
    page: int
    page_size: int


class AppointmentFilters(Schema):
    practitioner_id: int | None = None
    patient_id: int | None = None
    plan_id: int | None = None
    status: AppointmentStatus | None = None
    start: datetime.date | None = Field(None, description="From this local day (inclusive).")
    end: datetime.date | None = Field(None, description="To this local day (inclusive).")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(100, ge=1, le=MAX_PAGE)


class AppointmentPatch(InSchema):
    starts_at: datetime.datetime | None = Field(
        None, description="Reschedule; without an offset it is the clinic's local time."
    )
    duration_minutes: int | None = Field(None, ge=MIN_DURATION_MINUTES, le=MAX_DURATION_MINUTES)
    practitioner_id: int | None = None
    status: Literal["cancelled"] | None = None
    cancel_reason: str | None = Field(None, max_length=500)


# --- Helpers ----------------------------------------------------------------------------


def _error(field: str, message: str) -> ValidationError:
    return ValidationError([{"loc": ("body", field), "msg": message, "type": "value_error"}])


def _renamed(error: DjangoValidationError) -> DjangoValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return DjangoValidationError(
        {_API_FIELD.get(name, name): messages for name, messages in error.message_dict.items()}
    )


def _require(payload: InSchema, *names: str) -> None:
    missing = [name for name in names if getattr(payload, name) is None]
    if missing:
        raise ValidationError(
            [
                {"loc": ("body", n), "msg": "This field is required.", "type": "missing"}
                for n in missing
            ]
        )


def _lookup(label: str, queryset: QuerySet[Any], field: str, pk: int | None) -> Any:
    """The row with this id among those the clinic may use, or a 422 on `field`."""
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise _error(field, f"No {label} with id {pk} here.")
    return found


def _plan_values(clinic: Clinic, payload: PlanPatch) -> dict[str, Any]:
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
        values["practitioner"] = _lookup(
            "practitioner",
            Practitioner.objects.for_clinic(clinic),
            "practitioner_id",
            payload.practitioner_id,
        )
    for name in services.PLAN_FIELDS:
        if name in given and name not in {"protocol", "indication", "practitioner"}:
            values[name] = given[name]
    if values.get("diet_type") is None and "diet_type" in values:
        values["diet_type"] = DietType.NONE
    if values.get("lifestyle_notes") is None and "lifestyle_notes" in values:
        values["lifestyle_notes"] = ""
    return {k: v for k, v in values.items() if v is not None or k in _NULLABLE}


_NULLABLE = {
    "package_price",
    "discount_percent",
    "calorie_target_kcal",
    "exercise_minutes_per_week",
}


def _zones(payload: PlanPatch) -> list[BodyZone] | None:
    if payload.zone_ids is None:
        return None
    zones = list(BodyZone.objects.filter(pk__in=payload.zone_ids))
    if len(zones) != len(set(payload.zone_ids)):
        raise _error("zone_ids", "Unknown body zone id.")
    return zones


def _goals(payload: PlanPatch) -> list[dict[str, Any]] | None:
    if payload.goals is None:
        return None
    return [
        {
            "text": goal.text,
            "measure": goal.measure or "",
            "change": goal.change,
            "unit": goal.unit or "",
            "weeks": goal.weeks,
        }
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


def _plans(clinic: Clinic) -> QuerySet[TreatmentPlan]:
    return (
        TreatmentPlan.objects.for_clinic(clinic)
        .select_related("protocol")
        .prefetch_related("zones", "goals")
    )


def _plan(request: Any, plan_id: int) -> TreatmentPlan:
    return get_object_or_404(
        TreatmentPlan.objects.for_clinic(request.clinic).select_related(
            "patient", "protocol", "clinic", "practitioner"
        ),
        pk=plan_id,
    )


def _actor(request: Any) -> Actor:
    return Actor.from_request(request, "api")


# --- Plans ------------------------------------------------------------------------------


@router.get("/plans", response={200: PlanPage, **ERRORS}, auth=TokenAuth("plan.view"))
def list_plans(request: Any, filters: Query[PlanFilters]) -> PlanPage:
    reject_unknown_query(request, set(PlanFilters.model_fields))
    plans = _plans(request.clinic)
    if filters.patient_id is not None:
        plans = plans.filter(patient_id=filters.patient_id)
    if filters.status is not None:
        plans = plans.filter(status=filters.status)
    total = plans.count()
    start = (filters.page - 1) * filters.page_size
    page = list(plans[start : start + filters.page_size])
    services.record_list(_actor(request), request.clinic, page, total)
    return PlanPage(
        items=[plan_out(p) for p in page],
        count=total,
        page=filters.page,
        page_size=filters.page_size,
    )


@router.post("/plans", response={201: PlanOut, **ERRORS}, auth=TokenAuth("plan.manage"))
def create_plan(request: Any, payload: PlanIn) -> Status[PlanOut]:
    if payload.status is not None or payload.stop_reason is not None:
        raise _error("status", "A new plan is a draft; activate it with its own POST.")
    patient = _lookup(
        "patient", Patient.objects.for_clinic(request.clinic), "patient_id", payload.patient_id
    )
    values = _plan_values(request.clinic, payload)
    try:
        plan = services.create_plan(
            _actor(request), request.clinic, patient, values, _zones(payload), _goals(payload) or ()
        )
    except DjangoValidationError as error:
        raise _renamed(error) from None
    return Status(201, plan_out(_plans(request.clinic).get(pk=plan.pk)))


@router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, auth=TokenAuth("plan.view"))
def get_plan(request: Any, plan_id: int) -> PlanOut:
    plan = get_object_or_404(_plans(request.clinic), pk=plan_id)
    services.record_read(_actor(request), plan, "plan")
    return plan_out(plan)


@router.patch("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, auth=TokenAuth("plan.manage"))
def patch_plan(request: Any, plan_id: int, payload: PlanPatch) -> PlanOut:
    plan = _plan(request, plan_id)
    nulls = sorted(
        name
        for name, value in payload.dict(exclude_unset=True).items()
        if value is None and name not in _NULLABLE
    )
    if nulls:
        raise ValidationError(
            [{"loc": ("body", n), "msg": "May not be null.", "type": "null"} for n in nulls]
        )
    actor = _actor(request)
    try:
        fields = payload.model_fields_set - {"status", "stop_reason"}
        if fields:
            plan = services.update_plan(
                actor, plan, _plan_values(request.clinic, payload), _zones(payload), _goals(payload)
            )
        if payload.status == "stopped":
            plan = services.stop_plan(actor, plan, payload.stop_reason or "")
        elif payload.status == "completed":
            plan = services.complete_plan(actor, plan)
        elif payload.stop_reason is not None:
            raise _error("stop_reason", 'Send status "stopped" with the reason.')
    except DjangoValidationError as error:
        raise _renamed(error) from None
    return plan_out(_plans(request.clinic).get(pk=plan.pk))


# --- Screening --------------------------------------------------------------------------


def _ack_out(ack: Any) -> AcknowledgementOut:
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


def _warning_out(warning: ScreeningWarning, ack: Any) -> WarningOut:
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
def get_screening(request: Any, plan_id: int) -> ScreeningOut:
    plan = _plan(request, plan_id)
    screened = services.screening_for(plan)
    services.record_read(_actor(request), plan, "screening")
    blocking = sum(1 for item in screened if item.warning.blocking)
    unacknowledged = sum(1 for item in screened if item.open and not item.warning.blocking)
    return ScreeningOut(
        plan_id=plan.pk,
        may_activate=plan.status == PlanStatus.DRAFT and not blocking and not unacknowledged,
        blocking=blocking,
        unacknowledged=unacknowledged,
        warnings=[_warning_out(item.warning, item.acknowledgement) for item in screened],
    )


@router.post(
    "/plans/{plan_id}/acknowledgements",
    response={201: AcknowledgementOut, **ERRORS},
    auth=TokenAuth("screening.acknowledge"),
)
def acknowledge(
    request: Any, plan_id: int, payload: AcknowledgementIn
) -> Status[AcknowledgementOut]:
    plan = _plan(request, plan_id)
    _require(payload, "code", "fingerprint", "reason")
    ack = services.acknowledge_warning(
        _actor(request),
        plan,
        payload.code or "",
        payload.fingerprint or "",
        payload.reason or "",
    )
    return Status(201, _ack_out(ack))


@router.post(
    "/plans/{plan_id}/activate", response={200: PlanOut, **ERRORS}, auth=TokenAuth("plan.manage")
)
def activate(request: Any, plan_id: int) -> PlanOut:
    plan = services.activate_plan(_actor(request), _plan(request, plan_id))
    return plan_out(_plans(request.clinic).get(pk=plan.pk))


# --- Appointments -----------------------------------------------------------------------


def appointment_out(appointment: Appointment, clinic: Clinic) -> AppointmentOut:
    local = scheduling.as_clinic_time(appointment.starts_at, clinic)
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


def _conflict_response(conflict: scheduling.BookingConflict) -> HttpResponse:
    """409 with the usual error body: the time is taken, the request itself was valid."""
    body = {
        "detail": conflict.message,
        "errors": [{"field": conflict.field, "message": conflict.message}],
    }
    return JsonResponse(body, status=409)


@router.post(
    "/plans/{plan_id}/course",
    response={201: list[AppointmentOut], **ERRORS},
    auth=TokenAuth("schedule.manage"),
)
def book_course(request: Any, plan_id: int, payload: CourseIn) -> Any:
    plan = _plan(request, plan_id)
    _require(payload, "practitioner_id", "first_start", "duration_minutes")
    practitioner = _lookup(
        "practitioner",
        Practitioner.objects.for_clinic(request.clinic),
        "practitioner_id",
        payload.practitioner_id,
    )
    assert payload.first_start is not None
    assert payload.duration_minutes is not None
    try:
        booked = scheduling.book_course(
            _actor(request),
            plan,
            practitioner,
            payload.first_start,
            payload.duration_minutes,
            payload.move_closed_days,
        )
    except scheduling.BookingConflict as conflict:
        return _conflict_response(conflict)
    except DjangoValidationError as error:
        raise _renamed(error) from None
    return Status(201, [appointment_out(a, request.clinic) for a in booked])


def _local_day_bounds(clinic: Clinic, day: datetime.date, end: bool) -> datetime.datetime:
    if end:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=scheduling.zone_of(clinic))


@router.get(
    "/appointments", response={200: AppointmentPage, **ERRORS}, auth=TokenAuth("schedule.view")
)
def list_appointments(request: Any, filters: Query[AppointmentFilters]) -> AppointmentPage:
    reject_unknown_query(request, set(AppointmentFilters.model_fields))
    if filters.start and filters.end and filters.end < filters.start:
        raise ValidationError(
            [{"loc": ("query", "end"), "msg": "The end is before the start.", "type": "range"}]
        )
    clinic = request.clinic
    found = Appointment.objects.for_clinic(clinic)
    exact = {
        "practitioner_id": filters.practitioner_id,
        "patient_id": filters.patient_id,
        "plan_id": filters.plan_id,
        "status": filters.status,
    }
    found = found.filter(**{k: v for k, v in exact.items() if v is not None})
    if filters.start:
        found = found.filter(ends_at__gt=_local_day_bounds(clinic, filters.start, False))
    if filters.end:
        found = found.filter(starts_at__lt=_local_day_bounds(clinic, filters.end, True))
    total = found.count()
    start = (filters.page - 1) * filters.page_size
    page = list(found.order_by("starts_at", "id")[start : start + filters.page_size])
    scheduling.record_list(_actor(request), clinic, page, "api")
    return AppointmentPage(
        items=[appointment_out(a, clinic) for a in page],
        count=total,
        page=filters.page,
        page_size=filters.page_size,
    )


@router.get(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, **ERRORS},
    auth=TokenAuth("schedule.view"),
)
def get_appointment(request: Any, appointment_id: int) -> AppointmentOut:
    appointment = get_object_or_404(
        Appointment.objects.for_clinic(request.clinic), pk=appointment_id
    )
    scheduling.record_list(_actor(request), request.clinic, [appointment], "api")
    return appointment_out(appointment, request.clinic)


@router.patch(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, **ERRORS},
    auth=TokenAuth("schedule.manage"),
)
def patch_appointment(request: Any, appointment_id: int, payload: AppointmentPatch) -> Any:
    appointment = get_object_or_404(
        Appointment.objects.for_clinic(request.clinic).select_related("practitioner", "patient"),
        pk=appointment_id,
    )
    if payload.status is not None and payload.starts_at is not None:
        raise _error("status", "Cancel or reschedule, not both at once.")
    actor = _actor(request)
    try:
        if payload.status == "cancelled":
            _require(payload, "cancel_reason")
            appointment = scheduling.cancel_appointment(
                actor, appointment, payload.cancel_reason or ""
            )
        elif payload.model_fields_set & {"starts_at", "duration_minutes", "practitioner_id"}:
            practitioner = _lookup(
                "practitioner",
                Practitioner.objects.for_clinic(request.clinic),
                "practitioner_id",
                payload.practitioner_id,
            )
            appointment = scheduling.reschedule_appointment(
                actor,
                appointment,
                payload.starts_at or appointment.starts_at,
                payload.duration_minutes,
                practitioner,
            )
        elif payload.cancel_reason is not None:
            raise _error("cancel_reason", 'Send status "cancelled" with the reason.')
    except scheduling.BookingConflict as conflict:
        return _conflict_response(conflict)
    except DjangoValidationError as error:
        raise _renamed(error) from None
    return appointment_out(appointment, request.clinic)
