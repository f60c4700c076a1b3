"""Sessions exposed to each product, lot and product mix, counted as sessions are charted.

`count_session` runs inside the transaction that charts a session, so the counts commit
or roll back with its mix lines; nothing changes a session's products or lots afterwards
(amendments refuse them and every link is PROTECT). `rebuild` replaces a clinic's counts
with a recount from its mix lines: the management command `rebuild_exposure_counts` and
the data migration use it, and the tests check the kept counts against `recount`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import ProductComponent
from mesotrace.safety.models import ExposureCount, ExposureLevel, ExposureMix
from mesotrace.treatments.models import InjectionComponent, TreatmentSession

RECOUNT_CHUNK = 20_000


def mix_key(product_ids: Iterable[int]) -> tuple[str, str]:
    """A set of products as stored: ids ascending, comma-separated, and that text's hash."""
    products = ",".join(str(pk) for pk in sorted(set(product_ids)))
    return products, hashlib.sha256(products.encode()).hexdigest()


def _add_one(model: Any, conflict: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """sessions += 1 on each row, inserting the rows not there yet, in one statement.

    INSERT ... ON CONFLICT DO UPDATE (SQLite 3.24+, PostgreSQL 9.5+) is atomic: a row
    inserted meanwhile by another session's transaction is waited for and then incremented,
    so no increment is lost, and the statement count stays fixed however many lots.
    """
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    names = [*rows[0], "sessions", "created_at", "updated_at"]
    table = quote(model._meta.db_table)
    marks = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * len(rows))
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(n) for n in names)}) VALUES {marks} "  # noqa: S608
        f"ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO UPDATE SET "
        f"{quote('sessions')} = {table}.{quote('sessions')} + 1, "
        f"{quote('updated_at')} = excluded.{quote('updated_at')}"
    )
    params = [value for row in rows for value in (*row.values(), 1, now, now)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def count_session(session: TreatmentSession, used: Iterable[tuple[int, int]]) -> None:
    """Adds one session to the counts of each product and lot it used, and of its mix.

    Call inside the transaction that charted the session, with its (product id, lot id)
    pairs. Two statements whatever the session's size; rows go in one fixed order (lots,
    then products, ids ascending) so two sessions never deadlock.
    """
    pairs = set(used)
    if not pairs:
        return
    products = sorted({product for product, _lot in pairs})
    units = [(ExposureLevel.LOT.value, lot) for lot in sorted({lot for _p, lot in pairs})]
    units += [(ExposureLevel.PRODUCT.value, product) for product in products]
    clinic_id = session.clinic_id
    _add_one(
        ExposureCount,
        ("clinic_id", "level", "unit_id"),
        [{"clinic_id": clinic_id, "level": level, "unit_id": unit} for level, unit in units],
    )
    text, key = mix_key(products)
    _add_one(
        ExposureMix,
        ("clinic_id", "key"),
        [{"clinic_id": clinic_id, "key": key, "products": text}],
    )


# --- Recount from the mix lines -----------------------------------------------------------


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


def _lock(*models: Any) -> None:
    """Holds off every session's count update until the rebuild commits (PostgreSQL; SQLite's
    IMMEDIATE transaction already has the only write lock). A session that counted before
    the lock commits first, so the recount sees its mix lines."""
    connection = connections[router.db_for_write(models[0])]
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


def rebuild(clinic_id: int) -> Recount:
    """Replaces the clinic's counts with the recount, in one transaction; a session charted
    meanwhile waits for it and then increments the rebuilt rows."""
    counts, mixes = ExposureCount, ExposureMix
    with transaction.atomic():
        _lock(counts, mixes)
        found = recount(clinic_id)
        counts.objects.filter(clinic_id=clinic_id).delete()
        mixes.objects.filter(clinic_id=clinic_id).delete()
        counts.objects.bulk_create(
            [
                counts(clinic_id=clinic_id, level=level, unit_id=unit, sessions=n)
                for level, per_unit in (
                    (ExposureLevel.LOT.value, found.lots),
                    (ExposureLevel.PRODUCT.value, found.products),
                )
                for unit, n in per_unit.items()
            ],
            batch_size=1000,
        )
        mixes.objects.bulk_create(
            [
                mixes(clinic_id=clinic_id, products=text, key=mix_key(_ids(text))[1], sessions=n)
                for text, n in found.mixes.items()
            ],
            batch_size=1000,
        )
    return found


def _ids(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


# --- Reading ------------------------------------------------------------------------------


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
    used = {pk for text, _n in mixes for pk in _ids(text)}
    compounds: dict[int, set[int]] = {}
    for product_id, compound_id in ProductComponent.objects.filter(product_id__in=used).values_list(
        "product_id", "compound_id"
    ):
        compounds.setdefault(product_id, set()).add(compound_id)
    out: Counter[int] = Counter()
    for text, n in mixes:
        for compound_id in set().union(*(compounds.get(pk, set()) for pk in _ids(text))):
            out[compound_id] += n
    return dict(out)


def clinics_charted() -> list[int]:
    """Every clinic with mix lines or exposure counts: the ones a full rebuild rewrites."""
    found: set[int] = set()
    for model in (InjectionComponent, ExposureCount):
        found.update(model.objects.values_list("clinic_id", flat=True).distinct().order_by())
    return sorted(found)
