"""Reads of stock: a lot's stock on hand (always the sum of its movements), whether it can
be drawn from, the lots that can, and the lists of lots near expiry or low in stock."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import Product
from mesotrace.core.clock import aware, clinic_today, local_date
from mesotrace.inventory.models import (
    ZERO_ML,
    Lot,
    LotStatus,
    StockMovement,
    on_hand_expression,
)
from mesotrace.inventory.rules import (
    DEFAULT_LOW_STOCK_ML,
    DEFAULT_NEAR_EXPIRY_DAYS,
    HALF_ML_UNIT,
    ML,
    annotated_on_hand,
    draw_problem,
)


def on_hand(lot: Lot) -> Decimal:
    """The lot's stock on hand in mL: the sum of its movements, read now."""
    total = StockMovement.objects.filter(lot_id=lot.pk).aggregate(total=Sum("quantity_ml"))
    return Decimal(total["total"] or ZERO_ML).quantize(ML)


def lot_problem(
    lot: Lot,
    clinic: Clinic,
    on: datetime.datetime,
    quantity_ml: Decimal | None = None,
    *,
    investigation_overridden: bool = False,
) -> str | None:
    """Why `quantity_ml` cannot be drawn from this lot at `on`, in words; None when it can.

    The reasons, in the order they are checked: another clinic's lot, recalled (reason),
    under investigation (reason), expired on <date>, received after the session, opened
    multi-dose vial past its discard time, empty, only X mL left. Without `quantity_ml`
    it answers whether any amount can be drawn.
    """
    found = draw_problem(
        lot, clinic, aware(on, clinic), quantity_ml, on_hand(lot), investigation_overridden
    )
    return found[1] if found else None


def listed_lot_problem(lot: Lot, clinic: Clinic, on: datetime.datetime) -> str | None:
    """`lot_problem` for a lot read with `on_hand_ml` (a list): no query per lot."""
    found = draw_problem(lot, clinic, aware(on, clinic), None, annotated_on_hand(lot))
    return found[1] if found else None


def usable_lots(clinic: Clinic, product: Product, on: datetime.datetime) -> list[Lot]:
    """The clinic's lots of `product` that can be drawn at `on`, earliest-expiring first.

    Excludes expired, recalled, under-investigation and empty lots and multi-dose vials
    past their discard time. At equal expiry an already opened vial comes first. Each lot
    carries `on_hand_ml`.
    """
    return usable_lots_by_product(clinic, [product.pk], on).get(product.pk, [])


def usable_lots_by_product(
    clinic: Clinic, product_ids: Collection[int], on: datetime.datetime
) -> dict[int, list[Lot]]:
    """`usable_lots` of several products in one query, by product id."""
    on = aware(on, clinic)
    day = local_date(clinic, on)
    lots = (
        with_stock(clinic)
        .filter(
            product_id__in=product_ids,
            status=LotStatus.AVAILABLE,
            expiry_date__gte=day,
            received_on__lte=day,
        )
        .filter(Q(on_hand_ml__gt=HALF_ML_UNIT))
        .order_by("expiry_date", F("opened_at").asc(nulls_last=True), "received_on", "id")
    )
    found: dict[int, list[Lot]] = {}
    for lot in lots:
        if draw_problem(lot, clinic, on, None, annotated_on_hand(lot)) is None:
            found.setdefault(lot.product_id, []).append(lot)
    return found


def with_stock(clinic: Clinic) -> QuerySet[Lot]:
    """The clinic's lots, each with its product and its stock on hand (`on_hand_ml`)."""
    return (
        Lot.objects.for_clinic(clinic)
        .annotate(on_hand_ml=on_hand_expression())
        .select_related("product")
    )


def near_expiry(
    clinic: Clinic, within_days: int = DEFAULT_NEAR_EXPIRY_DAYS, today: datetime.date | None = None
) -> list[Lot]:
    """Lots still holding stock that expire within `within_days` (or already have), soonest first.

    Expired lots with stock are listed too: they are still on the shelf and must go.
    Recalled lots are left out (their stock was removed by the recall).
    """
    today = today or clinic_today(clinic)
    return list(
        with_stock(clinic)
        .exclude(status=LotStatus.RECALLED)
        .filter(expiry_date__lte=today + datetime.timedelta(days=within_days))
        .filter(Q(on_hand_ml__gt=HALF_ML_UNIT))
        .order_by("expiry_date", "id")
    )


def low_stock(clinic: Clinic, threshold_ml: Decimal = DEFAULT_LOW_STOCK_ML) -> list[Lot]:
    """Available, unexpired lots with some stock but no more than `threshold_ml`, lowest first."""
    return list(
        with_stock(clinic)
        .filter(status=LotStatus.AVAILABLE, expiry_date__gte=clinic_today(clinic))
        .filter(Q(on_hand_ml__gt=HALF_ML_UNIT, on_hand_ml__lte=threshold_ml + HALF_ML_UNIT))
        .order_by("on_hand_ml", "expiry_date", "id")
    )


def lots(
    clinic: Clinic,
    *,
    product: Product | int | None = None,
    status: str = "",
    stocked: bool = False,
    expiring_by: datetime.date | None = None,
) -> QuerySet[Lot]:
    """The clinic's lots with their stock on hand, narrowed by what is given."""
    found = with_stock(clinic)
    if product is not None:
        found = found.filter(product=product)
    if status:
        found = found.filter(status=status)
    if stocked:
        found = found.filter(Q(on_hand_ml__gt=HALF_ML_UNIT))
    if expiring_by is not None:
        found = found.filter(Q(on_hand_ml__gt=HALF_ML_UNIT), expiry_date__lte=expiring_by)
    return found


def lots_by_ids(clinic: Clinic, ids: Iterable[int]) -> dict[int, Lot]:
    """The clinic's lots among `ids`, by id (another clinic's ids are simply absent)."""
    return {
        lot.pk: lot
        for lot in Lot.objects.for_clinic(clinic).filter(pk__in=list(ids)).select_related("product")
    }
