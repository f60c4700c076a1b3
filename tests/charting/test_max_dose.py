"""A clinic compound's single maximum per session, where its entry gives one, cannot be
exceeded. (The shipped labels' limits in drug amount: test_dose_limits.py.)"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesotrace.catalogue.models import Compound, Product, ProductComponent, Source
from tests.charting.builders import chartable, payload, point, record
from tests.conftest import World
from tests.inventory.builders import receive

SUBMENTAL = (Decimal("0.5"), Decimal("0.142"))


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
