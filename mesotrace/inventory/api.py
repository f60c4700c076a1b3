"""`/api/v1/lots`: lots with stock on hand, receiving, movements, investigation and recall.

"used" movements are made only by charting a session. Bodies of operations on one lot
have no required fields in their schema: the lot is found (or 404) first, then missing
fields are 422s, so another clinic's id never learns more than "Not found".
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError

from mesotrace.accounts.access import Actor, ApiRequest, TokenAuth
from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import Product
from mesotrace.core.api import (
    ERRORS,
    InSchema,
    Page,
    Paging,
    field_error,
    paginate,
    reject_unknown_query,
)
from mesotrace.core.clock import clinic_today
from mesotrace.inventory.models import (
    MAX_DISCARD_HOURS,
    MAX_QUANTITY_ML,
    MAX_REASON,
    Lot,
    LotStatus,
    MovementKind,
    StockMovement,
)
from mesotrace.inventory.queries import stock
from mesotrace.inventory.rules import (
    MAX_LOT_NUMBER,
    MAX_MOVEMENT_REASON,
    MAX_REFERENCE,
    annotated_on_hand,
)
from mesotrace.inventory.services import stock as services

router = Router(tags=["inventory"])


# --- Schemas ----------------------------------------------------------------------------


class LotIn(InSchema):
    product_id: int
    lot_number: str = Field(min_length=1, max_length=MAX_LOT_NUMBER)
    expiry_date: datetime.date
    quantity_ml: Decimal = Field(gt=0, le=MAX_QUANTITY_ML, decimal_places=3)
    supplier: str = Field("", max_length=200)
    received_on: datetime.date | None = Field(None, description="Defaults to the clinic's today.")
    multi_dose: bool | None = Field(None, description="Defaults from the product's presentation.")
    discard_after_hours: int | None = Field(
        None,
        ge=1,
        le=MAX_DISCARD_HOURS,
        description="Multi-dose only; defaults to the product's discard rule.",
    )


class LotOut(Schema):
    id: int
    product_id: int
    product_name: str
    lot_number: str
    expiry_date: datetime.date
    supplier: str
    received_on: datetime.date
    quantity_received_ml: Decimal
    on_hand_ml: Decimal
    multi_dose: bool
    discard_after_hours: int | None
    opened_at: datetime.datetime | None
    discard_at: datetime.datetime | None
    status: str
    status_reason: str
    status_changed_at: datetime.datetime | None
    usable_now: bool
    problem: str | None = Field(description="Why it cannot be charted now, if it cannot.")
    created_at: datetime.datetime


class LotPage(Page[LotOut]):
    pass


class LotFilters(Paging):
    product_id: int | None = None
    status: LotStatus | None = None
    near_expiry_days: int | None = Field(
        None, ge=0, le=3650, description="Only lots with stock expiring within this many days."
    )
    page_size: int = Field(50, ge=1, le=200)


class MovementIn(InSchema):
    kind: MovementKind | None = Field(
        None, description='"used" comes from charting and "recalled" from a recall; not here.'
    )
    quantity_ml: Decimal | None = Field(
        None,
        ge=-MAX_QUANTITY_ML,
        le=MAX_QUANTITY_ML,
        decimal_places=3,
        description="Positive for wasted, returned and received; signed for adjusted.",
    )
    reason: str | None = Field(None, max_length=MAX_MOVEMENT_REASON)
    reference: str | None = Field(None, max_length=MAX_REFERENCE)
    vial_discarded: bool = Field(
        False, description="Wasted from a multi-dose lot: the opened vial is gone."
    )


class MovementOut(Schema):
    id: int
    lot_id: int
    kind: str
    quantity_ml: Decimal
    at: datetime.datetime
    by: str | None
    reason: str
    reference: str


class MovementPage(Schema):
    items: list[MovementOut]
    count: int
    on_hand_ml: Decimal


class MovementFilters(Schema):
    kind: MovementKind | None = None


class StatusIn(InSchema):
    status: LotStatus | None = None
    reason: str | None = Field(None, max_length=MAX_REASON)


# --- Helpers ----------------------------------------------------------------------------


def _require(payload: InSchema, *names: str) -> None:
    """Every missing field of the body at once, after the lot was found."""
    missing = [name for name in names if getattr(payload, name) is None]
    if missing:
        errors = [field_error(name, "This field is required.").errors for name in missing]
        raise ValidationError([detail for error in errors for detail in error])


def _lot(request: ApiRequest, lot_id: int) -> Lot:
    return get_object_or_404(stock.with_stock(request.clinic), pk=lot_id)


def lot_out(lot: Lot, clinic: Clinic) -> LotOut:
    on_hand = annotated_on_hand(lot)
    problem = stock.listed_lot_problem(lot, clinic, timezone.now())
    return LotOut(
        id=lot.pk,
        product_id=lot.product_id,
        product_name=lot.product.name,
        lot_number=lot.lot_number,
        expiry_date=lot.expiry_date,
        supplier=lot.supplier,
        received_on=lot.received_on,
        quantity_received_ml=lot.quantity_received_ml,
        on_hand_ml=on_hand,
        multi_dose=lot.multi_dose,
        discard_after_hours=lot.discard_after_hours,
        opened_at=lot.opened_at,
        discard_at=lot.discard_at,
        status=lot.status,
        status_reason=lot.status_reason,
        status_changed_at=lot.status_changed_at,
        usable_now=problem is None,
        problem=problem,
        created_at=lot.created_at,
    )


def movement_out(movement: StockMovement) -> MovementOut:
    return MovementOut(
        id=movement.pk,
        lot_id=movement.lot_id,
        kind=movement.kind,
        quantity_ml=movement.quantity_ml,
        at=movement.at,
        by=movement.by.email if movement.by else None,
        reason=movement.reason,
        reference=movement.reference,
    )


# --- Lots -------------------------------------------------------------------------------


@router.get("/lots", response={200: LotPage, **ERRORS}, auth=TokenAuth("inventory.view"))
def list_lots(request: ApiRequest, filters: Query[LotFilters]) -> LotPage:
    """The clinic's lots, soonest expiry first, each with its stock on hand."""
    reject_unknown_query(request, set(LotFilters.model_fields))
    horizon = None
    if filters.near_expiry_days is not None:
        horizon = clinic_today(request.clinic) + datetime.timedelta(days=filters.near_expiry_days)
    lots = stock.lots(
        request.clinic,
        product=filters.product_id,
        status=filters.status or "",
        expiring_by=horizon,
    )
    page, total = paginate(lots.order_by("expiry_date", "id"), filters)
    return LotPage(
        items=[lot_out(lot, request.clinic) for lot in page],
        count=total,
        page=filters.page,
        page_size=filters.page_size,
    )


@router.post("/lots", response={201: LotOut, **ERRORS}, auth=TokenAuth("inventory.manage"))
def receive_lot(request: ApiRequest, payload: LotIn) -> Status[LotOut]:
    """Receives a lot: the lot and its "received" movement."""
    product = Product.objects.visible_to(request.clinic).filter(pk=payload.product_id).first()
    if product is None:
        raise field_error("product_id", f"No product with id {payload.product_id} here.")
    # The product is one the clinic sees, so the service's refusals name fields of this body.
    lot = services.receive_lot(
        request.actor,
        request.clinic,
        product,
        payload.lot_number,
        payload.expiry_date,
        payload.quantity_ml,
        supplier=payload.supplier,
        received_on=payload.received_on,
        multi_dose=payload.multi_dose,
        discard_after_hours=payload.discard_after_hours,
    )
    return Status(201, lot_out(_lot(request, lot.pk), request.clinic))


@router.get("/lots/{lot_id}", response={200: LotOut, **ERRORS}, auth=TokenAuth("inventory.view"))
def get_lot(request: ApiRequest, lot_id: int) -> LotOut:
    return lot_out(_lot(request, lot_id), request.clinic)


@router.get(
    "/lots/{lot_id}/movements",
    response={200: MovementPage, **ERRORS},
    auth=TokenAuth("inventory.view"),
)
def list_movements(
    request: ApiRequest, lot_id: int, filters: Query[MovementFilters]
) -> MovementPage:
    """The lot's movements in time order; their quantities add up to `on_hand_ml`."""
    lot = _lot(request, lot_id)
    reject_unknown_query(request, set(MovementFilters.model_fields))
    movements = lot.movements.select_related("by").order_by("at", "id")
    if filters.kind is not None:
        movements = movements.filter(kind=filters.kind)
    items = [movement_out(m) for m in movements]
    return MovementPage(items=items, count=len(items), on_hand_ml=annotated_on_hand(lot))


def _move(actor: Actor, lot: Lot, payload: MovementIn) -> StockMovement:
    quantity, reason = payload.quantity_ml, payload.reason or ""
    reference = payload.reference or ""
    if payload.kind == MovementKind.WASTED:
        return services.waste(
            actor,
            lot,
            quantity or 0,
            reason,
            vial_discarded=payload.vial_discarded,
            reference=reference,
        )
    if payload.kind == MovementKind.RETURNED:
        return services.return_stock(actor, lot, quantity or 0, reason, reference)
    if payload.kind == MovementKind.ADJUSTED:
        return services.adjust(actor, lot, quantity or 0, reason, reference)
    return services.receive_more(actor, lot, quantity or 0, reason, reference)


@router.post(
    "/lots/{lot_id}/movements",
    response={201: MovementOut, **ERRORS},
    auth=TokenAuth("inventory.manage"),
)
def record_movement(request: ApiRequest, lot_id: int, payload: MovementIn) -> Status[MovementOut]:
    """Waste, return, adjust (signed) or a further delivery, each with its reason."""
    lot = _lot(request, lot_id)
    _require(payload, "kind", "quantity_ml")
    if payload.kind == MovementKind.USED:
        raise field_error("kind", "Stock is used by charting a session, not through this endpoint.")
    if payload.kind == MovementKind.RECALLED:
        raise field_error("kind", "Recall the lot with POST /lots/{lot_id}/status.")
    if payload.kind != MovementKind.RECEIVED:
        _require(payload, "reason")
    movement = _move(request.actor, lot, payload)
    return Status(201, movement_out(movement))


@router.post(
    "/lots/{lot_id}/status", response={200: LotOut, **ERRORS}, auth=TokenAuth("lot.recall")
)
def change_status(request: ApiRequest, lot_id: int, payload: StatusIn) -> LotOut:
    """Under investigation, recalled (final; removes the remaining stock) or released."""
    lot = _lot(request, lot_id)
    _require(payload, "status", "reason")
    assert payload.status is not None
    services.set_lot_status(request.actor, lot, payload.status, payload.reason or "")
    return lot_out(_lot(request, lot_id), request.clinic)
