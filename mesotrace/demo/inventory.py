"""Demo stock for a demo clinic: lots of every product its demo plans use.

Every lot is synthetic: invented lot numbers from a fictional distributor, received
through the audited service as a clinic would. Each product gets a current lot and an
older one; the demo also shows one lot close to expiry and one low on stock. The same
clinic and seed give the same lots; the dates follow the day the demo is generated.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import CompoundClass, Presentation, Product, ProtocolItem
from mesotrace.core.clock import clinic_today
from mesotrace.inventory.models import Lot
from mesotrace.inventory.services import stock
from mesotrace.treatments.models import TreatmentPlan

SUPPLIER = _("Demo Pharma Distribution (fictional)")
NEAR_EXPIRY_DAYS = 20  # inside the default near-expiry window of 60 days
LOW_ML = Decimal("2")  # under the default low-stock threshold of 5 mL
# Bulk amounts for products sold without a stated volume per vial.
BULK_ML = (Decimal("50"), Decimal("100"), Decimal("200"))
# A local anaesthetic of unstated presentation bought in bulk comes, in life, in
# multiple-dose vials with a preservative (as Xylocaine and Novocain do, see the shipped
# catalogue): the demo receives it so, opened vials discarded 28 days after first use.
ANAESTHETIC_DISCARD_HOURS = 28 * 24


class DemoStockRefused(Exception):
    """Demo stock is never written in production."""


@dataclass
class DemoStock:
    lots: int = 0
    millilitres: Decimal = Decimal("0")
    near_expiry: list[str] = field(default_factory=list)
    low: list[str] = field(default_factory=list)


def demo_products(clinic: Clinic) -> list[Product]:
    """Every product in the mixes of the clinic's plans, by slug."""
    protocols = TreatmentPlan.objects.for_clinic(clinic).values("protocol_id")
    ids = ProtocolItem.objects.filter(protocol_id__in=protocols).values("product_id")
    return list(Product.objects.visible_to(clinic).filter(pk__in=ids).order_by("slug"))


def _lot_number(product: Product, rng: random.Random, index: int) -> str:
    prefix = "".join(part[0] for part in product.slug.split("-")[:3]).upper()
    return f"{prefix}{rng.randint(10, 99)}{index:02d}-{rng.randint(1000, 9999)}"


def _quantity(product: Product, rng: random.Random) -> Decimal:
    if product.volume_ml:
        return product.volume_ml * rng.choice((10, 20, 25))
    return rng.choice(BULK_ML)


def _receive(
    actor: Actor,
    clinic: Clinic,
    product: Product,
    number: str,
    received: datetime.date,
    expiry: datetime.date,
    quantity: Decimal,
) -> Lot:
    bulk_anaesthetic = (
        product.presentation == Presentation.UNSPECIFIED
        and not product.volume_ml
        and product.components.filter(compound__compound_class=CompoundClass.ANAESTHETIC).exists()
    )
    return stock.receive_lot(
        actor,
        clinic,
        product,
        number,
        expiry,
        quantity,
        supplier=str(SUPPLIER),
        received_on=received,
        multi_dose=True if bulk_anaesthetic else None,
        discard_after_hours=ANAESTHETIC_DISCARD_HOURS if bulk_anaesthetic else None,
    )


def _product_lots(
    actor: Actor, clinic: Clinic, product: Product, rng: random.Random, today: datetime.date
) -> list[Lot]:
    """A current lot and the older one of the previous delivery."""
    current = _receive(
        actor,
        clinic,
        product,
        _lot_number(product, rng, 1),
        today - datetime.timedelta(days=rng.randint(3, 20)),
        today + datetime.timedelta(days=rng.randint(300, 700)),
        _quantity(product, rng),
    )
    older = _receive(
        actor,
        clinic,
        product,
        _lot_number(product, rng, 2),
        today - datetime.timedelta(days=rng.randint(60, 90)),
        today + datetime.timedelta(days=rng.randint(120, 250)),
        _quantity(product, rng) / 2,
    )
    return [current, older]


def _refuse_production() -> None:
    if settings.ENVIRONMENT == "production":
        raise DemoStockRefused("Demo stock is never written in production.")


@transaction.atomic
def give_demo_stock(clinic: Clinic, seed: int = 2026, actor: Actor | None = None) -> DemoStock:
    """Receives synthetic lots for the products the clinic's demo plans use.

    Per product a current and an older lot; the first product also gets a lot that
    expires in 20 days, the last one a lot holding only 2 mL. A clinic that already
    has lots, or no plans, is left as it is. Call after the demo plans are made.
    """
    _refuse_production()
    summary = DemoStock()
    products = demo_products(clinic)
    if not products or Lot.objects.for_clinic(clinic).exists():
        return summary
    actor = actor or Actor.system("demo")
    rng = random.Random(f"{seed}:{clinic.slug}:stock")
    today = clinic_today(clinic)
    lots: list[Lot] = []
    for product in products:
        lots += _product_lots(actor, clinic, product, rng, today)
    first, last = products[0], products[-1]
    near = _receive(
        actor,
        clinic,
        first,
        _lot_number(first, rng, 3),
        today - datetime.timedelta(days=200),
        today + datetime.timedelta(days=NEAR_EXPIRY_DAYS),
        _quantity(first, rng) / 5,
    )
    low = _receive(
        actor,
        clinic,
        last,
        _lot_number(last, rng, 4),
        today - datetime.timedelta(days=30),
        today + datetime.timedelta(days=rng.randint(150, 300)),
        LOW_ML,
    )
    lots += [near, low]
    summary.lots = len(lots)
    summary.millilitres = sum((lot.quantity_received_ml for lot in lots), Decimal("0"))
    summary.near_expiry = [near.lot_number]
    summary.low = [low.lot_number]
    return summary
