"""What outcomes draws and writes for people: a patient's progress charts and the forest
plot across protocols (server-rendered SVG), and the evidence report's rows as CSV."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, NamedTuple

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from mesotrace.core.formats import SpreadsheetCsv, csv_header

if TYPE_CHECKING:
    from mesotrace.outcomes.models import LifestyleLog, Measurement
    from mesotrace.outcomes.queries.report import EvidenceReport

W, H, PAD = 640, 260, 44
COLOURS = {
    "treated": "#b03a2e",
    "control": "#1f618d",
    "left": "#b03a2e",
    "right": "#1f618d",
    "side A": "#7d3c98",
    "side B": "#117a65",
}
LINE = "#555"  # a line with no colour of its own


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[float, float]]  # (day number, value)
    colour: str = LINE


def _scale(values: Sequence[float], low: float, high: float) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    return lo, (high - low) / (hi - lo)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round axis ticks (steps of 1, 2, 2.5 or 5 times a power of ten) covering low..high."""
    if high <= low:
        low, high = low - 1, high + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(i * step, 10) for i in range(first, last + 1)]


def tick_label(value: float) -> str:
    return f"{value:,.10g}"


def _axis_text(x: float, y: float, text: str, anchor: str = "middle", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}">'
        f"{escape(text)}</text>"
    )


def progress_svg(
    series: Sequence[Series], title: str, unit: str, start: datetime.date | None = None
) -> str:
    """Lines over time with a date axis and a value axis in `unit`; x is days from `start`.
    An empty chart says so instead of drawing nothing."""
    drawn = [s for s in series if s.points]
    heading = f"{title} ({unit})" if unit else title
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
        f'aria-label="{escape(heading)}"><title>{escape(heading)}</title>'
    )
    if not drawn:
        empty = escape(_("No measurements yet."))
        return head + f'<text x="{PAD}" y="{H / 2}">{empty}</text></svg>'
    left, right, top, bottom = 64, W - 16, 40, H - 40
    xs = [x for s in drawn for x, _value in s.points]
    ys = [y for s in drawn for _day, y in s.points]
    x_ticks = [t for t in nice_ticks(0, max(max(xs), 1), 5) if t == int(t)]
    y_ticks = nice_ticks(min(ys), max(ys), 4)

    def at_x(day: float) -> float:
        return left + (day - x_ticks[0]) * (right - left) / (x_ticks[-1] - x_ticks[0])

    def at_y(value: float) -> float:
        return bottom - (value - y_ticks[0]) * (bottom - top) / (y_ticks[-1] - y_ticks[0])

    parts = [head, _axis_text(PAD - 40, 16, heading, "start", 12)]
    parts.append(f'<path d="M{left},{top} V{bottom} H{right}" fill="none" stroke="{LINE}"/>')
    for tick in y_ticks:
        parts.append(_axis_text(left - 6, at_y(tick) + 4, tick_label(tick), "end", 10))
    for tick in x_ticks:
        day = start + datetime.timedelta(days=tick) if start else None
        label = day.isoformat() if day else _("day %(n)s") % {"n": int(tick)}
        parts.append(_axis_text(at_x(tick), bottom + 16, label, "middle", 10))
    parts.append(_axis_text((left + right) / 2, H - 6, str(_("Date")), "middle", 11))
    for index, s in enumerate(drawn):
        coords = " ".join(f"{at_x(x):.1f},{at_y(y):.1f}" for x, y in s.points)
        parts.append(
            f'<polyline fill="none" stroke="{s.colour}" stroke-width="2" points="{coords}"/>'
        )
        # A dot per value, so a single measurement shows too.
        parts.extend(
            f'<circle cx="{xy.split(",")[0]}" cy="{xy.split(",")[1]}" r="3" fill="{s.colour}"/>'
            for xy in coords.split()
        )
        parts.append(
            f'<text x="{W - 16}" y="{16 + 14 * index}" font-size="12" fill="{s.colour}" '
            f'text-anchor="end">{escape(s.label)}</text>'
        )
    return "".join(parts) + "</svg>"


@dataclass(frozen=True)
class ForestRow:
    label: str
    estimate: float
    low: float
    high: float
    n: int


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary with an ellipsis; the full text goes in the SVG <title>."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,·:(")
    return cut + "…"


def forest_svg(rows: Sequence[ForestRow], unit: str = "cm") -> str:
    """Each protocol's split-body effect (treated minus control) with its 95% CI, on an
    axis in `unit` with round ticks and the line of no effect at 0."""
    title = _("Split-body effect by protocol: treated minus control side (%(unit)s), 95%% CI") % {
        "unit": unit
    }
    axis_y = 40 + 26 * max(len(rows), 1)
    height = axis_y + 44
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
    if not rows:
        empty = escape(_("No protocol has a split-body estimate yet."))
        return head + f'<text x="10" y="30">{empty}</text></svg>'
    left, right = 300, W - 20
    ticks = nice_ticks(min(0.0, *(r.low for r in rows)), max(0.0, *(r.high for r in rows)), 5)

    def at(value: float) -> float:
        return left + (value - ticks[0]) * (right - left) / (ticks[-1] - ticks[0])

    parts = [head, _axis_text(6, 14, title, "start", 12)]
    zero = at(0.0)
    parts.append(
        f'<line x1="{zero:.1f}" y1="22" x2="{zero:.1f}" y2="{axis_y}" stroke="#555" '
        f'stroke-dasharray="3 2"/>'
    )
    parts.append(f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="#555"/>')
    for tick in ticks:
        x = at(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="#555"/>'
        )
        parts.append(_axis_text(x, axis_y + 16, tick_label(tick), "middle", 10))
    axis_label = _("%(unit)s, treated minus control (0 = no effect; below 0 = reduction)") % {
        "unit": unit
    }
    parts.append(_axis_text((left + right) / 2, axis_y + 34, axis_label, "middle", 11))
    for i, r in enumerate(rows):
        y = 40 + 26 * i
        a, b, m = (at(v) for v in (r.low, r.high, r.estimate))
        name = escape(shorten(r.label, 36))
        parts.append(
            f"<g><title>{escape(r.label)} (n={r.n}): {r.estimate:.2f} {escape(unit)} "
            f"[{r.low:.2f}, {r.high:.2f}]</title>"
            f'<text x="6" y="{y + 4}" font-size="12">{name} (n={r.n})</text>'
            f'<line x1="{a:.1f}" y1="{y}" x2="{b:.1f}" y2="{y}" stroke="#222" stroke-width="2"/>'
            f'<rect x="{m - 4:.1f}" y="{y - 4}" width="8" height="8" fill="#b03a2e"/></g>'
        )
    return "".join(parts) + "</svg>"


class LogChart(NamedTuple):
    """One lifestyle chart under the measurements: a value of each log over time."""

    title: str
    unit: str
    label: str
    value: Callable[[LifestyleLog], float | None]  # None: the log has no point here


def exercise(log: LifestyleLog) -> float:
    return float(log.exercise_minutes_per_week)


def weight(log: LifestyleLog) -> float | None:
    return log.weight_kg or None


def progress_charts(
    measurements: Sequence[Measurement],
    logs: Sequence[LifestyleLog],
    line_of: Callable[[Measurement], str],
    lifestyle: Sequence[LogChart],
    colour_of: Callable[[str], str] = lambda label: LINE,
) -> list[SafeString]:
    """A chart per measurement type, one line per `line_of` label, then the `lifestyle`
    charts that have points; days count from the first measurement or log. None at all
    when there is neither."""
    first = min([m.measured_at.date() for m in measurements] + [g.date for g in logs], default=None)
    if first is None:
        return []
    charts = []
    for slug in sorted({m.type.slug for m in measurements}):
        kind = next(m.type for m in measurements if m.type.slug == slug)
        lines: dict[str, list[tuple[float, float]]] = {}
        for m in (m for m in measurements if m.type.slug == slug):
            day = float((m.measured_at.date() - first).days)
            lines.setdefault(line_of(m), []).append((day, m.value))
        series = [Series(label, points, colour_of(label)) for label, points in lines.items()]
        charts.append(progress_svg(series, kind.name, kind.display_unit, first))
    for chart in lifestyle:
        values = ((float((g.date - first).days), chart.value(g)) for g in logs)
        points = [(day, value) for day, value in values if value is not None]
        if points:
            series = [Series(chart.label, points)]
            charts.append(progress_svg(series, chart.title, chart.unit, first))
    return [mark_safe(c) for c in charts]  # noqa: S308 - built here, text escaped


def side_colour(label: str) -> str:
    """Treated/control (or side A/B, or left/right) lines keep one colour everywhere."""
    key = label.split(" (")[-1].rstrip(")")
    return COLOURS.get(key, COLOURS.get(key.lower(), LINE))


CSV_COLUMNS = [
    "patient",
    "side",
    "body_side",
    "time",
    "value",
    "blinded",
    "exercise_minutes",
    "diet_adherence",
    "weight_change",
]


# The columns' French titles; an English file keeps the field names above.
CSV_TITLES = {
    "patient": pgettext_lazy("CSV column", "Patient (pseudonym)"),
    "side": pgettext_lazy("CSV column", "Arm"),
    "body_side": pgettext_lazy("CSV column", "Body side"),
    "time": pgettext_lazy("CSV column", "Time"),
    "value": pgettext_lazy("CSV column", "Value"),
    "blinded": pgettext_lazy("CSV column", "Blinded"),
    "exercise_minutes": pgettext_lazy("CSV column", "Exercise (minutes a week)"),
    "diet_adherence": pgettext_lazy("CSV column", "Diet adherence"),
    "weight_change": pgettext_lazy("CSV column", "Weight change"),
    "protocol": pgettext_lazy("CSV column", "Protocol"),
}


def evidence_csv(report: EvidenceReport, extra: Sequence[str] = ()) -> str:
    """The report's rows (pseudonymous patients), with `extra` columns after the usual ones,
    in the active language's spreadsheet dialect (`core.formats.SpreadsheetCsv`)."""
    sheet = SpreadsheetCsv()
    columns = [*CSV_COLUMNS, *extra]
    rows: list[tuple[object, ...]] = []
    if not report.rows.empty:
        table = report.rows[columns].astype(object)
        rows = list(table.where(table.notna(), None).itertuples(index=False))
    return sheet.text(csv_header(columns, CSV_TITLES), rows)
