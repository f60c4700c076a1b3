"""Writes of stock: receiving, drawing for a session, waste, adjustments, returns and recalls.

Every write runs in a transaction, locks the lot's row, and writes its audit row in the
same transaction. Stock on hand is always the sum of the lot's movements. Refusals are
`StockRefused` (a `ValidationError`) naming the field at fault and the reason in words.
"""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.catalogue.models import Product
from mesotrace.core import formats
from mesotrace.core.clock import aware, clinic_today
from mesotrace.inventory.models import (
    MAX_REASON,
    ZERO_ML,
    Lot,
    LotStatus,
    MovementKind,
    StockMovement,
)
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.inventory.rules import (
    MAX_MOVEMENT_REASON,
    MAX_REFERENCE,
    ReceivedAs,
    StockRefused,
    check_transition,
    checked_lot_number,
    checked_quantity,
    checked_reference,
    checked_text,
    draw_problem,
    ml,
    vial_rule,
)

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


def received_reason(clinic: Clinic) -> str:
    """The reason written on a delivery when none is given: in the clinic's language, since
    it is part of the clinic's record, whoever receives the stock."""
    with translation.override(clinic.language):
        return _("Delivery received")


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


# --- Receiving --------------------------------------------------------------------------


# A plausibility bound on a lot's expiry, not a shelf-life claim: a date further away is a
# typing error (9999-12-31) that would keep the lot chartable for ever.
MAX_SHELF_YEARS = 20


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
            "expiry": formats.day(expiry_date)
        }
    elif expiry_date > _latest_expiry(received_on):
        errors["expiry_date"] = _(
            "The expiry date %(expiry)s is more than %(years)s years after receipt: check it."
        ) % {"expiry": formats.day(expiry_date), "years": MAX_SHELF_YEARS}
    return errors


def _latest_expiry(received_on: datetime.date) -> datetime.date:
    try:
        return received_on.replace(year=received_on.year + MAX_SHELF_YEARS)
    except ValueError:  # 29 February
        return received_on.replace(year=received_on.year + MAX_SHELF_YEARS, day=28)


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
        % {"lot": lot_number, "date": formats.day(existing.received_on)}
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
        lambda: values.update(number=checked_lot_number(lot_number)),
        lambda: values.update(quantity=checked_quantity(quantity_ml)),
        lambda: values.update(vial=vial_rule(product, multi_dose, discard_after_hours)),
        lambda: values.update(supplier=checked_text(supplier, "supplier", 200, False, "")),
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
        reason=received_reason(clinic),
        reference=(values["supplier"] or "")[:MAX_REFERENCE],
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        lot,
        changes=audit.diff({}, audit.snapshot(lot, LOT_FIELDS)),
        details={"movement": movement.pk},
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
        movement,
        patient_id=patient_id,
        changes=audit.diff({}, audit.snapshot(movement, MOVEMENT_FIELDS)),
        details={"lot_number": lot.lot_number, **(details or {})},
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
    quantity = checked_quantity(quantity_ml)
    locked = _lock(lot)
    clinic = clinic or actor.clinic or locked.clinic
    on = aware(on, clinic)
    problem = draw_problem(locked, clinic, on, quantity, on_hand(locked), investigation_overridden)
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
        reference=checked_reference(reference),
        patient_id=patient_id,
        details={
            "opened_vial": opened,
            **({"investigation_overridden": True} if lifted else {}),
        },
    )


def _reason(reason: str) -> str:
    return checked_text(
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
    quantity = checked_quantity(quantity_ml)
    reason = _reason(reason)
    reference = checked_reference(reference)
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
    delta = checked_quantity(delta_ml, signed=True)
    reason = _reason(reason)
    reference = checked_reference(reference)
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
    quantity = checked_quantity(quantity_ml)
    reason = checked_text(reason, "reason", MAX_MOVEMENT_REASON, False, "") or received_reason(
        lot.clinic
    )
    reference = checked_reference(reference)
    locked = _lock(lot)
    _check_clinic(actor.clinic, locked)
    if locked.status == LotStatus.RECALLED:
        raise StockRefused("lot", _("A recalled lot cannot take new stock."))
    if locked.expiry_date < clinic_today(locked.clinic):
        raise StockRefused(
            "lot",
            _("Lot %(lot)s expired on %(date)s.")
            % {"lot": locked.lot_number, "date": formats.day(locked.expiry_date)},
        )
    return _record_movement(
        actor, locked, MovementKind.RECEIVED, quantity, timezone.now(), reason, reference
    )


# --- Status: investigation and recall ---------------------------------------------------


@transaction.atomic
def set_lot_status(actor: Actor, lot: Lot, status: str, reason: str) -> Lot:
    """Marks a lot under investigation, recalled, or releases it from investigation.

    A reason is always required and is shown wherever the lot is refused. A recall is
    final and removes the remaining stock with a "recalled" movement, so the stock on
    hand (the sum of movements) says plainly that nothing may be used; the recalled
    millilitres stay visible in the lot's history. An investigation keeps the stock
    (quarantined: it cannot be drawn) until the lot is released or recalled.
    """
    reason = checked_text(
        reason, "reason", MAX_REASON, True, _("Give the reason for this change of status.")
    )
    locked = _lock(lot)
    _check_clinic(actor.clinic, locked)
    check_transition(locked, status)
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
        locked,
        changes=audit.diff(before, audit.snapshot(locked, ["status", "status_reason"])),
        details={"removed_ml": str(removed)},
    )
    return locked


# --- Importing another system's records -----------------------------------------------------


@transaction.atomic
def import_lot(
    actor: Actor,
    clinic: Clinic,
    product: Product,
    lot_number: str,
    expiry_date: datetime.date,
    used_ml: Decimal,
    first_use: datetime.date | None = None,
    received: ReceivedAs | None = None,
) -> tuple[Lot, bool]:
    """The clinic's lot of this product and number, made or matched for imported sessions.

    Imported sessions draw `used_ml` from it (`import_draw`), so the import brings in that
    much first: a matched lot gets an "adjusted" movement of `used_ml`, and the clinic's
    stock on hand is what it was. A new lot is received as the sender says (`received`:
    supplier, date, quantity, vial), else with `used_ml` on the first use; an "adjusted"
    movement then leaves, once the sessions have drawn, the stock the sender had on hand
    (none when it does not say: used up where it came from). An expired or recalled lot is
    accepted, since it is history. Returns the lot and whether it was made.
    """
    number = checked_lot_number(lot_number)
    found = Lot.objects.for_clinic(clinic).filter(product=product, lot_number=number).first()
    today = clinic_today(clinic)
    if found is not None:
        if used_ml > 0:
            _record_movement(
                actor,
                _lock(found),
                MovementKind.ADJUSTED,
                used_ml,
                timezone.now(),
                reason=_("Stock used in sessions imported from another system"),
            )
        return found, False
    given = received or ReceivedAs()
    received_on = given.received_on or min(first_use or today, expiry_date, today)
    lot = Lot(
        clinic=clinic,
        product=product,
        lot_number=number,
        expiry_date=expiry_date,
        supplier=given.supplier,
        received_on=received_on,
        quantity_received_ml=given.quantity_ml or max(used_ml, Decimal("0.001")),
        received_by=actor.user,
        multi_dose=given.multi_dose,
        discard_after_hours=given.discard_after_hours,
        opened_at=given.opened_at,
        status=given.status,
        status_reason=given.status_reason,
        status_changed_at=None if given.status == LotStatus.AVAILABLE else timezone.now(),
    )
    lot.full_clean(exclude=["clinic", "product", "received_by"])
    lot.save()
    movement = StockMovement.objects.create(
        clinic=clinic,
        lot=lot,
        kind=MovementKind.RECEIVED,
        quantity_ml=lot.quantity_received_ml,
        at=_start_of(received_on, clinic),
        by=actor.user,
        reason=_("Imported from another system"),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        lot,
        changes=audit.diff({}, audit.snapshot(lot, LOT_FIELDS)),
        details={"movement": movement.pk, "imported": True},
    )
    left = (given.on_hand_ml or Decimal("0")) + used_ml - lot.quantity_received_ml
    if left:
        _record_movement(
            actor,
            lot,
            MovementKind.ADJUSTED,
            left,
            timezone.now(),
            reason=_("Stock on hand as the system it came from counted it"),
        )
    return lot, True


@transaction.atomic
def import_draw(
    actor: Actor,
    lot: Lot,
    quantity_ml: Decimal,
    on: datetime.datetime,
    reference: str,
    patient_id: int | None = None,
) -> StockMovement:
    """A "used" movement for an imported session: no expiry, status or vial check (the session
    happened), but never below zero, which `import_lot` guarantees."""
    locked = _lock(lot)
    if quantity_ml > on_hand(locked):
        raise StockRefused(
            "quantity_ml",
            _("Lot %(lot)s has only %(left)s mL left.")
            % {"lot": locked.lot_number, "left": ml(on_hand(locked))},
        )
    return _record_movement(
        actor,
        locked,
        MovementKind.USED,
        -quantity_ml,
        aware(on, locked.clinic),
        reference=checked_reference(reference),
        patient_id=patient_id,
        details={"imported": True},
    )
