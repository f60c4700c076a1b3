"""Reading the sessions exposed to each product, lot and compound, and recounting them.

The counts are kept as sessions are charted (`safety.services.exposure`); `recount` gives
what the mix lines say, for the rebuild and for the tests that check the kept counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import ProductComponent
from mesotrace.safety.models import ExposureCount, ExposureMix
from mesotrace.safety.rules import mix_ids, mix_key
from mesotrace.treatments.models import InjectionComponent

RECOUNT_CHUNK = 20_000


@dataclass
class Recount:
    """A clinic's counts as its mix lines give them."""

    lots: dict[int, int]
    products: dict[int, int]
    mixes: dict[str, int]  # product ids as `mix_key` writes them -> sessions


def recount(clinic_id: int) -> Recount:
    """The clinic's counts from its mix lines, in one pass over the distinct
    (session, lot, product) of its mix lines, session by session."""
    lines = InjectionComponent.objects.filter(clinic_id=clinic_id)
    triples = (
        lines.values_list("injection__session_id", "lot_id", "product_id")
        .distinct()
        .order_by("injection__session_id")
    )
    lots: Counter[int] = Counter()
    products: Counter[int] = Counter()
    mixes: Counter[str] = Counter()
    current: int | None = None
    session_lots: set[int] = set()
    session_products: set[int] = set()

    def count_session() -> None:
        lots.update(session_lots)
        products.update(session_products)
        mixes[mix_key(session_products)[0]] += 1

    for session_id, lot_id, product_id in triples.iterator(chunk_size=RECOUNT_CHUNK):
        if session_id != current and session_products:
            count_session()
            session_lots, session_products = set(), set()
        current = session_id
        session_lots.add(lot_id)
        session_products.add(product_id)
    if session_products:
        count_session()
    return Recount(lots=dict(lots), products=dict(products), mixes=dict(mixes))


def sessions_per(
    clinic: Clinic, level: str, unit_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Sessions exposed to each product or lot of the clinic (units never used are absent)."""
    rows = ExposureCount.objects.for_clinic(clinic).filter(level=level)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=list(unit_ids))
    return dict(rows.values_list("unit_id", "sessions"))


def sessions_per_compound(clinic: Clinic) -> dict[int, int]:
    """Sessions exposed to each compound, through each mix's products as composed today.

    A session counts once per compound however many of its products contain it: each mix
    adds its sessions to the union of its products' compounds.
    """
    mixes = list(ExposureMix.objects.for_clinic(clinic).values_list("products", "sessions"))
    used = {pk for text, _n in mixes for pk in mix_ids(text)}
    compounds: dict[int, set[int]] = {}
    for product_id, compound_id in ProductComponent.objects.filter(product_id__in=used).values_list(
        "product_id", "compound_id"
    ):
        compounds.setdefault(product_id, set()).add(compound_id)
    out: Counter[int] = Counter()
    for text, n in mixes:
        for compound_id in set().union(*(compounds.get(pk, set()) for pk in mix_ids(text))):
            out[compound_id] += n
    return dict(out)


def clinics_charted() -> list[int]:
    """Every clinic with mix lines or exposure counts: the ones a full rebuild rewrites."""
    found: set[int] = set()
    for model in (InjectionComponent, ExposureCount):
        found.update(model.objects.values_list("clinic_id", flat=True).distinct().order_by())
    return sorted(found)
