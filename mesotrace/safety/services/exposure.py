"""Sessions exposed to each product, lot and product mix, counted as sessions are charted.

`count_session` runs inside the transaction that charts a session, so the counts commit
or roll back with its mix lines; nothing changes a session's products or lots afterwards
(amendments refuse them and every link is PROTECT). `rebuild` replaces a clinic's counts
with a recount from its mix lines: the management command `rebuild_exposure_counts` and
the data migration use it, and the tests check the kept counts against `recount`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone

from mesotrace.safety.models import ExposureCount, ExposureLevel, ExposureMix
from mesotrace.safety.queries.exposure import Recount, recount
from mesotrace.safety.rules import mix_ids, mix_key
from mesotrace.treatments.models import TreatmentSession


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
                mixes(clinic_id=clinic_id, products=text, key=mix_key(mix_ids(text))[1], sessions=n)
                for text, n in found.mixes.items()
            ],
            batch_size=1000,
        )
    return found
