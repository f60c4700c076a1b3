"""What the charting page's script needs: products with their usable lots, the protocol's
defaults for the syringe, and the body zones. Sent as JSON in the page, never executed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mesotrace.catalogue.models import BodyZone, Product, Technique
from mesotrace.charting.services import depth_range, performed_at
from mesotrace.core.clock import clinic_today
from mesotrace.inventory.models import Lot, LotStatus, on_hand_expression
from mesotrace.inventory.queries.stock import usable_lots
from mesotrace.inventory.rules import HALF_ML_UNIT, annotated_on_hand
from mesotrace.treatments.models import Appointment

DEFAULT_VOLUME_PER_POINT = Decimal("0.1")
DEFAULT_GAUGE = 30
DEFAULT_NEEDLE_MM = Decimal("4")


def _stocked_products(appointment: Appointment) -> list[Product]:
    """The protocol's products first, then any other product the clinic has lots of."""
    clinic = appointment.clinic
    items = list(appointment.plan.protocol.items.select_related("product"))
    own = [item.product for item in items]
    stocked_ids = set(
        Lot.objects.for_clinic(clinic)
        .filter(status=LotStatus.AVAILABLE)
        .values_list("product_id", flat=True)
    )
    others = Product.objects.visible_to(clinic).filter(pk__in=stocked_ids - {p.pk for p in own})
    return [*own, *others.order_by("name")]


def _held_lots(appointment: Appointment, product: Product) -> list[Lot]:
    """Lots under investigation with stock, listed after the usable ones: charting refuses
    them unless an owner overrides, and the refusal should say why rather than hide them."""
    day = clinic_today(appointment.clinic)
    return list(
        Lot.objects.for_clinic(appointment.clinic)
        .filter(product=product, status=LotStatus.UNDER_INVESTIGATION, expiry_date__gte=day)
        .annotate(on_hand_ml=on_hand_expression())
        .filter(on_hand_ml__gt=HALF_ML_UNIT)
        .order_by("expiry_date", "id")
    )


def _lot_entry(lot: Lot) -> dict[str, Any]:
    held = lot.status == LotStatus.UNDER_INVESTIGATION
    return {
        "id": lot.pk,
        "number": lot.lot_number,
        "expiry": lot.expiry_date.isoformat(),
        "on_hand": str(annotated_on_hand(lot)) if held else str(getattr(lot, "on_hand_ml", "")),
        "held": held,
    }


def _lots(appointment: Appointment, product: Product) -> list[dict[str, Any]]:
    usable = usable_lots(appointment.clinic, product, performed_at(appointment))
    return [_lot_entry(lot) for lot in [*usable, *_held_lots(appointment, product)]]


def _defaults(appointment: Appointment) -> dict[str, Any]:
    protocol = appointment.plan.protocol
    low, high = depth_range(protocol)
    length = protocol.needle_length_mm or max(DEFAULT_NEEDLE_MM, low)
    depth = min(max(low, Decimal("2")), high, length)
    per_point = sum(
        (item.volume_ml_per_point or Decimal("0") for item in protocol.items.all()), Decimal("0")
    )
    return {
        "depth_min": str(low),
        "depth_max": str(high),
        "depth_mm": str(depth),
        "needle_gauge": protocol.needle_gauge or DEFAULT_GAUGE,
        "needle_length_mm": str(length),
        "technique": protocol.technique or Technique.POINT_BY_POINT,
        "volume_per_point": str(per_point or DEFAULT_VOLUME_PER_POINT),
        "products": [item.product_id for item in protocol.items.all()],
    }


def chart_config(appointment: Appointment) -> dict[str, Any]:
    products = _stocked_products(appointment)
    return {
        "products": [{"id": p.pk, "name": p.name, "lots": _lots(appointment, p)} for p in products],
        "defaults": _defaults(appointment),
        "techniques": [[value, str(label)] for value, label in Technique.choices],
        "zones": {
            zone.slug: {"name": zone.name, "snomed": zone.snomed_code}
            for zone in BodyZone.objects.all()
        },
    }
