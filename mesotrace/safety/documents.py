"""The signals made for people: the SVG plots of the signals page (each lot's rate with its
product's pooled rate, a forest plot of PRR and ROR per compound) and the CSV export.

They draw the rows `queries.signals.clinic_signals` returns. An infinite bound is drawn as
an arrow to the plot's edge and labelled "infinite"; an undefined value is written out,
never drawn: no coordinate is ever NaN or infinite.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.translation import gettext as _

from mesotrace.core.formats import SpreadsheetCsv, csv_header
from mesotrace.outcomes.documents import nice_ticks, shorten
from mesotrace.safety.models import Category
from mesotrace.safety.queries.signals import HEADER, SignalRow
from mesotrace.safety.rules import show

W = 720
LABEL_W = 300
RIGHT_PAD = 70
ROW_H = 22
TOP = 46
MAX_ROWS = 40
INK, MUTED, ACCENT, POOLED = "#222", "#777", "#b03a2e", "#1f618d"


def _head(height: float, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}" class="signal-plot"><title>{escape(title)}</title>'
        f'<text x="6" y="16" font-size="13" font-weight="bold">{escape(title)}</text>'
    )


def _text(x: float, y: float, text: str, size: int = 11, fill: str = INK, anchor: str = "") -> str:
    where = f' text-anchor="{anchor}"' if anchor else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}"{where}>'
        f"{escape(text)}</text>"
    )


def _label(x: float, y: float, name: str, limit: int, suffix: str = "") -> str:
    """A row's name, cut at a word and never mid-word; the whole name is its tooltip."""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" fill="{INK}">'
        f"{escape(shorten(name, limit) + suffix)}<title>{escape(name)}</title></text>"
    )


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


@dataclass(frozen=True)
class Axis:
    """Maps a value to x on [left, right], linearly or on a log scale; clamps to the edges."""

    low: float
    high: float
    left: float
    right: float
    log: bool = False

    def _t(self, value: float) -> float:
        return math.log10(value) if self.log else value

    def x(self, value: float) -> float:
        """x of a value; +inf to the right edge, -inf (or 0 on a log axis) to the left."""
        if math.isnan(value):
            raise ValueError("an undefined value has no position")
        if value == math.inf:
            return self.right
        if value == -math.inf or (self.log and value <= 0):
            return self.left
        span = self._t(self.high) - self._t(self.low)
        share = (self._t(value) - self._t(self.low)) / span
        return self.left + min(max(share, 0.0), 1.0) * (self.right - self.left)


def _interval(axis: Axis, y: float, low: float, high: float, colour: str) -> str:
    """A CI bar; an infinite end is an arrow at the edge, an undefined one is not drawn."""
    if math.isnan(low) or math.isnan(high):
        return ""
    a, b = axis.x(low), axis.x(high)
    parts = [
        f'<line x1="{a:.1f}" y1="{y:.1f}" x2="{b:.1f}" y2="{y:.1f}" stroke="{colour}" '
        f'stroke-width="2"/>'
    ]
    if high == math.inf:
        parts.append(
            f'<path d="M{b - 6:.1f},{y - 4:.1f} L{b:.1f},{y:.1f} L{b - 6:.1f},{y + 4:.1f}" '
            f'fill="none" stroke="{colour}"/>'
        )
    return "".join(parts)


def _ticks(axis: Axis, bottom: float, values: Sequence[float]) -> str:
    parts = [
        f'<line x1="{axis.left}" y1="{bottom:.1f}" x2="{axis.right}" y2="{bottom:.1f}" '
        f'stroke="{MUTED}"/>'
    ]
    for value in values:
        x = axis.x(value)
        parts.append(
            f'<line x1="{x:.1f}" y1="{bottom:.1f}" x2="{x:.1f}" y2="{bottom + 4:.1f}" '
            f'stroke="{MUTED}"/>'
        )
        parts.append(_text(x, bottom + 16, f"{value:,g}", 10, MUTED, "middle"))
    return "".join(parts)


# --- Lot rates per 1,000 sessions --------------------------------------------------------


def _rate_rows(lots: Sequence[SignalRow]) -> tuple[list[SignalRow], int]:
    """The lots to draw, by product then lot; lots with events first when there are many."""
    ordered = sorted(lots, key=lambda r: (r.unit.split(" · ")[0], r.unit))
    if len(ordered) <= MAX_ROWS:
        return ordered, 0
    keep = {id(r) for r in sorted(ordered, key=lambda r: -r.a)[:MAX_ROWS]}
    return [r for r in ordered if id(r) in keep], len(ordered) - MAX_ROWS


def _rate_axis(rows: Sequence[SignalRow], pooled: dict[int, float]) -> Axis:
    values = [
        v
        for r in rows
        for v in (r.values["per_1000"], r.values["per_1000_upper"])
        if math.isfinite(v)
    ]
    values += [v for v in pooled.values() if math.isfinite(v)]
    # The axis ends on a round tick, so its ticks read 0 / 500 / 1,000, not 0 / 1460 / 2930.
    return Axis(0.0, nice_ticks(0.0, max([*values, 1.0]), 4)[-1], LABEL_W, W - RIGHT_PAD)


def _rate_row(axis: Axis, y: float, row: SignalRow) -> str:
    name = row.unit.split(" · ", 1)[-1]
    label = _label(22, y + 4, name, 30, f" ({row.a}/{row.sessions})")
    rate, low, high = (row.values[k] for k in ("per_1000", "per_1000_lower", "per_1000_upper"))
    if math.isnan(rate):
        return label + _text(axis.left, y + 4, _("undefined: no exposed session"), 10, MUTED)
    marker = (
        f'<circle cx="{axis.x(rate):.1f}" cy="{y:.1f}" r="4" fill="{ACCENT}">'
        f"<title>{escape(per_thousand(rate, low, high))}</title></circle>"
    )
    value = _text(W - RIGHT_PAD + 6, y + 4, show(rate), 10, MUTED)
    return label + _interval(axis, y, low, high, INK) + marker + value


def _pooled_line(axis: Axis, top: float, bottom: float, rate: float) -> str:
    if not math.isfinite(rate):
        return ""
    x = axis.x(rate)
    return (
        f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="{POOLED}" '
        f'stroke-dasharray="4 3" stroke-width="2"><title>'
        f"{escape(_('Product pooled rate'))}: {escape(show(rate))}</title></line>"
    )


def lot_rate_svg(lots: Sequence[SignalRow], products: Sequence[SignalRow], category: str) -> str:
    """Each lot's events per 1,000 sessions with its 95% CI, grouped by product; a dashed
    line marks the product's pooled rate (all its lots together)."""
    label = str(Category(category).label)
    title = _("%(category)s events per 1,000 sessions, per lot (95%% CI)") % {"category": label}
    chosen = [r for r in lots if r.category == category]
    rows, left_out = _rate_rows(chosen)
    pooled = {r.unit_id: r.values["per_1000"] for r in products if r.category == category}
    groups: dict[int, list[SignalRow]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    height = TOP + ROW_H * (len(rows) + len(groups)) + 50
    if not rows:
        return _head(90, title) + _text(6, 50, _("No lot was used in a session yet.")) + "</svg>"
    axis = _rate_axis(rows, pooled)
    parts = [_head(height, title)]
    parts.append(_text(6, 32, _("dashed line: the product's pooled rate"), 10, POOLED))
    y = TOP
    for product_id, members in groups.items():
        product = members[0].unit.split(" · ")[0]
        parts.append(_label(6, y + 4, product, 40))
        first = y + ROW_H
        for row in members:
            y += ROW_H
            parts.append(_rate_row(axis, y, row))
        parts.append(_pooled_line(axis, first - ROW_H + 6, y + 8, pooled.get(product_id, math.nan)))
        y += ROW_H
    parts.append(_ticks(axis, y, nice_ticks(0.0, axis.high, 4)))
    words = _("events per 1,000 exposed sessions")
    parts.append(_text((axis.left + axis.right) / 2, y + 30, words, 10, INK, "middle"))
    if left_out:
        note = _("%(n)s more lots, with fewer events, are in the table.") % {"n": left_out}
        parts.append(_text(6, y + 44, note, 10, MUTED))
    return "".join(parts) + "</svg>"


# --- Forest plot of PRR and ROR per compound ------------------------------------------------


def _log_axis(rows: Sequence[SignalRow]) -> Axis:
    values = [
        v
        for r in rows
        for name in ("prr", "prr_lower", "prr_upper", "ror", "ror_lower", "ror_upper")
        if math.isfinite(v := r.values[name]) and v > 0
    ]
    low = min([*values, 0.5])
    high = max([*values, 2.0])
    return Axis(
        10 ** math.floor(math.log10(low)),
        10 ** math.ceil(math.log10(high)),
        LABEL_W,
        W - RIGHT_PAD,
        log=True,
    )


def _estimate(axis: Axis, y: float, row: SignalRow, name: str, colour: str, square: bool) -> str:
    value, low, high = (row.values[k] for k in (name, f"{name}_lower", f"{name}_upper"))
    tag = name.upper()
    if math.isnan(value):
        return _text(axis.left + 4, y + 4, _("%(m)s undefined") % {"m": tag}, 10, MUTED)
    x = axis.x(value)
    tip = f"<title>{tag} {escape(show(value))} [{escape(show(low))}, {escape(show(high))}]</title>"
    shape = (
        f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">{tip}</rect>'
        if square
        else f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">{tip}</circle>'
    )
    words = ""
    if math.isinf(value):
        words = _text(axis.right + 6, y + 4, _("%(m)s infinite") % {"m": tag}, 10, colour)
    elif value == 0:
        words = _text(axis.left - 4, y + 4, f"{tag} 0", 10, colour, "end")
    return _interval(axis, y, low, high, colour) + shape + words


def forest_svg(compounds: Sequence[SignalRow]) -> str:
    """PRR (square) and ROR (circle) with 95% CIs per compound and event category, log scale,
    for the pairs with at least one event; the line at 1 is no disproportion."""
    title = _("PRR and ROR per compound (95% CI, log scale)")
    rows = sorted((r for r in compounds if r.a > 0), key=lambda r: (r.unit, r.category))[:MAX_ROWS]
    if not rows:
        return (
            _head(90, title) + _text(6, 50, _("No event is linked to a compound yet.")) + "</svg>"
        )
    axis = _log_axis(rows)
    height = TOP + 2 * ROW_H * len(rows) + 40
    parts = [_head(height, title)]
    parts.append(_text(6, 32, _("square: PRR · circle: ROR"), 10, MUTED))
    one = axis.x(1.0)
    parts.append(
        f'<line x1="{one:.1f}" y1="{TOP - 8}" x2="{one:.1f}" y2="{height - 40:.1f}" '
        f'stroke="{MUTED}" stroke-dasharray="2 2"/>'
    )
    y = float(TOP)
    for row in rows:
        category = str(Category(row.category).label)
        parts.append(_label(6, y + 8, row.unit, 28, f" · {category} ({row.a})"))
        parts.append(_estimate(axis, y, row, "prr", ACCENT, square=True))
        parts.append(_estimate(axis, y + ROW_H * 0.7, row, "ror", POOLED, square=False))
        y += 2 * ROW_H
    decades = []
    tick = axis.low
    while tick <= axis.high * 1.0001:
        decades.append(tick)
        tick *= 10
    parts.append(_ticks(axis, y - 8, decades))
    words = _("PRR and ROR, log scale (1 = no disproportion)")
    parts.append(_text((axis.left + axis.right) / 2, y + 22, words, 10, INK, "middle"))
    return "".join(parts) + "</svg>"


def signal_plots(levels: Mapping[str, Sequence[SignalRow]]) -> list[str]:
    """The lot-rate plot of each category with events on a lot, then the compound forest."""
    lots, products = levels.get("lot", []), levels.get("product", [])
    categories = sorted({row.category for row in lots if row.a > 0})
    drawn = [lot_rate_svg(lots, products, category) for category in categories]
    drawn.append(forest_svg(levels.get("compound", [])))
    return drawn


# --- CSV --------------------------------------------------------------------------------------


def per_thousand(rate: float, low: float, high: float) -> str:
    return _("%(rate)s per 1,000 [%(low)s, %(high)s]") % {
        "rate": show(rate),
        "low": show(low),
        "high": show(high),
    }


def signals_csv(levels: Mapping[str, Sequence[SignalRow]], titles: Mapping[str, object]) -> str:
    """Every level's rows under one header, as the page's tables show them, in the active
    language's spreadsheet dialect (`titles`: the columns' names on the page)."""
    rows = (row.cells() for rows in levels.values() for row in rows)
    return SpreadsheetCsv().text(csv_header(HEADER, titles), rows)
