"""When charting, the earliest-expiring usable lot of the product is offered first."""

from __future__ import annotations

import datetime

from django.utils import timezone

from mesotrace.inventory.queries.stock import on_hand, usable_lots
from mesotrace.inventory.rules import annotated_on_hand
from mesotrace.inventory.services import stock
from tests.conftest import SYSTEM, World
from tests.inventory.builders import days_from_today, receive, shipped_product


def _offered(world: World, slug: str = "lidocaine-2-generic") -> list[str]:
    lots = usable_lots(world.clinic, shipped_product(slug), timezone.now())
    return [lot.lot_number for lot in lots]


def test_the_lot_expiring_soonest_comes_first(world: World) -> None:
    receive(world.clinic, "LATE", expiry=days_from_today(400))
    receive(world.clinic, "SOON", expiry=days_from_today(30))
    receive(world.clinic, "MIDDLE", expiry=days_from_today(120))

    assert _offered(world) == ["SOON", "MIDDLE", "LATE"]


def test_lots_that_cannot_be_drawn_are_not_offered(world: World) -> None:
    receive(world.clinic, "GOOD", expiry=days_from_today(300))
    receive(
        world.clinic,
        "EXPIRED",
        expiry=days_from_today(-1),
        received_on=days_from_today(-100),
    )
    recalled = receive(world.clinic, "RECALLED", expiry=days_from_today(10))
    stock.set_lot_status(SYSTEM, recalled, "recalled", "Manufacturer recall")
    quarantined = receive(world.clinic, "HELD", expiry=days_from_today(11))
    stock.set_lot_status(SYSTEM, quarantined, "under_investigation", "Two abscesses")
    empty = receive(world.clinic, "EMPTY", quantity="1", expiry=days_from_today(12))
    stock.draw(SYSTEM, empty, "1", timezone.now())
    receive(world.other_clinic, "THEIRS", expiry=days_from_today(5))
    receive(world.clinic, "OTHER-PRODUCT", expiry=days_from_today(5), product="kybella")

    assert _offered(world) == ["GOOD"]
    assert _offered(world, "kybella") == ["OTHER-PRODUCT"]


def test_a_lot_received_after_the_session_is_not_offered_for_it(world: World) -> None:
    receive(world.clinic, "NEW", received_on=days_from_today(0))
    yesterday = timezone.now() - datetime.timedelta(days=2)

    assert usable_lots(world.clinic, shipped_product(), yesterday) == []
    assert _offered(world) == ["NEW"]


def test_at_equal_expiry_the_opened_multi_dose_vial_is_used_up_first(world: World) -> None:
    expiry = days_from_today(90)
    receive(world.clinic, "SEALED", expiry=expiry, multi_dose=True, discard_after_hours=24)
    opened = receive(world.clinic, "OPENED", expiry=expiry, multi_dose=True, discard_after_hours=24)
    stock.draw(SYSTEM, opened, "0.5", timezone.now())

    assert _offered(world) == ["OPENED", "SEALED"]


def test_each_offered_lot_carries_its_stock_on_hand(world: World) -> None:
    lot = receive(world.clinic, quantity="4")
    stock.draw(SYSTEM, lot, "1.5", timezone.now())

    [offered] = usable_lots(world.clinic, lot.product, timezone.now())
    assert annotated_on_hand(offered) == on_hand(lot) == 2.5
