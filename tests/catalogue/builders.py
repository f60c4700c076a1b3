"""Small builders for catalogue tests: shipped entries by slug, and clinic-own clones."""

from __future__ import annotations

from dataclasses import replace

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue import services
from mesotrace.catalogue.models import Compound, Indication, Product, Protocol
from tests.conftest import SYSTEM


def shipped_compound(slug: str) -> Compound:
    return Compound.objects.shipped().get(slug=slug)


def shipped_protocol(slug: str) -> Protocol:
    return Protocol.objects.shipped().get(slug=slug)


def own_entries(clinic: Clinic, marker: str) -> dict[str, int]:
    """One clinic-own entry of each kind (clones of shipped ones), named with `marker`."""
    compound = services.clone_compound(SYSTEM, clinic, shipped_compound("lidocaine"))
    renamed = replace(services.CompoundInput.of(compound), name=f"Lidocaine {marker}")
    services.save_compound(SYSTEM, clinic, compound, renamed)
    product = services.clone_product(
        SYSTEM, clinic, Product.objects.shipped().get(slug="lidocaine-2-generic")
    )
    product_name = f"Lidocaine 2% {marker}"
    services.save_product(
        SYSTEM, clinic, product, replace(services.ProductInput.of(product), name=product_name)
    )
    indication = services.clone_indication(
        SYSTEM, clinic, Indication.objects.shipped().get(slug="cellulite")
    )
    services.save_indication(
        SYSTEM,
        clinic,
        indication,
        replace(services.IndicationInput.of(indication), name=f"Cellulite {marker}"),
    )
    protocol = services.clone_protocol(
        SYSTEM, clinic, shipped_protocol("low-back-pain-lidocaine-ketoprofen-methylprednisolone")
    )
    services.save_protocol(
        SYSTEM,
        clinic,
        protocol,
        replace(services.ProtocolInput.of(protocol), name=f"Back pain {marker}"),
    )
    return {
        "compound_id": compound.pk,
        "product_id": product.pk,
        "indication_id": indication.pk,
        "protocol_id": protocol.pk,
    }
