"""Charting's rules, with no database: a session's doses against the catalogue's maxima, the
checks of each point and mix of a payload, owners' lot overrides, and what an amendment may
correct.

Doses: a drug's label limits (`DoseLimit`: mg per session, mg/kg with a ceiling, mg per
injection, injections per session) are checked on the amount of the drug summed over every
product, syringe and point of the session, from each product's strength. A limit per kg
needs a body weight recorded in the WEIGHT_WINDOW_DAYS before the session. A product whose
strength is not recorded is refused for a limited drug unless an owner overrides it with a
reason. A clinic's own compound may still give a single maximum per session in mL, mg, g,
µg or IU (`Compound.max_dose_per_session`), checked the same way.

Overrides: only a lot under investigation can be overridden (a recalled or expired lot
never), only by an owner, only with a reason; every other check of the lot (expiry,
receipt, opened vial, stock) still applies.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from mesotrace.accounts.access import Actor
from mesotrace.catalogue.models import (
    DEPTH_MAX_MM,
    DEPTH_MIN_MM,
    BodyZone,
    Compound,
    ConcentrationUnit,
    DoseLimit,
    DoseLimitKind,
    Epinephrine,
    Product,
    ProductComponent,
    Protocol,
)
from mesotrace.charting.models import SessionAmendment
from mesotrace.charting.schemas import DoseOverrideIn, InjectionIn, LotOverrideIn, SessionIn
from mesotrace.inventory.models import Lot, LotStatus
from mesotrace.treatments.models import Appointment
from mesotrace.treatments.rules.bodymap import region_at

MAX_REASON = 2000
# What an amendment may correct. Volumes, products and lots drew stock and are what a
# recall traces: they are corrected with a stock movement, not by editing the chart.
AMENDABLE_SESSION = [
    "anaesthetic",
    "anaesthetic_note",
    "pain_score",
    "immediate_reactions",
    "notes",
    "charges",
]
AMENDABLE_INJECTION = ["depth_mm", "needle_gauge", "needle_length_mm", "technique"]
NOT_AMENDABLE = _lazy(
    "This cannot be amended. Volumes, products and lots drew stock: correct them with a "
    "stock adjustment on the lot and explain it in the session's notes."
)
OVERRIDE_PERMISSION = "lot.override_investigation"
HOW_TO_OVERRIDE = _lazy(
    "Only an owner can override this, for one session, with a reason; otherwise choose another lot."
)


class Refusal(dict[str, str]):
    """Field errors gathered across a whole request, so every problem is reported at once."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError({field: [message] for field, message in self.items()})


def fingerprint(payload: SessionIn) -> str:
    """A hash of what was submitted, to tell a retry from a different session under one key."""
    # Without overrides the body hashes as it did before overrides existed.
    skip = {"idempotency_key"} | (set() if payload.lot_overrides else {"lot_overrides"})
    skip |= set() if payload.dose_overrides else {"dose_overrides"}
    body = payload.model_dump(mode="json", exclude=skip)
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def performed_at(appointment: Appointment) -> datetime.datetime:
    """When the injections happened: the appointment's start, or now if the patient is early."""
    return min(appointment.starts_at, timezone.now())


def depth_range(protocol: Protocol) -> tuple[Decimal, Decimal]:
    """The protocol's depth range where it gives one, else the technique's 0.5-13 mm."""
    low = protocol.depth_mm_min if protocol.depth_mm_min is not None else DEPTH_MIN_MM
    high = protocol.depth_mm_max if protocol.depth_mm_max is not None else DEPTH_MAX_MM
    return low, high


# --- A payload's points and mixes --------------------------------------------------------


@dataclass
class Catalogue:
    """The rows a payload names, read once for the whole session."""

    zones: dict[str, BodyZone]
    products: dict[int, Product]
    lots: dict[int, Lot]
    components: dict[int, list[ProductComponent]]


def _point_errors(
    injection: InjectionIn, at: str, found: Catalogue, errors: Refusal
) -> BodyZone | None:
    region = region_at(injection.view, injection.x, injection.y)
    if region is None:
        errors.add(
            f"{at}.x",
            _("This point is outside the body zones of the %(view)s map.")
            % {"view": injection.view},
        )
        return None
    zone = found.zones.get(injection.zone or region.zone)
    if zone is None:
        errors.add(f"{at}.zone", _("Unknown body zone “%(zone)s”.") % {"zone": injection.zone})
        return None
    if zone.slug != region.zone:
        errors.add(
            f"{at}.zone",
            _("The point is on the %(region)s, not the %(zone)s.")
            % {"region": found.zones[region.zone].name.lower(), "zone": zone.name.lower()},
        )
        return None
    return zone


def _technique_errors(
    injection: InjectionIn, at: str, depths: tuple[Decimal, Decimal], errors: Refusal
) -> None:
    low, high = depths
    if not low <= injection.depth_mm <= high:
        errors.add(
            f"{at}.depth_mm",
            _("%(depth)s mm is outside the protocol's depth range, %(low)s to %(high)s mm.")
            % {"depth": injection.depth_mm, "low": low, "high": high},
        )
    elif injection.depth_mm > injection.needle_length_mm:
        errors.add(
            f"{at}.depth_mm",
            _("%(depth)s mm is deeper than the %(length)s mm needle.")
            % {"depth": injection.depth_mm, "length": injection.needle_length_mm},
        )


def _mix_errors(injection: InjectionIn, at: str, found: Catalogue, errors: Refusal) -> None:
    seen: set[int] = set()
    for index, component in enumerate(injection.components):
        here = f"{at}.components.{index}"
        product = found.products.get(component.product_id)
        lot = found.lots.get(component.lot_id)
        if product is None:
            errors.add(f"{here}.product_id", _("No product with this id in the catalogue here."))
        elif component.product_id in seen:
            errors.add(f"{here}.product_id", _("This product is already in the syringe."))
        if lot is None:
            errors.add(
                f"{here}.lot_id",
                _("No lot with id %(id)s in this clinic.") % {"id": component.lot_id},
            )
        elif product is not None and lot.product_id != product.pk:
            errors.add(
                f"{here}.lot_id",
                _("Lot %(lot)s is of %(other)s, not %(product)s.")
                % {"lot": lot.lot_number, "other": lot.product.name, "product": product.name},
            )
        seen.add(component.product_id)


def point_errors(
    payload: SessionIn,
    protocol: Protocol,
    found: Catalogue,
    control_side: Callable[[str, Decimal, Decimal], str | None],
) -> tuple[Refusal, dict[int, BodyZone]]:
    """Every point's zone, technique and mix (`control_side` refuses a split-body plan's
    untreated side): the refusals by field, and the zone of each point found."""
    errors = Refusal()
    depths = depth_range(protocol)
    zones: dict[int, BodyZone] = {}
    for index, injection in enumerate(payload.injections):
        at = f"injections.{index}"
        zone = _point_errors(injection, at, found, errors)
        if zone is not None:
            zones[index] = zone
            if problem := control_side(injection.view, injection.x, injection.y):
                errors.add(f"{at}.x", problem)
        _technique_errors(injection, at, depths, errors)
        _mix_errors(injection, at, found, errors)
    return errors, zones


def lot_totals(payload: SessionIn) -> dict[int, tuple[Decimal, str]]:
    """Total volume per lot, with the first field that names the lot (for errors)."""
    totals: dict[int, tuple[Decimal, str]] = {}
    for i, injection in enumerate(payload.injections):
        for c, component in enumerate(injection.components):
            field = f"injections.{i}.components.{c}.lot_id"
            volume, first = totals.get(component.lot_id, (Decimal("0"), field))
            totals[component.lot_id] = (volume + component.volume_ml, first)
    return totals


def totals_by_lot(payload: SessionIn, found: Catalogue) -> list[dict[str, Any]]:
    return [
        {
            "lot": lot_id,
            "lot_number": found.lots[lot_id].lot_number,
            "product": found.lots[lot_id].product_id,
            "volume_ml": str(volume),
        }
        for lot_id, (volume, _field) in sorted(lot_totals(payload).items())
    ]


# --- Owners' overrides of a lot under investigation -------------------------------------


def _lot_error(item: LotOverrideIn, lot: Lot | None, used: Collection[int]) -> str | None:
    if lot is None or item.lot_id not in used:
        return _("This session uses no lot with id %(id)s.") % {"id": item.lot_id}
    if lot.status != LotStatus.UNDER_INVESTIGATION:
        return _("Lot %(lot)s is %(status)s: only a lot under investigation can be overridden.") % {
            "lot": lot.lot_number,
            "status": lot.get_status_display().lower(),
        }
    return None


def overridden_lots(actor: Actor, payload: SessionIn, lots: Mapping[int, Lot]) -> frozenset[int]:
    """The ids of the lots the payload's overrides allow; refuses a bad override outright."""
    if not payload.lot_overrides:
        return frozenset()
    membership = actor.membership
    if membership is None or not membership.may(OVERRIDE_PERMISSION):
        raise ValidationError(
            {
                "lot_overrides": _(
                    "Only an owner can chart with a lot under investigation; ask the owner, "
                    "or choose another lot."
                )
            }
        )
    used = {c.lot_id for i in payload.injections for c in i.components}
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(payload.lot_overrides):
        problem = _lot_error(item, lots.get(item.lot_id), used)
        if problem:
            errors[f"lot_overrides.{index}.lot_id"] = [problem]
        if not item.reason.strip():
            errors[f"lot_overrides.{index}.reason"] = [
                _("Give the reason for charting with this lot while it is under investigation.")
            ]
    if errors:
        raise ValidationError(errors)
    return frozenset(item.lot_id for item in payload.lot_overrides)


# --- Amendments -------------------------------------------------------------------------


def amendable(key: str) -> bool:
    """A session field an amendment may correct, or "injections.<point>.<field>"."""
    if key in AMENDABLE_SESSION:
        return True
    parts = key.split(".")
    return len(parts) == 3 and parts[0] == "injections" and parts[2] in AMENDABLE_INJECTION


def original_values(amendments: Iterable[SessionAmendment]) -> dict[str, Any]:
    """Each amended field's value as first charted: the earliest amendment's "before"."""
    original: dict[str, Any] = {}
    for amendment in sorted(amendments, key=lambda a: (a.at, a.pk)):
        for name, change in amendment.changes.items():
            original.setdefault(name, change.get("before"))
    return original


# --- Doses ------------------------------------------------------------------------------

# Mass units in mg; "IU" is its own dimension.
_MASS_MG = {"mg": Decimal("1"), "g": Decimal("1000"), "mcg": Decimal("0.001"),
            "µg": Decimal("0.001"), "ug": Decimal("0.001")}  # fmt: skip
# A concentration as (amount per mL, dimension): % w/v is grams per 100 mL, 10 mg/mL per %.
_PER_ML = {
    ConcentrationUnit.MG_PER_ML: (Decimal("1"), "mg"),
    ConcentrationUnit.PERCENT: (Decimal("10"), "mg"),
    ConcentrationUnit.IU_PER_ML: (Decimal("1"), "IU"),
}


def dimension(unit: str) -> str | None:
    """ "mL", "mg" (mass) or "IU" for a maximum's unit; None when it cannot be computed."""
    clean = unit.strip()
    if clean.lower() == "ml":
        return "mL"
    if clean.lower() in _MASS_MG or clean in _MASS_MG:
        return "mg"
    if clean.lower() == "iu":
        return "IU"
    return None


def _limit(compound: Compound) -> Decimal:
    """The maximum in mL, mg or IU."""
    assert compound.max_dose_per_session is not None
    unit = compound.max_dose_unit.strip()
    factor = _MASS_MG.get(unit.lower(), _MASS_MG.get(unit, Decimal("1")))
    return compound.max_dose_per_session * (factor if dimension(unit) == "mg" else Decimal("1"))


def _amount(row: ProductComponent, volume_ml: Decimal, wanted: str) -> Decimal | None:
    if wanted == "mL":
        return volume_ml
    if row.concentration is None or row.unit not in _PER_ML:
        return None
    per_ml, dim = _PER_ML[ConcentrationUnit(row.unit)]
    if dim != wanted:
        return None
    return volume_ml * row.concentration * per_ml


def dose_problems(
    used: Iterable[tuple[int, Decimal]],
    components: Mapping[int, Sequence[ProductComponent]],
    products: Mapping[int, Product],
) -> list[str]:
    """Why the session's doses are refused, one sentence per compound; empty when they pass."""
    volume_by_product: dict[int, Decimal] = defaultdict(Decimal)
    for product_id, volume in used:
        volume_by_product[product_id] += volume
    totals: dict[int, Decimal] = defaultdict(Decimal)
    unknown: dict[int, list[str]] = defaultdict(list)
    compounds: dict[int, Compound] = {}
    for product_id, volume in volume_by_product.items():
        for row in components.get(product_id, []):
            compound = row.compound
            wanted = dimension(compound.max_dose_unit)
            if compound.max_dose_per_session is None or wanted is None:
                continue
            compounds[compound.pk] = compound
            amount = _amount(row, volume, wanted)
            if amount is None:
                unknown[compound.pk].append(products[product_id].name)
            else:
                totals[compound.pk] += amount
    return [
        *(_unknown(compounds[pk], names) for pk, names in sorted(unknown.items())),
        *(
            _over(compounds[pk], total)
            for pk, total in sorted(totals.items())
            if pk not in unknown and total > _limit(compounds[pk])
        ),
    ]


def _over(compound: Compound, total: Decimal) -> str:
    unit = "mL" if dimension(compound.max_dose_unit) == "mL" else dimension(compound.max_dose_unit)
    return _(
        "%(compound)s: %(total)s %(unit)s in this session, above the catalogue's maximum of "
        "%(max)s %(max_unit)s per session. %(note)s"
    ) % {
        "compound": compound.name,
        "total": _number(total),
        "unit": unit,
        "max": _number(compound.max_dose_per_session or Decimal("0")),
        "max_unit": compound.max_dose_unit,
        "note": compound.max_dose_note,
    }


def _unknown(compound: Compound, products: list[str]) -> str:
    return _(
        "%(compound)s has a maximum of %(max)s %(unit)s per session, but the strength of "
        "%(products)s is not recorded, so the dose cannot be checked. Chart a product whose "
        "strength the catalogue gives."
    ) % {
        "compound": compound.name,
        "max": _number(compound.max_dose_per_session or Decimal("0")),
        "unit": compound.max_dose_unit,
        "products": ", ".join(sorted(set(products))),
    }


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _local(value: Decimal) -> str:
    """A number as the reader writes it: 78,4 in French."""
    return _number(value).replace(".", str(get_format("DECIMAL_SEPARATOR")))


# --- Dose limits in drug amount ---------------------------------------------------------

# A body weight older than this does not count for a limit per kg: courses for fat loss
# change the weight, and a month covers the usual interval between sessions.
WEIGHT_WINDOW_DAYS = 30
# The chart page warns from this share of a limit on.
WARN_AT = Decimal("0.8")
DOSE_OVERRIDE_PERMISSION = "dose.override_unknown_strength"


@dataclass(frozen=True)
class Weight:
    kg: Decimal
    on: datetime.date


def mg_per_ml(row: ProductComponent) -> Decimal | None:
    """A component's strength in mg/mL, or None when it is not recorded or not a mass."""
    if row.concentration is None or row.unit not in _PER_ML:
        return None
    per_ml, dim = _PER_ML[ConcentrationUnit(row.unit)]
    return row.concentration * per_ml if dim == "mg" else None


@dataclass
class DrugUse:
    """One limited drug in a session: its amount over every product, syringe and point."""

    compound: Compound
    limits: list[DoseLimit]
    total_mg: Decimal = Decimal("0")
    points: int = 0
    point_mg: dict[int, Decimal] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    plain: bool = False
    with_epinephrine: bool = False
    strengths: dict[str, Decimal] = field(default_factory=dict)  # product name: mg/mL

    def applying(self) -> list[DoseLimit]:
        return [lim for lim in self.limits if lim.applies(self.plain, self.with_epinephrine)]


def _add_component(
    use: DrugUse, product: Product, row: ProductComponent, ml: Decimal, at: int
) -> None:
    if product.contains_epinephrine:
        use.with_epinephrine = True
    else:
        use.plain = True
    strength = mg_per_ml(row)
    if strength is None:
        use.unknown.add(product.name)
        return
    use.strengths[product.name] = strength
    use.total_mg += ml * strength
    use.point_mg[at] = use.point_mg.get(at, Decimal("0")) + ml * strength


def drug_uses(payload: SessionIn, found: Catalogue) -> dict[int, DrugUse]:
    """Every drug with a dose limit that the payload injects, keyed by compound id."""
    uses: dict[int, DrugUse] = {}
    for index, injection in enumerate(payload.injections):
        here: set[int] = set()
        for component in injection.components:
            product = found.products.get(component.product_id)
            for row in found.components.get(component.product_id, []) if product else []:
                limits = list(row.compound.dose_limits.all())
                if not limits:
                    continue
                use = uses.setdefault(row.compound_id, DrugUse(row.compound, limits))
                assert product is not None
                _add_component(use, product, row, component.volume_ml, index)
                here.add(row.compound_id)
        for compound_id in here:
            uses[compound_id].points += 1
    return uses


def limit_mg(limit: DoseLimit, weight: Weight | None) -> Decimal | None:
    """The limit in mg (or injections) for this patient; None when it needs a weight."""
    if limit.kind != DoseLimitKind.PER_KG:
        return limit.amount
    if weight is None:
        return None
    by_weight = limit.amount * weight.kg
    return min(by_weight, limit.ceiling_mg) if limit.ceiling_mg is not None else by_weight


def describe_limit(limit: DoseLimit, weight: Weight | None) -> str:
    """The limit in the label's terms, e.g. "4.5 mg/kg for 50 kg, at most 300 mg, without
    epinephrine"."""
    amount = _local(limit.amount)
    if limit.kind == DoseLimitKind.PER_KG and weight is not None:
        text = _("%(amount)s mg/kg for %(kg)s kg, at most %(ceiling)s mg") % {
            "amount": amount,
            "kg": _local(weight.kg),
            "ceiling": _local(limit.ceiling_mg or Decimal("0")),
        }
    elif limit.kind == DoseLimitKind.PER_KG:
        text = _("%(amount)s mg/kg, at most %(ceiling)s mg") % {
            "amount": amount,
            "ceiling": _local(limit.ceiling_mg or Decimal("0")),
        }
    elif limit.kind == DoseLimitKind.INJECTIONS:
        text = _("%(amount)s injections per session") % {"amount": amount}
    elif limit.kind == DoseLimitKind.PER_INJECTION:
        text = _("%(amount)s mg per injection") % {"amount": amount}
    else:
        text = _("%(amount)s mg per session") % {"amount": amount}
    if limit.epinephrine != Epinephrine.ANY:
        text = f"{text}, {limit.get_epinephrine_display()}"
    source = limit.source.title if limit.source else _("unverified")
    return f"{text}; {source}"


def in_ml(use: DrugUse, mg: Decimal) -> str:
    """An amount of the drug as mL of each product used: "11.25 mL of Lidocaine 2%"."""
    return _(" or ").join(
        _("%(ml)s mL of %(product)s") % {"ml": _number(_round(mg / strength)), "product": name}
        for name, strength in sorted(use.strengths.items())
    )


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.001")).normalize()


def _unknown_strength(use: DrugUse) -> str:
    return _(
        "%(drug)s has a dose limit, but the strength of %(products)s is not recorded, so the "
        "amount charted cannot be checked. Chart a product whose strength the catalogue "
        "gives, or an owner may override this with a reason."
    ) % {"drug": use.compound.name, "products": ", ".join(sorted(use.unknown))}


def _needs_weight(use: DrugUse, limit: DoseLimit) -> str:
    return _(
        "%(drug)s: its limit depends on body weight (%(rule)s), and no body weight was "
        "recorded in the %(days)s days before this session. Record the patient's weight first."
    ) % {
        "drug": use.compound.name,
        "rule": describe_limit(limit, None),
        "days": WEIGHT_WINDOW_DAYS,
    }


def _over_limit(use: DrugUse, limit: DoseLimit, weight: Weight | None, most: Decimal) -> str | None:
    rule = describe_limit(limit, weight)
    name = use.compound.name
    if limit.kind == DoseLimitKind.INJECTIONS:
        if use.points <= most:
            return None
        return _("%(drug)s: %(n)s injections charted, above the limit of %(rule)s.") % {
            "drug": name,
            "n": use.points,
            "rule": rule,
        }
    if limit.kind == DoseLimitKind.PER_INJECTION:
        over = [(at, mg) for at, mg in sorted(use.point_mg.items()) if mg > most]
        if not over:
            return None
        at, mg = over[0]
        return _(
            "%(drug)s: %(mg)s mg at point %(point)s, above the limit of %(rule)s. That limit is "
            "%(ml)s per injection."
        ) % {"drug": name, "mg": _number(_round(mg)), "point": at + 1, "rule": rule,
             "ml": in_ml(use, most)}  # fmt: skip
    if use.total_mg <= most:
        return None
    return _(
        "%(drug)s: %(total)s mg charted in this session, above the limit of %(limit)s mg "
        "(%(rule)s). That limit is %(ml)s."
    ) % {"drug": name, "total": _number(_round(use.total_mg)), "limit": _number(_round(most)),
         "rule": rule, "ml": in_ml(use, most)}  # fmt: skip


def limit_problems(
    uses: Mapping[int, DrugUse], weight: Weight | None, overridden: Collection[int]
) -> list[str]:
    """Why the session's drug amounts are refused, one sentence per limit broken."""
    problems: list[str] = []
    for compound_id, use in sorted(uses.items()):
        if use.unknown and compound_id not in overridden:
            problems.append(_unknown_strength(use))
            continue
        for limit in use.applying():
            most = limit_mg(limit, weight)
            problem = (
                _needs_weight(use, limit) if most is None else _over_limit(use, limit, weight, most)
            )
            if problem:
                problems.append(problem)
    return problems


def dose_overrides(
    actor: Actor, overrides: Sequence[DoseOverrideIn], uses: Mapping[int, DrugUse]
) -> frozenset[int]:
    """The compounds whose unknown strength an owner overrode; refuses a bad override."""
    if not overrides:
        return frozenset()
    membership = actor.membership
    if membership is None or not membership.may(DOSE_OVERRIDE_PERMISSION):
        raise ValidationError(
            {"dose_overrides": _("Only an owner can chart a product whose strength is unknown.")}
        )
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(overrides):
        use = uses.get(item.compound_id)
        if use is None or not use.unknown:
            errors[f"dose_overrides.{index}.compound_id"] = [
                _("This session charts no product of unknown strength of a limited drug %(id)s.")
                % {"id": item.compound_id}
            ]
        if not item.reason.strip():
            errors[f"dose_overrides.{index}.reason"] = [
                _("Give the reason for charting a product whose strength is unknown.")
            ]
    if errors:
        raise ValidationError(errors)
    return frozenset(item.compound_id for item in overrides)
