"""A compound's maximum dose per session, where the catalogue gives one, cannot be exceeded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesotrace.catalogue.models import Compound, Product, ProductComponent, Source
from mesotrace.charting.schemas import InjectionIn
from mesotrace.inventory.models import Lot
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.treatments.models import TreatmentSession
from tests.charting.builders import chartable, payload, point, record
from tests.conftest import World
from tests.inventory.builders import KYBELLA, receive

SUBMENTAL = (Decimal("0.5"), Decimal("0.142"))


def _kybella_points(lot: Lot, count: int) -> list[InjectionIn]:
    return [point(lot, "0.2", view="front", where=SUBMENTAL) for _ in range(count)]


def test_fifty_points_of_kybella_is_the_labels_maximum_and_is_charted(world: World) -> None:
    appointment = chartable(world)
    lot = receive(world.clinic, "KY-1", "20", product=KYBELLA)

    record(appointment, payload(*_kybella_points(lot, 50)))  # 10 mL

    assert on_hand(lot) == Decimal("10.000")


def test_one_point_more_than_the_maximum_dose_is_refused(world: World) -> None:
    appointment = chartable(world)
    lot = receive(world.clinic, "KY-2", "20", product=KYBELLA)

    with pytest.raises(ValidationError) as refused:
        record(appointment, payload(*_kybella_points(lot, 51)))  # 10.2 mL

    message = " ".join(refused.value.message_dict["injections"])
    assert "Deoxycholic acid (sodium deoxycholate): 10.2 mL in this session" in message
    assert "maximum of 10 mL per session" in message
    assert TreatmentSession.objects.count() == 0
    assert on_hand(lot) == Decimal("20.000")


def _house_compound(world: World, concentration: Decimal | None) -> Product:
    """A clinic's compound with a 50 mg maximum, in a product of the given strength (mg/mL)."""
    source = Source.objects.create(clinic=world.clinic, title="House formulary 2026")
    compound = Compound.objects.create(
        clinic=world.clinic,
        name="Housecaine",
        slug="housecaine",
        compound_class="anaesthetic",
        purpose="Test compound.",
        evidence_level="none",
        evidence_summary="None.",
        max_dose_per_session=Decimal("50"),
        max_dose_unit="mg",
        max_dose_source=source,
        max_dose_verification="V",
    )
    product = Product.objects.create(
        clinic=world.clinic,
        name="Housecaine 20 mg/mL",
        slug="housecaine-20",
        presentation="ampoule",
    )
    ProductComponent.objects.create(
        product=product,
        compound=compound,
        concentration=concentration,
        unit="mg/mL" if concentration else "",
    )
    return product


def test_a_maximum_in_mg_is_checked_from_the_products_strength(world: World) -> None:
    appointment = chartable(world)
    product = _house_compound(world, Decimal("20"))
    lot = receive(world.clinic, "HC-1", "10", product=product)

    with pytest.raises(ValidationError) as refused:
        record(appointment, payload(*[point(lot, "0.5") for _ in range(6)]))  # 3 mL = 60 mg

    assert "Housecaine: 60 mg in this session" in " ".join(refused.value.message_dict["injections"])


def test_a_maximum_that_cannot_be_computed_is_refused_not_ignored(world: World) -> None:
    appointment = chartable(world)
    product = _house_compound(world, None)
    lot = receive(world.clinic, "HC-2", "10", product=product)

    with pytest.raises(ValidationError) as refused:
        record(appointment, payload(point(lot, "0.1")))

    assert "the dose cannot be checked" in " ".join(refused.value.message_dict["injections"])
