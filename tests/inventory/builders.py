"""Small builders for inventory tests: lots of shipped products, and the sweep's inventory ids."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal
from typing import Any

from django.utils import timezone

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import Product
from mesotrace.inventory.models import Lot, RecallContact
from mesotrace.inventory.services import recalls, stock
from mesotrace.patients.models import Patient
from tests.conftest import SYSTEM, World

LIDOCAINE = "lidocaine-2-generic"  # shipped, presentation not specified
KYBELLA = "kybella"  # shipped single-dose vials of 2 mL
# Far enough never to expire during a test, near enough to be a plausible expiry.
FAR_EXPIRY = datetime.date.today() + datetime.timedelta(days=10 * 365)


def shipped_product(slug: str = LIDOCAINE) -> Product:
    return Product.objects.shipped().get(slug=slug)


def days_from_today(days: int) -> datetime.date:
    """A day counted from today in the test clinics' zone (Europe/Paris)."""
    today = timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/Paris")).date()
    return today + datetime.timedelta(days=days)


def receive(
    clinic: Clinic,
    lot_number: str = "L-0001",
    quantity: str | Decimal = "10",
    expiry: datetime.date = FAR_EXPIRY,
    product: Product | str = LIDOCAINE,
    actor: Actor = SYSTEM,
    **values: Any,
) -> Lot:
    chosen = shipped_product(product) if isinstance(product, str) else product
    return stock.receive_lot(actor, clinic, chosen, lot_number, expiry, quantity, **values)


def sweep_entries(world: World, patient: Patient, marker: str) -> dict[str, int]:
    """The isolation sweep's ids: a lot of clinic A and a recall campaign calling `patient`."""
    lot = receive(world.clinic, f"{marker}-LOT", "20", supplier=f"{marker} Pharma")
    campaign = recalls.open_campaign(SYSTEM, lot, [patient.pk], reason=f"{marker} recall")
    contact = RecallContact.objects.get(campaign=campaign, patient=patient)
    return {"lot_id": lot.pk, "campaign_id": campaign.pk, "contact_id": contact.pk}
