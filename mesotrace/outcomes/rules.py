"""Outcome logic with no database: units, the drawn side, who may see the treated side,
what a page calls a measured side, and the split-body check of a charted point."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mesotrace.outcomes.models import MeasurementType, Side, SplitBodyAllocation
from mesotrace.treatments.rules.bodymap import region_at

# Entry unit -> (canonical UCUM unit, factor to canonical).
CONVERSIONS: dict[str, tuple[str, float]] = {
    "kg": ("kg", 1.0),
    "[lb_av]": ("kg", 0.45359237),
    "lb": ("kg", 0.45359237),
    "cm": ("cm", 1.0),
    "[in_i]": ("cm", 2.54),
    "in": ("cm", 2.54),
    "mm": ("cm", 0.1),
    "kg/m2": ("kg/m2", 1.0),
    "{score}": ("{score}", 1.0),
    "%": ("%", 1.0),
    "{hairs}/cm2": ("{hairs}/cm2", 1.0),
}
# What charting asks of a point: None when it may be charted, else why not.
PointCheck = Callable[[str, Decimal, Decimal], str | None]


def to_canonical(kind: MeasurementType, value: float, unit: str) -> float:
    """The value in the type's UCUM unit; a unit that does not fit the type is refused."""
    conversion = CONVERSIONS.get((unit or kind.unit).strip())
    if conversion is None or conversion[0] != kind.unit:
        raise ValidationError(
            {
                "unit": _("%(unit)s is not a unit for %(kind)s (use %(canonical)s).")
                % {"unit": repr(unit), "kind": kind.name.lower(), "canonical": kind.unit}
            }
        )
    canonical = float(value) * conversion[1]
    if not kind.minimum <= canonical <= kind.maximum:
        raise ValidationError(
            {
                "value": _(
                    "%(value)s %(unit)s is not a plausible %(kind)s "
                    "(%(minimum)s-%(maximum)s %(unit)s)."
                )
                % {
                    "value": f"{canonical:g}",
                    "unit": kind.unit,
                    "kind": kind.name.lower(),
                    "minimum": f"{kind.minimum:g}",
                    "maximum": f"{kind.maximum:g}",
                }
            }
        )
    return round(canonical, 4)


def show_p(p: float | None) -> str:
    """A p value as a report writes it: three decimals, and "< 0.001" below that, never 0."""
    if p is None or p != p:  # p != p: NaN, an undefined p
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def draw_side() -> str:
    """The treated side, from the operating system's cryptographically secure generator."""
    return str(secrets.choice([Side.LEFT.value, Side.RIGHT.value]))


def sees_treated_side(user: Any, allocation: SplitBodyAllocation) -> bool:
    """With blinding on, only the plan's charting practitioner is shown the treated side."""
    if not allocation.blinding or allocation.revealed_at is not None:
        return True
    practitioner = allocation.plan.practitioner
    return bool(user is not None and practitioner.user_id and practitioner.user_id == user.pk)


def side_label(user: Any, allocation: SplitBodyAllocation | None, side: str) -> str:
    """What a page shows for a measured side: "Left (treated)" or, blinded, just "Left".

    With letter labels on, a blinded viewer sees the coded arm: "Left (side A)".
    """
    if allocation is None or side == Side.NONE:
        return str(Side(side).label)
    if not sees_treated_side(user, allocation):
        if not allocation.side_a:
            return str(Side(side).label)
        letter = "A" if side == allocation.side_a else "B"
        return f"{Side(side).label} (side {letter})"
    role = "treated" if side == allocation.treated_side else "control"
    return f"{Side(side).label} ({role})"


# Screen side -> patient's side. The front view faces the viewer (screen left is the
# patient's right); the back view does not mirror.
def patient_side(view: str, screen_side: str) -> str:
    if not screen_side:
        return Side.NONE
    if view == "front":
        return Side.RIGHT if screen_side == "left" else Side.LEFT
    return screen_side


def control_side_check(allocation: SplitBodyAllocation | None) -> PointCheck:
    """A check of each charted point, refusing the control side of a split-body plan;
    without an allocation (a plan that is not split-body) it allows all."""
    if allocation is None:
        return lambda view, x, y: None

    def check(view: str, x: Decimal, y: Decimal) -> str | None:
        region = region_at(view, x, y)
        if region is None or not region.side:
            return None
        if patient_side(view, region.side) == allocation.control_side:
            return _(
                "This is the untreated control side of a split-body plan: "
                "chart the treated side only."
            )
        return None

    return check
