"""A multi-dose vial opens on its first draw and must be discarded after the product's time."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import Product
from mesotrace.inventory.models import Lot
from mesotrace.inventory.queries.stock import lot_problem, on_hand, usable_lots
from mesotrace.inventory.rules import StockRefused
from mesotrace.inventory.services import stock
from tests.conftest import SYSTEM, World
from tests.inventory.builders import days_from_today, receive

EARLIER = days_from_today(-5)


def _multi_dose_product(clinic: Clinic, hours: int | None = 24) -> Product:
    product = Product(
        clinic=clinic,
        name="Procaine 2% multi-dose",
        slug="procaine-2-multi",
        presentation="multi_dose_vial",
        volume_ml=Decimal("20"),
        discard_after_opening_hours=hours,
    )
    product.full_clean()
    product.save()
    return product


def test_a_multi_dose_lot_takes_its_flag_and_discard_rule_from_the_product(world: World) -> None:
    lot = receive(world.clinic, product=_multi_dose_product(world.clinic, 24))
    assert (lot.multi_dose, lot.discard_after_hours, lot.opened_at) == (True, 24, None)

    single = receive(world.clinic, "K-1", product="kybella")
    assert (single.multi_dose, single.discard_after_hours) == (False, None)


def test_the_first_draw_opens_the_vial_and_later_draws_keep_its_time(world: World) -> None:
    lot = receive(world.clinic, product=_multi_dose_product(world.clinic), received_on=EARLIER)
    first = timezone.now() - datetime.timedelta(hours=3)
    stock.draw(SYSTEM, lot, "1", first)
    stock.draw(SYSTEM, lot, "1", timezone.now())

    lot = Lot.objects.get(pk=lot.pk)
    assert lot.opened_at == first
    assert lot.discard_at == first + datetime.timedelta(hours=24)


def test_an_opened_vial_past_its_discard_time_cannot_be_charted(world: World) -> None:
    lot = receive(
        world.clinic, "MD-7", product=_multi_dose_product(world.clinic, 24), received_on=EARLIER
    )
    opened = timezone.now() - datetime.timedelta(hours=25)
    stock.draw(SYSTEM, lot, "1", opened)

    with pytest.raises(StockRefused) as refused:
        stock.draw(SYSTEM, lot, "1", timezone.now())
    assert refused.value.field == "lot"
    assert refused.value.message.startswith(
        "Lot MD-7: the opened multi-dose vial passed its discard time"
    )
    assert "24 hours later" in refused.value.message
    assert usable_lots(world.clinic, lot.product, timezone.now()) == []
    # Within its time, the same vial was fine.
    assert lot_problem(lot, world.clinic, opened + datetime.timedelta(hours=23)) is None


def test_discarding_the_opened_vial_lets_the_next_draw_open_a_new_one(world: World) -> None:
    lot = receive(
        world.clinic, quantity="40", product=_multi_dose_product(world.clinic), received_on=EARLIER
    )
    stock.draw(SYSTEM, lot, "2", timezone.now() - datetime.timedelta(hours=30))

    stock.waste(SYSTEM, lot, "18", "Opened vial past its 24 h", vial_discarded=True)
    assert Lot.objects.get(pk=lot.pk).opened_at is None
    stock.draw(SYSTEM, lot, "1", timezone.now())

    assert on_hand(lot) == Decimal("19")
    assert Lot.objects.get(pk=lot.pk).opened_at is not None


def test_a_single_dose_lot_never_opens_a_vial(world: World) -> None:
    lot = receive(world.clinic, product="kybella", received_on=days_from_today(-40))
    stock.draw(SYSTEM, lot, "2", timezone.now() - datetime.timedelta(days=30))
    assert Lot.objects.get(pk=lot.pk).opened_at is None
    assert lot_problem(lot, world.clinic, timezone.now(), Decimal("1")) is None


def test_a_multi_dose_lot_needs_a_discard_time_when_the_product_gives_none(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        receive(world.clinic, multi_dose=True)
    assert "discard_after_hours" in refused.value.message_dict

    lot = receive(world.clinic, multi_dose=True, discard_after_hours=8)
    assert (lot.multi_dose, lot.discard_after_hours) == (True, 8)


def test_a_discard_time_on_a_single_dose_lot_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        receive(world.clinic, product="kybella", discard_after_hours=8)
    assert refused.value.message_dict["discard_after_hours"] == [
        "A discard time after opening applies to multi-dose vials only."
    ]
    assert not Lot.objects.exists()
