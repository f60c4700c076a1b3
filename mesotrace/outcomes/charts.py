"""Server-rendered SVG: a patient's progress chart and the forest plot across protocols."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

W, H, PAD = 640, 260, 44
COLOURS = {
    "treated": "#b03a2e",
    "control": "#1f618d",
    "left": "#b03a2e",
    "right": "#1f618d",
    "side A": "#7d3c98",
    "side B": "#117a65",
}


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[float, float]]  # (day number, value)
    colour: str = "#555"


def _scale(values: Sequence[float], low: float, high: float) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    return lo, (high - low) / (hi - lo)


def progress_svg(series: Sequence[Series], title: str, unit: str) -> str:
    """Lines over time; an empty chart says so instead of drawing nothing."""
    drawn = [s for s in series if s.points]
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
    if not drawn:
        return head + f'<text x="{PAD}" y="{H / 2}">No measurements yet.</text></svg>'
    xs = [x for s in drawn for x, _ in s.points]
    ys = [y for s in drawn for _, y in s.points]
    x0, xk = _scale(xs, PAD, W - PAD)
    y0, yk = _scale(ys, PAD, H - PAD)
    parts = [head, f'<text x="{PAD}" y="16" font-size="12">{escape(title)} ({unit})</text>']
    for index, s in enumerate(drawn):
        coords = " ".join(
            f"{PAD + (x - x0) * xk:.1f},{H - PAD - (y - y0) * yk:.1f}" for x, y in s.points
        )
        parts.append(
            f'<polyline fill="none" stroke="{s.colour}" stroke-width="2" points="{coords}"/>'
        )
        # A dot per value, so a single measurement shows too.
        parts.extend(
            f'<circle cx="{xy.split(",")[0]}" cy="{xy.split(",")[1]}" r="3" fill="{s.colour}"/>'
            for xy in coords.split()
        )
        parts.append(
            f'<text x="{W - PAD - 150}" y="{16 + 14 * index}" font-size="12" fill="{s.colour}">'
            f"{escape(s.label)}</text>"
        )
    parts.append(f'<text x="4" y="{H - PAD}" font-size="10">{min(ys):.1f}</text>')
    parts.append(f'<text x="4" y="{PAD}" font-size="10">{max(ys):.1f}</text>')
    return "".join(parts) + "</svg>"


@dataclass(frozen=True)
class ForestRow:
    label: str
    estimate: float
    low: float
    high: float
    n: int


def forest_svg(rows: Sequence[ForestRow], unit: str = "cm") -> str:
    height = 40 + 26 * max(len(rows), 1)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" role="img" '
        f'aria-label="Forest plot"><title>Split-body effect by protocol ({unit})</title>'
    )
    if not rows:
        return head + '<text x="10" y="30">No protocol has a split-body estimate yet.</text></svg>'
    left, right = 300, W - 20
    lo = min(0.0, *(r.low for r in rows))
    x0, k = _scale([lo, max(0.0, *(r.high for r in rows))], left, right)
    parts = [head]
    zero = left + (0 - x0) * k
    parts.append(
        f'<line x1="{zero:.1f}" y1="10" x2="{zero:.1f}" y2="{height - 10}" stroke="#999"/>'
    )
    for i, r in enumerate(rows):
        y = 30 + 26 * i
        a, b, m = (left + (v - x0) * k for v in (r.low, r.high, r.estimate))
        short = r.label if len(r.label) <= 38 else r.label[:37] + "…"
        parts.append(
            f"<g><title>{escape(r.label)} (n={r.n})</title>"
            f'<text x="6" y="{y + 4}" font-size="12">{escape(short)} (n={r.n})</text>'
            f'<line x1="{a:.1f}" y1="{y}" x2="{b:.1f}" y2="{y}" stroke="#222" stroke-width="2"/>'
            f'<rect x="{m - 4:.1f}" y="{y - 4}" width="8" height="8" fill="#b03a2e"/></g>'
        )
    return "".join(parts) + "</svg>"
