"""The stock's rules, without the database: volumes to the microlitre, when a lot may be
drawn from, which status a lot may take next, what a vial's discard rule is, and how far
a recall campaign has got. Refusals are `StockRefused`, naming the field at fault.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import Presentation, Product
from mesotrace.core import formats
from mesotrace.core.clock import local_date
from mesotrace.inventory.models import (
    MAX_DISCARD_HOURS,
    MAX_QUANTITY_ML,
    ML_PLACES,
    ZERO_ML,
    ContactOutcome,
    Lot,
    LotStatus,
    RecallContact,
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

# What each status may become; a recall is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    LotStatus.AVAILABLE: frozenset({LotStatus.UNDER_INVESTIGATION, LotStatus.RECALLED}),
    LotStatus.UNDER_INVESTIGATION: frozenset({LotStatus.AVAILABLE, LotStatus.RECALLED}),
    LotStatus.RECALLED: frozenset(),
}


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


# --- Volumes and words ------------------------------------------------------------------


def ml(value: Decimal) -> str:
    """A volume for people: 0.400 -> "0.4", 100.000 -> "100"."""
    return format(value.normalize(), "f") if value else "0"


def annotated_on_hand(lot: Lot) -> Decimal:
    """The on-hand figure a `with_on_hand()` queryset read with the lot."""
    return Decimal(getattr(lot, "on_hand_ml", ZERO_ML) or ZERO_ML).quantize(ML)


def checked_quantity(value: Any, field: str = "quantity_ml", signed: bool = False) -> Decimal:
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


def checked_text(value: str, field: str, limit: int, required: bool, missing: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise StockRefused(field, missing)
    if len(text) > limit:
        raise StockRefused(field, _("At most %(n)s characters.") % {"n": limit})
    return text


def checked_reference(value: str) -> str:
    return checked_text(value, "reference", MAX_REFERENCE, False, "")


def checked_lot_number(value: str) -> str:
    number = " ".join((value or "").split())
    if not number:
        raise StockRefused("lot_number", _("Give the lot number printed on the pack."))
    if len(number) > MAX_LOT_NUMBER:
        raise StockRefused("lot_number", _("At most %(n)s characters.") % {"n": MAX_LOT_NUMBER})
    return number


def vial_rule(
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


# --- Drawing from a lot -----------------------------------------------------------------


def _show_time(when: datetime.datetime, clinic: Clinic) -> str:
    return formats.moment(when, clinic.timezone)


def draw_problem(
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
            "date": formats.day(lot.expiry_date),
        }
    if day < lot.received_on:
        return "lot", _("Lot %(lot)s was received on %(date)s, after this session.") % {
            **names,
            "date": formats.day(lot.received_on),
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


def check_transition(lot: Lot, status: str) -> None:
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


# --- Recall campaigns -------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    attempted: int
    reached: int
    symptoms: int

    @property
    def pending(self) -> int:
        return self.total - self.reached


def progress(contacts: Sequence[RecallContact]) -> Progress:
    return Progress(
        total=len(contacts),
        attempted=sum(1 for c in contacts if c.attempts),
        reached=sum(1 for c in contacts if c.contacted),
        symptoms=sum(1 for c in contacts if c.outcome == ContactOutcome.REACHED_SYMPTOMS),
    )


@dataclass(frozen=True)
class ReceivedAs:
    """How the sending system received and holds a lot; None where it does not say."""

    supplier: str = ""
    received_on: datetime.date | None = None
    quantity_ml: Decimal | None = None
    on_hand_ml: Decimal | None = None
    multi_dose: bool = False
    discard_after_hours: int | None = None
    opened_at: datetime.datetime | None = None
    status: str = "available"
    status_reason: str = ""
