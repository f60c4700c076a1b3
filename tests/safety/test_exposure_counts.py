"""The sessions counted per product, lot and compound as sessions are charted equal a recount.

The signals read these kept counts instead of grouping every mix line; each test checks
them against a GROUP BY over the mix lines, the way the signals used to count.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue import services as catalogue
from mesotrace.catalogue.models import Product
from mesotrace.charting import services as charting
from mesotrace.charting.schemas import ComponentIn, InjectionIn
from mesotrace.inventory.models import Lot
from mesotrace.safety.models import ExposureCount, ExposureLevel, ExposureMix
from mesotrace.safety.queries import exposure
from mesotrace.treatments.models import InjectionComponent
from tests.catalogue.builders import shipped_compound
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.conftest import SYSTEM, World
from tests.inventory.builders import receive
from tests.treatments.builders import actor_for


def kept(clinic: Clinic) -> dict[str, dict[int, int]]:
    return {
        "lot": exposure.sessions_per(clinic, ExposureLevel.LOT),
        "product": exposure.sessions_per(clinic, ExposureLevel.PRODUCT),
        "compound": exposure.sessions_per_compound(clinic),
    }


def grouped(clinic: Clinic) -> dict[str, dict[int, int]]:
    """Distinct sessions per unit by GROUP BY over the clinic's mix lines."""
    lines = InjectionComponent.objects.for_clinic(clinic)
    out = {}
    for level, column in (
        ("lot", "lot_id"),
        ("product", "product_id"),
        ("compound", "product__components__compound_id"),
    ):
        rows = (
            lines.exclude(**{f"{column}__isnull": True})
            .values(column)
            .annotate(n=Count("injection__session_id", distinct=True))
            .order_by()
        )
        out[level] = {row[column]: row["n"] for row in rows}
    return out


def mixed_point(*lots: Lot, volume: str = "0.05") -> InjectionIn:
    """A point whose syringe holds one component from each lot."""
    first = point(lots[0], volume)
    components = [
        ComponentIn(product_id=lot.product_id, lot_id=lot.pk, volume_ml=Decimal(volume))
        for lot in lots
    ]
    return first.model_copy(update={"components": components})


def test_a_session_counts_once_for_each_lot_and_product_however_many_points(
    world: World,
) -> None:
    lot = minoxidil_lot(world.clinic)
    record(chartable(world), payload(point(lot), point(lot), point(lot)))

    assert kept(world.clinic)["lot"] == {lot.pk: 1}
    assert kept(world.clinic)["product"] == {lot.product_id: 1}
    assert kept(world.clinic) == grouped(world.clinic)


def test_random_sessions_keep_counts_equal_to_the_recount(world: World) -> None:
    rng = random.Random(7)
    lots = [minoxidil_lot(world.clinic, f"MX-{i}", "50") for i in range(3)]
    lots += [receive(world.clinic, f"LD-{i}", "50") for i in range(2)]
    for _ in range(10):
        points = []
        for _p in range(rng.randint(1, 4)):
            minoxidil, lidocaine = rng.choice(lots[:3]), rng.choice(lots[3:])
            chosen = rng.choice([(minoxidil,), (lidocaine,), (minoxidil, lidocaine)])
            points.append(mixed_point(*chosen))
        record(chartable(world), payload(*points))

    assert kept(world.clinic) == grouped(world.clinic)
    found = exposure.recount(world.clinic.pk)
    assert found.lots == kept(world.clinic)["lot"]
    mixes = dict(ExposureMix.objects.for_clinic(world.clinic).values_list("products", "sessions"))
    assert mixes == found.mixes
    assert sum(mixes.values()) == 10


def test_a_retried_submit_is_counted_once(world: World) -> None:
    lot = minoxidil_lot(world.clinic)
    appointment, body = chartable(world), payload(point(lot))
    record(appointment, body, key="retry-key-1")
    record(appointment, body, key="retry-key-1")

    assert kept(world.clinic)["lot"] == {lot.pk: 1}


def test_a_refused_session_counts_nothing(world: World) -> None:
    lot = minoxidil_lot(world.clinic, quantity="0.1")
    with pytest.raises(ValidationError):
        record(chartable(world), payload(point(lot, "0.5")))

    assert not ExposureCount.objects.exists()
    assert not ExposureMix.objects.exists()


def test_an_amendment_cannot_change_a_lot_and_leaves_the_counts(world: World) -> None:
    lot, other = minoxidil_lot(world.clinic), minoxidil_lot(world.clinic, "MX-002")
    session = record(chartable(world), payload(point(lot)))
    actor = actor_for(world.members["practitioner"], world.clinic)
    charting.amend_session(actor, session, "pain was 3", [charting.Correction("pain_score", 3)])
    with pytest.raises(ValidationError):
        charting.amend_session(
            actor, session, "wrong lot", [charting.Correction("injections.1.lot_id", other.pk)]
        )

    assert kept(world.clinic)["lot"] == {lot.pk: 1}
    assert kept(world.clinic) == grouped(world.clinic)


def test_compound_counts_follow_a_corrected_product_composition(world: World) -> None:
    """A clinic adds a compound it forgot to its product: past sessions count for it too."""
    product = catalogue.clone_product(
        SYSTEM, world.clinic, Product.objects.shipped().get(slug="minoxidil-2-generic")
    )
    lot = receive(world.clinic, "OWN-1", product=product)
    record(chartable(world), payload(point(lot)))
    lidocaine = shipped_compound("lidocaine")
    assert lidocaine.pk not in kept(world.clinic)["compound"]

    rows = [catalogue.ComponentInput(compound=c.compound) for c in product.components.all()]
    corrected = replace(
        catalogue.ProductInput.of(product),
        components=[*rows, catalogue.ComponentInput(compound=lidocaine)],
    )
    catalogue.save_product(SYSTEM, world.clinic, product, corrected)

    assert kept(world.clinic)["compound"][lidocaine.pk] == 1
    assert kept(world.clinic) == grouped(world.clinic)


def test_other_clinics_sessions_are_not_counted(world: World) -> None:
    record(chartable(world), payload(point(minoxidil_lot(world.clinic))))

    assert kept(world.other_clinic) == {"lot": {}, "product": {}, "compound": {}}
