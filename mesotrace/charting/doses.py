"""A session's dose of each compound against the catalogue's maximum dose per session.

Only compounds whose catalogue entry gives a maximum are checked. A maximum in mL
(the Kybella label's "10 mL per session") is compared with the volume of the products
containing the compound; one in mg, g, µg or IU with the amount injected, from each
product's stated concentration. When a product does not state the concentration, the
amount cannot be known, and the session is refused rather than passed unchecked. A
maximum in a unit this module cannot compute (e.g. per kg) is shown, not enforced.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.utils.translation import gettext as _

from mesotrace.catalogue.models import Compound, ConcentrationUnit, Product, ProductComponent

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
