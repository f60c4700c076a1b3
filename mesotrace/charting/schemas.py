"""The shape of a charted session, shared by the API and the charting page's one POST, and
the input of `services.record_session`, frozen once checked.

Ranges that hold for every clinic are checked here; what depends on the plan, the
catalogue, the lots and the stock is checked by `services.record_session`.
"""

from __future__ import annotations

from decimal import Decimal

from ninja import Field
from pydantic import ConfigDict

from mesotrace.catalogue.models import DEPTH_MAX_MM, DEPTH_MIN_MM, NEEDLE_LENGTH_MAX_MM, Technique
from mesotrace.core.api import InSchema
from mesotrace.treatments.models import (
    MAX_CHARGES,
    MAX_ML_PER_POINT,
    NEEDLE_GAUGE_MAX,
    NEEDLE_GAUGE_MIN,
    NEEDLE_LENGTH_MIN_MM,
    Anaesthetic,
    MapView,
)

MAX_POINTS = 500
MAX_PRODUCTS_PER_SYRINGE = 8


class _Frozen(InSchema):
    model_config = ConfigDict(frozen=True)


class ComponentIn(_Frozen):
    product_id: int
    lot_id: int
    volume_ml: Decimal = Field(gt=0, le=MAX_ML_PER_POINT, decimal_places=3)


class InjectionIn(_Frozen):
    view: MapView
    x: Decimal = Field(ge=0, le=1, decimal_places=4, description="Fraction of the map's width.")
    y: Decimal = Field(ge=0, le=1, decimal_places=4, description="Fraction of the map's height.")
    zone: str | None = Field(
        None, max_length=60, description="BodyZone slug; found from the point when left out."
    )
    depth_mm: Decimal = Field(ge=DEPTH_MIN_MM, le=DEPTH_MAX_MM, decimal_places=1)
    needle_gauge: int = Field(ge=NEEDLE_GAUGE_MIN, le=NEEDLE_GAUGE_MAX)
    needle_length_mm: Decimal = Field(
        ge=NEEDLE_LENGTH_MIN_MM, le=NEEDLE_LENGTH_MAX_MM, decimal_places=1
    )
    technique: Technique
    components: list[ComponentIn] = Field(min_length=1, max_length=MAX_PRODUCTS_PER_SYRINGE)


class LotOverrideIn(_Frozen):
    """An owner's override of the refusal of one lot under investigation, for this session."""

    lot_id: int
    reason: str = Field("", max_length=2000)


class DoseOverrideIn(_Frozen):
    """An owner's override of the refusal of a limited drug in a product of unknown strength."""

    compound_id: int
    reason: str = Field("", max_length=2000)


class SessionIn(_Frozen):
    appointment_id: int | None = None
    practitioner_id: int | None = Field(
        None, description="Who injected; defaults to the appointment's practitioner."
    )
    anaesthetic: Anaesthetic = Anaesthetic.NONE
    anaesthetic_note: str = Field("", max_length=300)
    pain_score: int | None = Field(None, ge=0, le=10)
    immediate_reactions: str = Field("", max_length=2000)
    notes: str = Field("", max_length=4000)
    charges: Decimal = Field(Decimal("0"), ge=0, le=MAX_CHARGES, decimal_places=2)
    idempotency_key: str | None = Field(
        None,
        min_length=8,
        max_length=100,
        description="Or the Idempotency-Key header: a retry with the same key is harmless.",
    )
    injections: list[InjectionIn] = Field(min_length=1, max_length=MAX_POINTS)
    lot_overrides: list[LotOverrideIn] = Field(
        default_factory=list,
        max_length=MAX_PRODUCTS_PER_SYRINGE,
        description="Owners only: lots under investigation to chart anyway, each with a reason.",
    )
    dose_overrides: list[DoseOverrideIn] = Field(
        default_factory=list,
        max_length=MAX_PRODUCTS_PER_SYRINGE,
        description="Owners only: limited drugs to chart from a product of unknown strength, "
        "each with a reason; the amount from that product is then not checked.",
    )
