"""The body map: front, back and scalp outlines, and the zone regions a point can fall in.

One definition serves the page (the SVG is drawn from it) and the server (a point is
checked against the same polygons), so what the practitioner clicked is what is saved.
Coordinates are in each view's viewBox; a charted point is stored as fractions (0-1)
of the viewBox width and height. Zone slugs are the catalogue's BodyZone slugs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

Point = tuple[float, float]
# A click on a region's very edge may land a hair outside it after rounding.
EDGE_TOLERANCE = 1.5


@dataclass(frozen=True)
class Region:
    """A zone's area on one side of the body (`side` is "left"/"right" on screen, or "")."""

    zone: str
    side: str
    points: tuple[Point, ...]

    @property
    def svg_points(self) -> str:
        return " ".join(f"{x:g},{y:g}" for x, y in self.points)

    @property
    def key(self) -> str:
        return f"{self.zone}-{self.side}" if self.side else self.zone


@dataclass(frozen=True)
class View:
    name: str
    width: int
    height: int
    regions: tuple[Region, ...]
    outline: tuple[tuple[Point, ...], ...]  # parts of the body that are not a zone

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    def svg_outline(self) -> list[str]:
        return [" ".join(f"{x:g},{y:g}" for x, y in part) for part in self.outline]


def _mirror(points: Sequence[Point], width: int = 200) -> tuple[Point, ...]:
    return tuple((width - x, y) for x, y in points)


def _pair(zone: str, left: Sequence[Point]) -> tuple[Region, Region]:
    return Region(zone, "left", tuple(left)), Region(zone, "right", _mirror(left))


def _both(*parts: Sequence[Point]) -> tuple[tuple[Point, ...], ...]:
    return tuple(p for part in parts for p in (tuple(part), _mirror(part)))


_HEAD = ((84, 10), (116, 10), (122, 30), (118, 50), (108, 58), (92, 58), (82, 50), (78, 30))
_NECK = ((92, 58), (108, 58), (110, 76), (90, 76))
_ARM = ((44, 80), (62, 78), (64, 130), (56, 150), (40, 146))
_FOREARM = ((40, 146), (56, 150), (50, 205), (36, 202))
_HAND = ((36, 202), (50, 205), (48, 222), (34, 220))
_FOOT = ((76, 410), (92, 410), (94, 428), (70, 428))

FRONT = View(
    "front",
    200,
    440,
    regions=(
        Region("face", "", _HEAD),
        Region("submental", "", ((92, 58), (108, 58), (106, 67), (94, 67))),
        *_pair("upper-arm", _ARM),
        *_pair("flank", ((64, 130), (76, 130), (76, 186), (66, 188), (62, 160))),
        Region("abdomen", "", ((76, 130), (124, 130), (124, 186), (76, 186))),
        *_pair("thigh", ((70, 212), (99, 212), (96, 300), (74, 300))),
        *_pair("knee", ((74, 300), (96, 300), (95, 325), (75, 325))),
        *_pair("lower-leg", ((75, 325), (95, 325), (92, 410), (78, 410))),
    ),
    outline=(
        ((94, 67), (106, 67), (110, 78), (90, 78)),
        ((62, 78), (138, 78), (136, 130), (64, 130)),
        ((66, 188), (134, 188), (130, 212), (70, 212)),
        ((76, 186), (124, 186), (134, 188), (66, 188)),
        *_both(_FOREARM, _HAND, _FOOT),
    ),
)

BACK = View(
    "back",
    200,
    440,
    regions=(
        Region("lower-back", "", ((64, 150), (136, 150), (134, 188), (66, 188))),
        *_pair("hip", ((58, 188), (72, 188), (72, 226), (62, 228), (56, 206))),
        *_pair("buttock", ((72, 188), (99, 188), (99, 236), (72, 236))),
    ),
    outline=(
        _HEAD,
        _NECK,
        ((62, 78), (138, 78), (136, 150), (64, 150)),
        *_both(
            _ARM,
            _FOREARM,
            _HAND,
            ((62, 228), (72, 236), (99, 236), (96, 325), (74, 325)),
            ((75, 325), (95, 325), (92, 410), (78, 410)),
            _FOOT,
        ),
    ),
)


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 24) -> tuple[Point, ...]:
    # A fixed table of the unit circle keeps the polygon exact and free of float noise.
    circle = [
        (1, 0), (0.966, 0.259), (0.866, 0.5), (0.707, 0.707), (0.5, 0.866), (0.259, 0.966),
        (0, 1), (-0.259, 0.966), (-0.5, 0.866), (-0.707, 0.707), (-0.866, 0.5), (-0.966, 0.259),
        (-1, 0), (-0.966, -0.259), (-0.866, -0.5), (-0.707, -0.707), (-0.5, -0.866),
        (-0.259, -0.966), (0, -1), (0.259, -0.966), (0.5, -0.866), (0.707, -0.707),
        (0.866, -0.5), (0.966, -0.259),
    ]  # fmt: skip
    return tuple((round(cx + rx * c, 1), round(cy + ry * s, 1)) for c, s in circle[:n])


SCALP = View(
    "scalp",
    200,
    200,
    regions=(Region("scalp", "", _ellipse(100, 104, 62, 78)),),
    outline=(((92, 26), (100, 12), (108, 26)),),  # the nose: the face is at the top
)

VIEWS: dict[str, View] = {view.name: view for view in (FRONT, BACK, SCALP)}


def _inside(point: Point, polygon: Sequence[Point]) -> bool:
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, (*polygon[1:], polygon[0]), strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _distance_to_edge(point: Point, polygon: Sequence[Point]) -> float:
    px, py = point
    best = float("inf")
    for (x1, y1), (x2, y2) in zip(polygon, (*polygon[1:], polygon[0]), strict=True):
        dx, dy = x2 - x1, y2 - y1
        length = dx * dx + dy * dy
        t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy) / length))
        best = min(best, ((px - x1 - t * dx) ** 2 + (py - y1 - t * dy) ** 2) ** 0.5)
    return best


def region_at(view_name: str, x: Decimal | float, y: Decimal | float) -> Region | None:
    """The zone region under a point given as fractions of the view, or None off the zones."""
    view = VIEWS.get(view_name)
    if view is None or not (0 <= x <= 1 and 0 <= y <= 1):
        return None
    point = (float(x) * view.width, float(y) * view.height)
    for region in view.regions:
        if _inside(point, region.points):
            return region
    near = min(view.regions, key=lambda r: _distance_to_edge(point, r.points))
    return near if _distance_to_edge(point, near.points) <= EDGE_TOLERANCE else None


def zones_of(view_name: str) -> list[str]:
    return sorted({region.zone for region in VIEWS[view_name].regions})
