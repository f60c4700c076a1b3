"""Stock of lots: receiving, drawing for a session, waste, adjustments, returns and recalls.

Every write runs in a transaction, locks the lot's row, and writes its audit row in the
same transaction. Stock on hand is always the sum of the lot's movements. Refusals are
`StockRefused` (a `ValidationError`) naming the field at fault and the reason in words.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.catalogue.models import Presentation, Product
from mesotrace.core.clock import aware, clinic_today, local_date
from mesotrace.inventory.models import (
    MAX_DISCARD_HOURS,
    MAX_QUANTITY_ML,
    MAX_REASON,
    ML_PLACES,
    ZERO_ML,
    Lot,
    LotStatus,
    MovementKind,
    StockMovement,
    on_hand_expression,
)

ML = Decimal(1).scaleb(-ML_PLACES)  # 0.001 mL, the smallest amount recorded
# SQLite sums decimals as floats: a lot emptied by 0.1 + 0.2 may sum to 5e-17. Anything
# under half the smallest recorded amount is nothing.
HALF_ML_UNIT = ML / 2
DEFAULT_NEAR_EXPIRY_DAYS = 60
DEFAULT_LOW_STOCK_ML = Decimal("5")
MAX_LOT_NUMBER = 60
MAX_REFERENCE = 100
MAX_MOVEMENT_REASON = 500
LOT_FIELDS = [
    "product",
    "lot_number",
    "expiry_date",
    "supplier",
    "received_on",
    "quantity_received_ml",
    "multi_dose",
    "discard_after_hours",
]
MOVEMENT_FIELDS = ["lot", "kind", "quantity_ml", "at", "reason", "reference"]


class StockRefused(ValidationError):
    """The stock cannot allow this draw or movement.

    `field` names the input at fault ("lot", "quantity_ml", "reason", ...) and `message`
    is the reason in the clinic's words, e.g. "Lot A123 expired on 2026-03-31." It is a
    `ValidationError` shaped `{field: [message]}`, so forms and the API's 422 handler
    report it like any other field error.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__({field: [message]})
        self.field = field
        self.message = message
        self.code = "stock_refused"
        self.params = None


# --- Small helpers ----------------------------------------------------------------------


def ml(value: Decimal) -> str:
    """A volume for people: 0.400 -> "0.4", 100.000 -> "100"."""
    return format(value.normalize(), "f") if value else "0"


def _show_time(when: datetime.datetime, clinic: Clinic) -> str:
    return when.astimezone(zoneinfo.ZoneInfo(clinic.timezone)).strftime("%Y-%m-%d %H:%M")


def _quantity(value: Any, field: str = "quantity_ml", signed: bool = False) -> Decimal:
    """A volume in mL to the microlitre; positive unless `signed` (then non-zero)."""
    try:
        quantity = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise StockRefused(field, _("Give a volume in mL, e.g. 2.5.")) from None
    if not quantity.is_finite():
        raise StockRefused(field, _("Give a volume in mL, e.g. 2.5."))
    if quantity != quantity.quantize(ML):
        raise StockRefused(field, _("Give the volume to at most 3 decimals (0.001 mL)."))
    if quantity == 0 or (quantity < 0 and not signed):
        raise StockRefused(field, _("The volume must be more than zero."))
    if abs(quantity) > MAX_QUANTITY_ML:
        raise StockRefused(field, _("At most %(max)s mL at once.") % {"max": ml(MAX_QUANTITY_ML)})
    return quantity.quantize(ML)


def _text(value: str, field: str, limit: int, required: bool, missing: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise StockRefused(field, missing)
    if len(text) > limit:
        raise StockRefused(field, _("At most %(n)s characters.") % {"n": limit})
    return text


def _lock(lot: Lot) -> Lot:
    """The lot's row, locked until the caller's transaction ends, read fresh."""
    return (
        Lot.objects.select_for_update(of=("self",))
        .select_related("product", "clinic")
        .get(pk=lot.pk)
    )


def _sync(caller: Lot, locked: Lot, *fields: str) -> None:
    """Copies what a write changed onto the caller's copy of the lot, so it is not stale."""
    for name in (*fields, "updated_at"):
        setattr(caller, name, getattr(locked, name))


def _check_clinic(clinic: Clinic | None, lot: Lot) -> None:
    if clinic is not None and lot.clinic_id != clinic.pk:
        raise StockRefused("lot", _("This lot belongs to another clinic."))


# --- Reading ----------------------------------------------------------------------------


def on_hand(lot: Lot) -> Decimal:
    """The lot's stock on hand in mL: the sum of its movements, read now."""
    total = StockMovement.objects.filter(lot_id=lot.pk).aggregate(total=Sum("quantity_ml"))
    return Decimal(total["total"] or ZERO_ML).quantize(ML)


def annotated_on_hand(lot: Lot) -> Decimal:
    """The on-hand figure a `with_on_hand()` queryset read with the lot."""
    return Decimal(getattr(lot, "on_hand_ml", ZERO_ML) or ZERO_ML).quantize(ML)


def _problem(
    lot: Lot,
    clinic: Clinic,
    on: datetime.datetime,
    quantity: Decimal | None,
    stock: Decimal,
    investigation_overridden: bool = False,
) -> tuple[str, str] | None:
    """(field, reason) when the lot cannot be drawn from at `on`; None when it can.

    `investigation_overridden` lifts the investigation only (an owner's override for one
    session); a recall, expiry, discard time or missing stock still refuses the lot.
    """
    if lot.clinic_id != clinic.pk:
        return "lot", _("This lot belongs to another clinic.")
    names = {"lot": lot.lot_number}
    if lot.status == LotStatus.RECALLED:
        return "lot", _("Lot %(lot)s is recalled (%(reason)s).") % {
            **names,
            "reason": lot.status_reason,
        }
    if lot.status == LotStatus.UNDER_INVESTIGATION and not investigation_overridden:
        return "lot", _("Lot %(lot)s is under investigation (%(reason)s).") % {
            **names,
            "reason": lot.status_reason,
        }
    day = local_date(clinic, on)
    if day > lot.expiry_date:
        return "lot", _("Lot %(lot)s expired on %(date)s.") % {
            **names,
            "date": lot.expiry_date.isoformat(),
        }
    if day < lot.received_on:
        return "lot", _("Lot %(lot)s was received on %(date)s, after this session.") % {
            **names,
            "date": lot.received_on.isoformat(),
        }
    discard_at = lot.discard_at
    if discard_at is not None and on >= discard_at:
        return "lot", _(
            "Lot %(lot)s: the opened multi-dose vial passed its discard time "
            "(opened %(opened)s, to be discarded %(hours)s hours later, at %(discard)s)."
        ) % {
            **names,
            "opened": _show_time(lot.opened_at or on, clinic),
            "hours": lot.discard_after_hours,
            "discard": _show_time(discard_at, clinic),
        }
    if stock <= 0:
        return "quantity_ml", _("Lot %(lot)s is empty.") % names
    if quantity is not None and quantity > stock:
        return "quantity_ml", _("Lot %(lot)s has only %(left)s mL left; %(asked)s mL asked.") % {
            **names,
            "left": ml(stock),
            "asked": ml(quantity),
        }
    return None


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
    found = _problem(
        lot, clinic, aware(on, clinic), quantity_ml, on_hand(lot), investigation_overridden
    )
    return found[1] if found else None


def listed_lot_problem(lot: Lot, clinic: Clinic, on: datetime.datetime) -> str | None:
    """`lot_problem` for a lot read with `on_hand_ml` (a list): no query per lot."""
    found = _problem(lot, clinic, aware(on, clinic), None, annotated_on_hand(lot))
    return found[1] if found else None


def usable_lots(clinic: Clinic, product: Product, on: datetime.datetime) -> list[Lot]:
    """The clinic's lots of `product` that can be drawn at `on`, earliest-expiring first.

    Excludes expired, recalled, under-investigation and empty lots and multi-dose vials
    past their discard time. At equal expiry an already opened vial comes first. Each lot
    carries `on_hand_ml`.
    """
    on = aware(on, clinic)
    day = local_date(clinic, on)
    lots = (
        Lot.objects.for_clinic(clinic)
        .filter(
            product=product,
            status=LotStatus.AVAILABLE,
            expiry_date__gte=day,
            received_on__lte=day,
        )
        .annotate(on_hand_ml=on_hand_expression())
        .filter(on_hand_ml__gt=HALF_ML_UNIT)
        .select_related("product")
        .order_by("expiry_date", F("opened_at").asc(nulls_last=True), "received_on", "id")
    )
    return [lot for lot in lots if _problem(lot, clinic, on, None, annotated_on_hand(lot)) is None]


def near_expiry(
    clinic: Clinic, within_days: int = DEFAULT_NEAR_EXPIRY_DAYS, today: datetime.date | None = None
) -> list[Lot]:
    """Lots still holding stock that expire within `within_days` (or already have), soonest first.

    Expired lots with stock are listed too: they are still on the shelf and must go.
    Recalled lots are left out (their stock was removed by the recall).
    """
    today = today or clinic_today(clinic)
    return list(
        Lot.objects.for_clinic(clinic)
        .exclude(status=LotStatus.RECALLED)
        .filter(expiry_date__lte=today + datetime.timedelta(days=within_days))
        .annotate(on_hand_ml=on_hand_expression())
        .filter(on_hand_ml__gt=HALF_ML_UNIT)
        .select_related("product")
        .order_by("expiry_date", "id")
    )


def low_stock(clinic: Clinic, threshold_ml: Decimal = DEFAULT_LOW_STOCK_ML) -> list[Lot]:
    """Available, unexpired lots with some stock but no more than `threshold_ml`, lowest first."""
    return list(
        Lot.objects.for_clinic(clinic)
        .filter(status=LotStatus.AVAILABLE, expiry_date__gte=clinic_today(clinic))
        .annotate(on_hand_ml=on_hand_expression())
        .filter(on_hand_ml__gt=HALF_ML_UNIT, on_hand_ml__lte=threshold_ml + HALF_ML_UNIT)
        .select_related("product")
        .order_by("on_hand_ml", "expiry_date", "id")
    )


# --- Receiving --------------------------------------------------------------------------


def _lot_number(value: str) -> str:
    number = " ".join((value or "").split())
    if not number:
        raise StockRefused("lot_number", _("Give the lot number printed on the pack."))
    if len(number) > MAX_LOT_NUMBER:
        raise StockRefused("lot_number", _("At most %(n)s characters.") % {"n": MAX_LOT_NUMBER})
    return number


def _vial_rule(
    product: Product, multi_dose: bool | None, hours: int | None
) -> tuple[bool, int | None]:
    """Whether the lot is multi-dose and how long an opened vial lasts, from the product."""
    if multi_dose is None:
        multi_dose = product.presentation == Presentation.MULTI_DOSE_VIAL
    if not multi_dose:
        if hours is not None:
            raise StockRefused(
                "discard_after_hours",
                _("A discard time after opening applies to multi-dose vials only."),
            )
        return False, None
    hours = hours if hours is not None else product.discard_after_opening_hours
    if hours is None:
        raise StockRefused(
            "discard_after_hours",
            _("Give how many hours an opened vial may be used; the product does not say."),
        )
    if not 1 <= hours <= MAX_DISCARD_HOURS:
        raise StockRefused(
            "discard_after_hours",
            _("Give between 1 and %(max)s hours.") % {"max": MAX_DISCARD_HOURS},
        )
    return True, hours


def _receipt_errors(
    clinic: Clinic,
    product: Product,
    expiry_date: datetime.date,
    received_on: datetime.date,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not Product.objects.visible_to(clinic).filter(pk=product.pk).exists():
        errors["product"] = _("Choose a product from the catalogue or from this clinic.")
    if received_on > clinic_today(clinic):
        errors["received_on"] = _("The date received cannot be in the future.")
    if expiry_date < received_on:
        errors["expiry_date"] = _("The expiry date %(expiry)s is before the date received.") % {
            "expiry": expiry_date.isoformat()
        }
    return errors


def _collect(*checks: Any) -> dict[str, str]:
    """Runs each check, gathering every StockRefused into one {field: reason} map."""
    errors: dict[str, str] = {}
    for check in checks:
        try:
            check()
        except StockRefused as refused:
            errors[refused.field] = str(refused.message)
    return errors


def _duplicate_error(clinic: Clinic, product: Product, lot_number: str) -> dict[str, str]:
    existing = (
        Lot.objects.for_clinic(clinic).filter(product_id=product.pk, lot_number=lot_number).first()
    )
    if existing is None:
        return {}
    return {
        "lot_number": _(
            "Lot %(lot)s of this product was received on %(date)s already; "
            "record the new delivery on that lot."
        )
        % {"lot": lot_number, "date": existing.received_on.isoformat()}
    }


@transaction.atomic
def receive_lot(
    actor: Actor,
    clinic: Clinic,
    product: Product,
    lot_number: str,
    expiry_date: datetime.date,
    quantity_ml: Decimal | str | int,
    supplier: str = "",
    received_on: datetime.date | None = None,
    multi_dose: bool | None = None,
    discard_after_hours: int | None = None,
) -> Lot:
    """A new lot with its "received" movement.

    `multi_dose` defaults from the product's presentation and `discard_after_hours`
    from the product's discard rule; a multi-dose lot needs one or the other. Refused
    (every problem at once, by field): a product the clinic cannot see, a missing lot
    number, a lot number already received for this product, a zero, negative or
    over-precise quantity, a receipt date in the future, an expiry before receipt.
    """
    received_on = received_on or clinic_today(clinic)
    values: dict[str, Any] = {}
    errors = _collect(
        lambda: values.update(number=_lot_number(lot_number)),
        lambda: values.update(quantity=_quantity(quantity_ml)),
        lambda: values.update(vial=_vial_rule(product, multi_dose, discard_after_hours)),
        lambda: values.update(supplier=_text(supplier, "supplier", 200, False, "")),
    )
    errors.update(_receipt_errors(clinic, product, expiry_date, received_on))
    if "number" in values and "product" not in errors:
        errors.update(_duplicate_error(clinic, product, values["number"]))
    if errors:
        raise ValidationError(errors)
    lot = Lot(
        clinic=clinic,
        product=product,
        lot_number=values["number"],
        expiry_date=expiry_date,
        supplier=values["supplier"],
        received_on=received_on,
        quantity_received_ml=values["quantity"],
        received_by=actor.user,
        multi_dose=values["vial"][0],
        discard_after_hours=values["vial"][1],
    )
    try:
        with transaction.atomic():
            lot.save()
    except IntegrityError:
        # Another receipt of the same lot number won the race since the check above.
        raise ValidationError(_duplicate_error(clinic, product, lot.lot_number)) from None
    at = timezone.now() if received_on == clinic_today(clinic) else _start_of(received_on, clinic)
    movement = StockMovement.objects.create(
        clinic=clinic,
        lot=lot,
        kind=MovementKind.RECEIVED,
        quantity_ml=lot.quantity_received_ml,
        at=at,
        by=actor.user,
        reason=_("Delivery received"),
        reference=(values["supplier"] or "")[:MAX_REFERENCE],
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        ObjectType.LOT,
        object_id=lot.pk,
        changes=audit.diff({}, audit.snapshot(lot, LOT_FIELDS)),
        details={"movement": movement.pk},
        clinic=clinic,
    )
    return lot


def _start_of(day: datetime.date, clinic: Clinic) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(0), tzinfo=zoneinfo.ZoneInfo(clinic.timezone)
    )


# --- Movements --------------------------------------------------------------------------


def _record_movement(
    actor: Actor,
    lot: Lot,
    kind: MovementKind,
    quantity: Decimal,
    at: datetime.datetime,
    reason: str = "",
    reference: str = "",
    patient_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> StockMovement:
    movement = StockMovement.objects.create(
        clinic=lot.clinic,
        lot=lot,
        kind=kind,
        quantity_ml=quantity,
        at=at,
        by=actor.user,
        reason=reason,
        reference=reference,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        ObjectType.STOCK_MOVEMENT,
        object_id=movement.pk,
        patient_id=patient_id,
        changes=audit.diff({}, audit.snapshot(movement, MOVEMENT_FIELDS)),
        details={"lot_number": lot.lot_number, **(details or {})},
        clinic=lot.clinic,
    )
    return movement


@transaction.atomic
def draw(
    actor: Actor,
    lot: Lot,
    quantity_ml: Decimal | str | int,
    on: datetime.datetime,
    reference: str = "",
    *,
    clinic: Clinic | None = None,
    patient_id: int | None = None,
    investigation_overridden: bool = False,
) -> StockMovement:
    """Takes `quantity_ml` out of the lot for a session at `on`: a "used" movement.

    Runs inside the caller's transaction (charting saves a whole session at once): it
    locks the lot's row, re-reads the stock on hand after the lock, and raises
    `StockRefused` with `lot_problem`'s reason (field "lot" or "quantity_ml") rather than
    let stock go below zero or draw from a lot that is recalled, under investigation,
    expired or past its opened-vial discard time. The first draw from a multi-dose lot
    opens its vial (`opened_at` = `on`). `clinic` is the clinic charting, by default the
    actor's; a lot of another clinic is refused. `patient_id` goes on the audit row.
    `investigation_overridden` (an owner's override for one session, recorded by charting)
    lets a lot under investigation be drawn; every other refusal stands.
    """
    quantity = _quantity(quantity_ml)
    locked = _lock(lot)
    clinic = clinic or actor.clinic or locked.clinic
    on = aware(on, clinic)
    problem = _problem(locked, clinic, on, quantity, on_hand(locked), investigation_overridden)
    lifted = investigation_overridden and locked.status == LotStatus.UNDER_INVESTIGATION
    if problem is not None:
        raise StockRefused(*problem)
    opened = locked.multi_dose and locked.opened_at is None
    if opened:
        locked.opened_at = on
        locked.save(update_fields=["opened_at", "updated_at"])
        _sync(lot, locked, "opened_at")
    return _record_movement(
        actor,
        locked,
        MovementKind.USED,
        -quantity,
        on,
        reference=_text(reference, "reference", MAX_REFERENCE, False, ""),
        patient_id=patient_id,
        details={
            "opened_vial": opened,
            **({"investigation_overridden": True} if lifted else {}),
        },
    )


def _reason(reason: str) -> str:
    return _text(
        reason, "reason", MAX_MOVEMENT_REASON, True, _("Give the reason for this movement.")
    )


def _take_out(
    actor: Actor,
    lot: Lot,
    kind: MovementKind,
    quantity_ml: Any,
    reason: str,
    reference: str,
    **details: Any,
) -> tuple[Lot, StockMovement]:
    quantity = _quantity(quantity_ml)
    reason = _reason(reason)
    reference = _text(reference, "reference", MAX_REFERENCE, False, "")
    locked = _lock(lot)
    _check_clinic(actor.clinic, locked)
    stock = on_hand(locked)
    if quantity > stock:
        raise StockRefused(
            "quantity_ml",
            _("Lot %(lot)s has only %(left)s mL left.")
            % {"lot": locked.lot_number, "left": ml(stock)},
        )
    movement = _record_movement(
        actor, locked, kind, -quantity, timezone.now(), reason, reference, details=details
    )
    return locked, movement


@transaction.atomic
def waste(
    actor: Actor,
    lot: Lot,
    quantity_ml: Decimal | str | int,
    reason: str,
    *,
    vial_discarded: bool = False,
    reference: str = "",
) -> StockMovement:
    """Stock thrown away (spilt, broken, expired, opened vial past its time), with the reason.

    With `vial_discarded` on a multi-dose lot, the opened vial is gone: the next draw
    opens a new one and starts its discard clock again.
    """
    locked, movement = _take_out(
        actor,
        lot,
        MovementKind.WASTED,
        quantity_ml,
        reason,
        reference,
        vial_discarded=vial_discarded,
    )
    if vial_discarded and locked.opened_at is not None:
        locked.opened_at = None
        locked.save(update_fields=["opened_at", "updated_at"])
        _sync(lot, locked, "opened_at")
    return movement


@transaction.atomic
def return_stock(
    actor: Actor, lot: Lot, quantity_ml: Decimal | str | int, reason: str, reference: str = ""
) -> StockMovement:
    """Stock sent back to the supplier, with the reason (and e.g. the return note number)."""
    return _take_out(actor, lot, MovementKind.RETURNED, quantity_ml, reason, reference)[1]


@transaction.atomic
def adjust(
    actor: Actor, lot: Lot, delta_ml: Decimal | str | int, reason: str, reference: str = ""
) -> StockMovement:
    """A stock-count correction, up or down (never to below zero), with the reason."""
    delta = _quantity(delta_ml, signed=True)
    reason = _reason(reason)
    reference = _text(reference, "reference", MAX_REFERENCE, False, "")
    locked = _lock(lot)
    _check_clinic(actor.clinic, locked)
    stock = on_hand(locked)
    if stock + delta < 0:
        raise StockRefused(
            "quantity_ml",
            _("Lot %(lot)s has only %(left)s mL; it cannot go below zero.")
            % {"lot": locked.lot_number, "left": ml(stock)},
        )
    return _record_movement(
        actor, locked, MovementKind.ADJUSTED, delta, timezone.now(), reason, reference
    )


@transaction.atomic
def receive_more(
    actor: Actor, lot: Lot, quantity_ml: Decimal | str | int, reason: str = "", reference: str = ""
) -> StockMovement:
    """A further delivery of the same lot number: a "received" movement on the existing lot."""
    quantity = _quantity(quantity_ml)
    reason = _text(reason, "reason", MAX_MOVEMENT_REASON, False, "") or _("Delivery received")
    reference = _text(reference, "reference", MAX_REFERENCE, False, "")
    locked = _lock(lot)
    _check_clinic(actor.clinic, locked)
    if locked.status == LotStatus.RECALLED:
        raise StockRefused("lot", _("A recalled lot cannot take new stock."))
    if locked.expiry_date < clinic_today(locked.clinic):
        raise StockRefused(
            "lot",
            _("Lot %(lot)s expired on %(date)s.")
            % {"lot": locked.lot_number, "date": locked.expiry_date.isoformat()},
        )
    return _record_movement(
        actor, locked, MovementKind.RECEIVED, quantity, timezone.now(), reason, reference
    )


# --- Status: investigation and recall ---------------------------------------------------

# What each status may become; a recall is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    LotStatus.AVAILABLE: frozenset({LotStatus.UNDER_INVESTIGATION, LotStatus.RECALLED}),
    LotStatus.UNDER_INVESTIGATION: frozenset({LotStatus.AVAILABLE, LotStatus.RECALLED}),
    LotStatus.RECALLED: frozenset(),
}


def _check_transition(lot: Lot, status: str) -> None:
    if status not in LotStatus.values:
        raise StockRefused("status", _("Choose available, under investigation or recalled."))
    if lot.status == LotStatus.RECALLED:
        raise StockRefused("status", _("A recalled lot stays recalled."))
    if status == lot.status:
        raise StockRefused(
            "status",
            _("Lot %(lot)s is already %(status)s.")
            % {"lot": lot.lot_number, "status": lot.get_status_display().lower()},
        )


@transaction.atomic
def set_lot_status(actor: Actor, lot: Lot, status: str, reason: str) -> Lot:
    """Marks a lot under investigation, recalled, or releases it from investigation.

    A reason is always required and is shown wherever the lot is refused. A recall is
    final and removes the remaining stock with a "recalled" movement, so the stock on
    hand (the sum of movements) says plainly that nothing may be used; the recalled
    millilitres stay visible in the lot's history. An investigation keeps the stock
    (quarantined: it cannot be drawn) until the lot is released or recalled.
    """
    reason = _text(
        reason, "reason", MAX_REASON, True, _("Give the reason for this change of status.")
    )
    locked = _lock(lot)
    _check_clinic(actor.clinic, locked)
    _check_transition(locked, status)
    before = audit.snapshot(locked, ["status", "status_reason"])
    removed = ZERO_ML
    if status == LotStatus.RECALLED:
        removed = on_hand(locked)
        if removed > 0:
            _record_movement(
                actor, locked, MovementKind.RECALLED, -removed, timezone.now(), reason[:500]
            )
    locked.status = status
    locked.status_reason = reason
    locked.status_changed_at = timezone.now()
    locked.status_changed_by = actor.user
    locked.save(
        update_fields=[
            "status",
            "status_reason",
            "status_changed_at",
            "status_changed_by",
            "updated_at",
        ]
    )
    _sync(lot, locked, "status", "status_reason", "status_changed_at", "status_changed_by")
    audit.record(
        actor,
        AuditAction.UPDATE,
        ObjectType.LOT,
        object_id=locked.pk,
        changes=audit.diff(before, audit.snapshot(locked, ["status", "status_reason"])),
        details={"removed_ml": str(removed)},
        clinic=locked.clinic,
    )
    return locked


def lots_by_ids(clinic: Clinic, ids: Iterable[int]) -> dict[int, Lot]:
    """The clinic's lots among `ids`, by id (another clinic's ids are simply absent)."""
    return {
        lot.pk: lot
        for lot in Lot.objects.for_clinic(clinic).filter(pk__in=list(ids)).select_related("product")
    }
