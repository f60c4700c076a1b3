"""The body map covers every catalogue zone on its own view, and only the zones are clickable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mesotrace.catalogue.models import BodyZone
from mesotrace.treatments.rules.bodymap import VIEWS, region_at, zones_of
from tests.charting.builders import ABDOMEN, CHEST, SCALP_CENTRE


@pytest.mark.django_db
def test_every_catalogue_zone_is_drawn_on_its_view() -> None:
    for zone in BodyZone.objects.all():
        assert zone.slug in zones_of(zone.view), (zone.slug, zone.view)


def test_a_point_is_found_in_its_zone() -> None:
    assert region_at("front", *ABDOMEN).zone == "abdomen"  # type: ignore[union-attr]
    assert region_at("scalp", *SCALP_CENTRE).zone == "scalp"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("view", "x", "y"),
    [("front", *CHEST), ("front", "0.02", "0.5"), ("back", "0.5", "0.01"), ("side", "0.5", "0.5")],
)
def test_points_off_the_zones_are_off_the_map(view: str, x: str, y: str) -> None:
    assert region_at(view, Decimal(x), Decimal(y)) is None


def test_left_and_right_regions_mirror_each_other() -> None:
    for view in VIEWS.values():
        sides = [r for r in view.regions if r.side]
        for region in sides:
            mirror = next(r for r in sides if r.zone == region.zone and r.side != region.side)
            assert sorted((view.width - x, y) for x, y in region.points) == sorted(mirror.points)
