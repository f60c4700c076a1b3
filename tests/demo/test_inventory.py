"""Demo stock: lots of the products the demo plans use, one near expiry and one low."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from mesotrace.accounts.models import Clinic
from mesotrace.demo.inventory import demo_products, give_demo_stock
from mesotrace.inventory.models import Lot
from mesotrace.inventory.queries.stock import low_stock, near_expiry, usable_lots
from tests.treatments.builders import demo_clinics_with_plans


def _stock_for(seed: int) -> list[tuple[str, str, str, str]]:
    with transaction.atomic():
        demo_clinics_with_plans(seed, 12)
        for clinic in Clinic.objects.order_by("slug"):
            give_demo_stock(clinic, seed=seed)
        lots = [
            (lot.clinic.slug, lot.product.slug, lot.lot_number, str(lot.quantity_received_ml))
            for lot in Lot.objects.select_related("clinic", "product").order_by("clinic", "id")
        ]
        transaction.set_rollback(True)
    return lots


def test_each_demo_clinic_gets_lots_of_its_plans_products(db: Any) -> None:
    demo_clinics_with_plans(5, 12)
    for clinic in Clinic.objects.all():
        summary = give_demo_stock(clinic, seed=5)
        products = demo_products(clinic)
        assert products
        lots = Lot.objects.for_clinic(clinic)
        assert {lot.product_id for lot in lots} == {p.pk for p in products}
        assert summary.lots == lots.count() == 2 * len(products) + 2
        near = [lot.lot_number for lot in near_expiry(clinic)]
        low = [lot.lot_number for lot in low_stock(clinic)]
        assert summary.near_expiry == near
        assert summary.low == low
        assert all(usable_lots(clinic, p, timezone.now()) for p in products)


def test_demo_stock_is_the_same_for_the_same_seed(db: Any) -> None:
    assert _stock_for(9) == _stock_for(9)


def test_a_clinic_with_lots_is_left_alone(db: Any) -> None:
    demo_clinics_with_plans(3, 12)
    clinic = Clinic.objects.order_by("slug").first()
    assert clinic is not None
    give_demo_stock(clinic, seed=3)
    count = Lot.objects.count()
    assert give_demo_stock(clinic, seed=3).lots == 0
    assert Lot.objects.count() == count
