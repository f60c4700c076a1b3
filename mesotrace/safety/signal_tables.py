"""The clinic's safety signals per compound, product and lot, from its own data.

Counts come from SQL (GROUP BY); the measures from the pure functions of `evidence`. Two
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

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import Compound, Product
from mesotrace.charting.models import InjectionComponent
from mesotrace.evidence import rates, signals
from mesotrace.inventory.models import Lot
from mesotrace.safety.models import AdverseEvent
from mesotrace.safety.terms import Category

LEVELS: Final = ("compound", "product", "lot")
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
            self.level,
            self.unit,
            str(Category(self.category).label),
            str(self.a),
            str(self.sessions),
        ]
        return first + [show(self.values[name]) for name in HEADER[5:]]


def show(value: float) -> str:
    """A number as the page and CSV show it: infinite and undefined said as such."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "infinite" if value > 0 else "-infinite"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


# --- Counts (SQL) -------------------------------------------------------------------------


def _sessions(clinic: Clinic, key: str) -> dict[int, int]:
    rows = (
        InjectionComponent.objects.for_clinic(clinic)
        .exclude(**{f"{key}__isnull": True})
        .values(key)
        .annotate(n=Count("injection__session_id", distinct=True))
        .order_by()
    )
    return {row[key]: row["n"] for row in rows}


def _compound_sessions(clinic: Clinic) -> dict[int, int]:
    rows = (
        InjectionComponent.objects.for_clinic(clinic)
        .filter(product__components__isnull=False)
        .values("product__components__compound_id")
        .annotate(n=Count("injection__session_id", distinct=True))
        .order_by()
    )
    return {row["product__components__compound_id"]: row["n"] for row in rows}


def _events(clinic: Clinic, through: Any, key: str) -> dict[tuple[int, str], int]:
    rows = (
        through.objects.filter(adverseevent__clinic=clinic)
        .values(key, "adverseevent__category")
        .annotate(n=Count("adverseevent_id", distinct=True))
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


def _names(level: str, ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    """Each unit's name and comparison group."""
    wanted = list(ids)
    if level == "lot":
        return {
            lot.pk: (f"{lot.product.name} · {lot.lot_number}", lot.product_id)
            for lot in Lot.objects.filter(pk__in=wanted).select_related("product")
        }
    model = Product if level == "product" else Compound
    return {
        pk: (name, 0) for pk, name in model.objects.filter(pk__in=wanted).values_list("pk", "name")
    }


# --- Measures (numpy) ---------------------------------------------------------------------


def _units(clinic: Clinic, level: str) -> tuple[dict[int, int], dict[tuple[int, str], int]]:
    if level == "lot":
        return _sessions(clinic, "lot_id"), _events(clinic, AdverseEvent.lots.through, "lot_id")
    if level == "product":
        return _sessions(clinic, "product_id"), _events(
            clinic, AdverseEvent.products.through, "product_id"
        )
    return _compound_sessions(clinic), _compound_events(clinic)


def _rate_ratios(
    units: list[int], groups: list[int], k: np.ndarray, t: np.ndarray
) -> dict[str, np.ndarray]:
    out = {name: np.full(len(units), np.nan) for name in ("rr", "lo", "hi", "p")}
    for group in set(groups):
        where = np.array([g == group for g in groups])
        if where.sum() < 2:
            continue
        comparison = rates.compare_with_others(k[where], t[where])
        out["rr"][where] = comparison.ratio.ratio
        out["lo"][where] = comparison.ratio.lower
        out["hi"][where] = comparison.ratio.upper
        out["p"][where] = comparison.ratio.p_above
    return out


def level_rows(clinic: Clinic, level: str, totals: dict[str, int]) -> list[SignalRow]:
    """One row per (unit, category) for the categories the clinic has events of."""
    sessions, events = _units(clinic, level)
    names = _names(level, sessions)
    all_events = sum(totals.values())
    per_unit: dict[int, int] = defaultdict(int)
    for (unit, _category), n in events.items():
        per_unit[unit] += n
    keys = [(u, cat) for u in sorted(names) for cat in sorted(totals)]
    if not keys:
        return []
    a = np.array([events.get(key, 0) for key in keys], dtype=float)
    unit_total = np.array([per_unit[u] for u, _c in keys], dtype=float)
    cat_total = np.array([totals[c] for _u, c in keys], dtype=float)
    b, c = unit_total - a, cat_total - a
    d = all_events - a - b - c
    t = np.array([sessions.get(u, 0) for u, _c in keys], dtype=float)
    values = _measures(a, b, c, d, t)
    out: dict[str, np.ndarray] = {}
    for category in sorted(totals):
        rows = [i for i, (_u, cat) in enumerate(keys) if cat == category]
        groups = [names[keys[i][0]][1] for i in rows]
        ratios = _rate_ratios(rows, groups, a[rows], t[rows])
        for name, series in ratios.items():
            out.setdefault(name, np.full(len(keys), np.nan))[rows] = series
    values.update(
        rate_ratio=out["rr"],
        rate_ratio_lower=out["lo"],
        rate_ratio_upper=out["hi"],
        rate_ratio_p_above=out["p"],
    )
    return [
        SignalRow(
            level=level,
            unit_id=u,
            unit=names[u][0],
            group=names[u][1],
            category=cat,
            a=int(a[i]),
            b=int(b[i]),
            c=int(c[i]),
            d=int(d[i]),
            sessions=int(t[i]),
            values={name: series[i].item() for name, series in values.items()},
        )
        for i, (u, cat) in enumerate(keys)
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


def clinic_signals(clinic: Clinic) -> dict[str, list[SignalRow]]:
    """Rows per level (compound, product, lot) for the clinic's event categories."""
    totals = dict(
        AdverseEvent.objects.for_clinic(clinic)
        .values_list("category")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {level: level_rows(clinic, level, totals) for level in LEVELS}
