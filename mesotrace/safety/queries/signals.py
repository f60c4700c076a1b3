"""The clinic's safety signals per compound, product and lot, from its own data.

Sessions come from the exposure counts kept as sessions are charted (`queries.exposure`),
events from SQL (GROUP BY); the measures from the pure functions of `evidence`. Two
views of each (unit, event category) pair: the rate per 1,000 exposed sessions, compared
with the other units (a lot with the other lots of its product), and the reporting 2x2
counted in events: a = events of the category linked to the unit, b = its other events,
c = events of the category not linked to it, d = the rest.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from django.db.models import Count
from django.utils.translation import get_language, pgettext_lazy

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.catalogue.models import Compound, Product
from mesotrace.evidence import rates, signals
from mesotrace.inventory.models import Lot
from mesotrace.outcomes.rules import show_p
from mesotrace.safety.models import AdverseEvent, Category, ExposureCount, ExposureLevel
from mesotrace.safety.queries import exposure
from mesotrace.safety.rules import show

LEVELS: Final = ("compound", "product", "lot")
# What each level is called in the reader's language (the code stays in English files).
LEVEL_NAMES: Final = {
    "compound": pgettext_lazy("signal level", "compound"),
    "product": pgettext_lazy("signal level", "product"),
    "lot": pgettext_lazy("signal level", "lot"),
}
HEADER: Final = [
    "level",
    "unit",
    "category",
    "events",
    "sessions",
    "per_1000",
    "per_1000_lower",
    "per_1000_upper",
    "rate_ratio",
    "rate_ratio_lower",
    "rate_ratio_upper",
    "rate_ratio_p_above",
    "prr",
    "prr_lower",
    "prr_upper",
    "ror",
    "ror_lower",
    "ror_upper",
    "chi_square_yates",
    "evans_signal",
    "ic025",
    "ebgm",
    "eb05",
]


@dataclass(frozen=True)
class SignalRow:
    level: str
    unit_id: int
    unit: str
    group: int  # units compared with each other for the rate ratio (a lot: its product)
    category: str
    a: int
    b: int
    c: int
    d: int
    sessions: int
    values: dict[str, float]

    def cells(self) -> list[str]:
        first: list[str] = [
            str(LEVEL_NAMES[self.level]) if get_language() == "fr" else self.level,
            self.unit,
            str(Category(self.category).label),
            str(self.a),
            str(self.sessions),
        ]
        return first + [_cell(name, self.values[name]) for name in HEADER[5:]]


def _cell(name: str, value: float) -> str:
    """A p value below 0.001 reads "< 0.001", never 0; every other number through `show`."""
    if name.endswith("_p_above") and math.isfinite(value):
        return show_p(value)
    return show(value)


# --- Counts (SQL) -------------------------------------------------------------------------


def _events(clinic: Clinic, through: Any, key: str) -> dict[tuple[int, str], int]:
    # An event is linked to a lot (product) once at most, so COUNT needs no DISTINCT, which
    # lets PostgreSQL hash the groups instead of sorting every link.
    rows = (
        through.objects.filter(adverseevent__clinic=clinic)
        .values(key, "adverseevent__category")
        .annotate(n=Count("adverseevent_id"))
        .order_by()
    )
    return {(row[key], row["adverseevent__category"]): row["n"] for row in rows}


def _compound_events(clinic: Clinic) -> dict[tuple[int, str], int]:
    through = AdverseEvent.products.through
    rows = (
        through.objects.filter(adverseevent__clinic=clinic, product__components__isnull=False)
        .values("product__components__compound_id", "adverseevent__category")
        .annotate(n=Count("adverseevent_id", distinct=True))
        .order_by()
    )
    return {
        (row["product__components__compound_id"], row["adverseevent__category"]): row["n"]
        for row in rows
    }


def _names(clinic: Clinic, level: str, ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    """Each unit's name and comparison group (`ids`: the units with exposure)."""
    wanted: Any = list(ids)
    if level != "compound":  # the same units, without sending thousands of ids
        counted = ExposureCount.objects.for_clinic(clinic).filter(level=level)
        wanted = counted.values("unit_id")
    if level == "lot":
        lots = Lot.objects.filter(pk__in=wanted).select_related("product")
        return {lot.pk: (f"{lot.product.name} · {lot.lot_number}", lot.product_id) for lot in lots}
    model = Product if level == "product" else Compound
    return {
        pk: (name, 0) for pk, name in model.objects.filter(pk__in=wanted).values_list("pk", "name")
    }


# --- Measures (numpy) ---------------------------------------------------------------------


def unit_counts(clinic: Clinic, level: str) -> tuple[dict[int, int], dict[tuple[int, str], int]]:
    """Sessions per unit of the level, and events per (unit, category)."""
    if level == "lot":
        return exposure.sessions_per(clinic, ExposureLevel.LOT), _events(
            clinic, AdverseEvent.lots.through, "lot_id"
        )
    if level == "product":
        return exposure.sessions_per(clinic, ExposureLevel.PRODUCT), _events(
            clinic, AdverseEvent.products.through, "product_id"
        )
    return exposure.sessions_per_compound(clinic), _compound_events(clinic)


def level_rows(clinic: Clinic, level: str, totals: dict[str, int]) -> list[SignalRow]:
    """One row per (unit, category) for the categories the clinic has events of."""
    sessions, events = unit_counts(clinic, level)
    names = _names(clinic, level, sessions)
    all_events = sum(totals.values())
    per_unit: dict[int, int] = defaultdict(int)
    for (unit, _category), n in events.items():
        per_unit[unit] += n
    units, categories = sorted(names), sorted(totals)
    keys = [(u, cat) for u in units for cat in categories]
    if not keys:
        return []
    per_category = len(categories)
    a = np.array([events.get(key, 0) for key in keys], dtype=float)
    b = np.repeat(np.array([per_unit[u] for u in units], dtype=float), per_category) - a
    c = np.tile(np.array([totals[cat] for cat in categories], dtype=float), len(units)) - a
    d = all_events - a - b - c
    t = np.repeat(np.array([sessions.get(u, 0) for u in units], dtype=float), per_category)
    values = _measures(a, b, c, d, t)
    # A unit is compared with the other units of its group (a lot: its product's other
    # lots), within one event category: one stratum per (group, category).
    _, group = np.unique([names[u][1] for u in units], return_inverse=True)
    strata = np.repeat(group, per_category) * per_category + np.tile(
        np.arange(per_category), len(units)
    )
    ratio = rates.compare_within(a, t, strata)
    values.update(
        rate_ratio=ratio.ratio,
        rate_ratio_lower=ratio.lower,
        rate_ratio_upper=ratio.upper,
        rate_ratio_p_above=ratio.p_above,
    )
    measures = list(values)
    per_row = zip(*(series.tolist() for series in values.values()), strict=True)
    cells = zip(*(x.astype(int).tolist() for x in (a, b, c, d, t)), strict=True)
    shown = [dict(zip(measures, row, strict=True)) for row in per_row]
    # In SignalRow's order: level, the unit's id, name and group, category, a, b, c, d, sessions.
    return [
        SignalRow(level, u, *names[u], cat, ka, kb, kc, kd, kt, row)
        for (u, cat), (ka, kb, kc, kd, kt), row in zip(keys, cells, shown, strict=True)
    ]


def _measures(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, t: np.ndarray
) -> dict[str, Any]:
    rate = rates.incidence(a, t)
    prr = signals.prr(a, b, c, d)
    ror = signals.ror(a, b, c, d)
    chi = signals.chi_square(a, b, c, d)
    evans = signals.evans(a, b, c, d)
    ic = signals.information_component(a, b, c, d)
    mgps = signals.mgps(a, b, c, d)
    return {
        "per_1000": rate.rate,
        "per_1000_lower": rate.lower,
        "per_1000_upper": rate.upper,
        "prr": prr.estimate,
        "prr_lower": prr.lower,
        "prr_upper": prr.upper,
        "ror": ror.estimate,
        "ror_lower": ror.lower,
        "ror_upper": ror.upper,
        "chi_square_yates": chi.yates,
        "evans_signal": evans.signal,
        "ic025": ic.ic025,
        "ebgm": mgps.scores.ebgm,
        "eb05": mgps.scores.eb05,
    }


def category_totals(clinic: Clinic) -> dict[str, int]:
    """The clinic's events per category."""
    return dict(
        AdverseEvent.objects.for_clinic(clinic)
        .values_list("category")
        .annotate(n=Count("id"))
        .order_by()
    )


def clinic_signals(clinic: Clinic) -> dict[str, list[SignalRow]]:
    """Rows per level (compound, product, lot) for the clinic's event categories."""
    totals = category_totals(clinic)
    return {level: level_rows(clinic, level, totals) for level in LEVELS}


def export_signals(actor: Actor, clinic: Clinic) -> dict[str, list[SignalRow]]:
    """`clinic_signals` for a file, its export audited with the number of rows."""
    levels = clinic_signals(clinic)
    count = sum(len(rows) for rows in levels.values())
    audit.record(actor, AuditAction.EXPORT, ObjectType.SAFETY_SIGNALS, details={"rows": count})
    return levels
