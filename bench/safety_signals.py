"""Safety signals per compound, product and lot over N exposure records and M events.

`python -m bench.run --only safety_signals [--exposures N] [--events M]` starts one child
process per database (`python -m bench.safety_signals`), as the other benchmarks do: SQLite
in a temporary file, PostgreSQL in a fresh `mesotrace_bench_*` database dropped afterwards
(skipped, loudly, when the server does not answer). Each child migrates the app's schema and
writes, in bulk, one clinic's catalogue (50 compounds, 200 products, 2,000 lots), N exposure
records (one session exposed to one lot) into a flat table, and M adverse events as the app
stores them (event rows, their lot and product links). Then:

- before: what the signals used to do, GROUP BY over every exposure record at query time,
  here on the flat table (the app's old query also joined the mix lines to injections for
  their sessions; not timed here), then every measure in numpy, one run;
- the one-time build of the app's exposure counts from the exposure records;
- after: the app's `clinic_signals(clinic)` as the signals page calls it (kept exposure
  counts, event counts by GROUP BY over the link tables, every measure), median of runs,
  checked against the flat tables' counts.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.databases import load_average, median_seconds, on_each_database, setup
from mesotrace.evidence import rates, signals

if TYPE_CHECKING:
    from mesotrace.accounts.models import Clinic

TARGET_S = 2.0
DEFAULT_EXPOSURES = 10_000_000
DEFAULT_EVENTS = 100_000
DEFAULT_SIGNAL_REPEATS = 5
LOTS = 2_000
LOTS_PER_PRODUCT = 10  # 200 products
PRODUCTS_PER_COMPOUND = 4  # 50 compounds
PRODUCTS = LOTS // LOTS_PER_PRODUCT
COMPOUNDS = PRODUCTS // PRODUCTS_PER_COMPOUND
CATEGORIES = 10
PATIENTS = 1_000
STAMP = "2025-06-02T12:00:00+00:00"
LEVELS = ("compound", "product", "lot")
Query = Callable[[str], list[tuple[Any, ...]]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exposures", type=int, default=DEFAULT_EXPOSURES)
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS)
    parser.add_argument("--signal-repeats", type=int, default=DEFAULT_SIGNAL_REPEATS)


def _arguments(options: argparse.Namespace) -> list[str]:
    return [
        f"--exposures={options.exposures}",
        f"--events={options.events}",
        f"--signal-repeats={options.signal_repeats}",
    ]


# --- Parent: one child per database ----------------------------------------------------


def run(options: argparse.Namespace) -> bool:
    """Runs the benchmark on SQLite, then on PostgreSQL when it answers."""
    print(f"{options.exposures:,} exposure records, {options.events:,} events", flush=True)
    return on_each_database("safety signals", "bench.safety_signals", _arguments(options))


# --- Child: the flat tables and the "before" timing ------------------------------------


def _series(count: int) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"generate_series(1::bigint, {count}) AS g(n)"
    return (
        f"(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) "
        "SELECT n FROM s)"
    )


def _event_lot(n: str) -> str:
    """The lot (0 to LOTS - 1) of event number `n`, the same in SQL and numpy."""
    return f"({n} * 104729) % {LOTS}"


def _flat_sql(exposures: int, events: int) -> list[str]:
    product = f"(lot_id / {LOTS_PER_PRODUCT})"
    compound = f"(lot_id / {LOTS_PER_PRODUCT * PRODUCTS_PER_COMPOUND})"
    return [
        "CREATE TABLE bench_exposure (session_id BIGINT, lot_id INT, product_id INT, "
        "compound_id INT)",
        "CREATE TABLE bench_event (event_id BIGINT, lot_id INT, product_id INT, "
        "compound_id INT, category INT)",
        f"INSERT INTO bench_exposure SELECT n, lot_id, {product}, {compound} FROM "
        f"(SELECT n, (n * 7919) % {LOTS} AS lot_id FROM {_series(exposures)}) s",
        f"INSERT INTO bench_event SELECT n, lot_id, {product}, {compound}, "
        f"((n * 31) / 7) % {CATEGORIES} FROM (SELECT n, {_event_lot('n')} AS lot_id "
        f"FROM {_series(events)}) s",
    ]


def query(sql: str) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def signals_from_counts(
    exposure: Sequence[tuple[int, int]],
    events: Sequence[tuple[int, int, int]],
    groups: dict[int, int],
) -> int:
    """Every measure for every (unit, category); returns the number of tables."""
    units = np.array(sorted({u for u, _n in exposure}))
    index = {u: i for i, u in enumerate(units)}
    t = np.zeros(len(units))
    for unit, n in exposure:
        t[index[unit]] = n
    a = np.zeros((len(units), CATEGORIES))
    for unit, category, n in events:
        if unit in index:
            a[index[unit], category] = n
    b = a.sum(axis=1, keepdims=True) - a
    c = a.sum(axis=0, keepdims=True) - a
    d = a.sum() - a - b - c
    rates.incidence(a, t[:, None])
    group_of = np.array([groups.get(int(u), 0) for u in units])
    # The other units of the same group (a lot: its product's other lots), all at once.
    _, where = np.unique(group_of, return_inverse=True)
    group_k = np.zeros((where.max() + 1, CATEGORIES))
    np.add.at(group_k, where, a)
    group_t = np.bincount(where, weights=t)
    rates.rate_ratio(a, t[:, None], group_k[where] - a, (group_t[where] - t)[:, None])
    signals.prr(a, b, c, d)
    signals.ror(a, b, c, d)
    signals.chi_square(a, b, c, d)
    signals.evans(a, b, c, d)
    signals.information_component(a, b, c, d)
    signals.mgps(a.ravel(), b.ravel(), c.ravel(), d.ravel())
    return int(a.size)


def time_flat() -> dict[str, float]:
    """Before: GROUP BY over every exposure record at query time, then the measures."""
    timings = {}
    for level in LEVELS:
        started = time.perf_counter()
        exposure = query(f"SELECT {level}_id, COUNT(*) FROM bench_exposure GROUP BY {level}_id")
        events = query(
            f"SELECT {level}_id, category, COUNT(*) FROM bench_event GROUP BY {level}_id, category"
        )
        counted = time.perf_counter()
        groups = {lot: lot // LOTS_PER_PRODUCT for lot, _n in exposure} if level == "lot" else {}
        tables = signals_from_counts(exposure, events, groups)
        done = time.perf_counter()
        timings[level] = done - started
        print(
            f"  before {level:<9} {tables:>6} tables: SQL {counted - started:7.3f} s, "
            f"numpy {done - counted:6.3f} s, total {done - started:7.3f} s",
            flush=True,
        )
    return timings


# --- Child: the app's rows --------------------------------------------------------------


class Ids:
    """The first id of each generated kind: unit i of the flat tables is row first + i."""

    def __init__(self) -> None:
        from bench.bulk import first_id
        from mesotrace.catalogue.models import Compound, Product, ProductComponent
        from mesotrace.inventory.models import Lot
        from mesotrace.safety.models import AdverseEvent

        self.compound = first_id(Compound)
        self.product = first_id(Product)
        self.component = first_id(ProductComponent)
        self.lot = first_id(Lot)
        self.event = first_id(AdverseEvent)
        self.lot_link = first_id(AdverseEvent.lots.through)
        self.product_link = first_id(AdverseEvent.products.through)


def _write(model: Any, count: int, values: dict[str, object]) -> None:
    """`demo.bulk.load`, with the time stamps the model has."""
    from bench.bulk import load

    names = {f.attname for f in model._meta.concrete_fields}
    stamps = {name: STAMP for name in ("created_at", "updated_at") if name in names}
    load(model, count, {**stamps, **values})


def _catalogue(clinic: Clinic, ids: Ids) -> None:
    """50 compounds, 200 products of one compound each, 10 lots per product."""
    from mesotrace.catalogue.models import Compound, Product, ProductComponent
    from mesotrace.inventory.models import Lot

    _write(
        Compound,
        COMPOUNDS,
        {
            "id": ids.compound + np.arange(COMPOUNDS),
            "clinic_id": clinic.pk,
            "name": [f"Compound {i}" for i in range(COMPOUNDS)],
            "slug": [f"bench-compound-{i}" for i in range(COMPOUNDS)],
            "compound_class": "other",
            "purpose": "Synthetic benchmark compound.",
            "evidence_summary": "Synthetic.",
        },
    )
    _write(
        Product,
        PRODUCTS,
        {
            "id": ids.product + np.arange(PRODUCTS),
            "clinic_id": clinic.pk,
            "name": [f"Product {i}" for i in range(PRODUCTS)],
            "slug": [f"bench-product-{i}" for i in range(PRODUCTS)],
            "presentation": "unspecified",
        },
    )
    _write(
        ProductComponent,
        PRODUCTS,
        {
            "id": ids.component + np.arange(PRODUCTS),
            "product_id": ids.product + np.arange(PRODUCTS),
            "compound_id": ids.compound + np.arange(PRODUCTS) // PRODUCTS_PER_COMPOUND,
        },
    )
    _write(
        Lot,
        LOTS,
        {
            "id": ids.lot + np.arange(LOTS),
            "clinic_id": clinic.pk,
            "product_id": ids.product + np.arange(LOTS) // LOTS_PER_PRODUCT,
            "lot_number": [f"B{i:05d}" for i in range(LOTS)],
            "expiry_date": "2099-12-31",
            "received_on": "2025-01-01",
            "quantity_received_ml": "1000",
        },
    )


def _events(clinic: Clinic, ids: Ids, count: int) -> None:
    """M adverse events, each linked to one lot and its product, as the flat event table."""
    from mesotrace.patients.models import Patient
    from mesotrace.safety.models import CATEGORY_OF, AdverseEvent, Category

    n = np.arange(1, count + 1, dtype=np.int64)
    lot = (n * 104729) % LOTS
    categories = list(Category)
    term = {
        category: next(t for t, c in CATEGORY_OF.items() if c == category)
        for category in categories
    }
    category = [categories[i] for i in ((n * 31) // 7 % CATEGORIES).tolist()]
    patients = np.array(Patient.objects.for_clinic(clinic).values_list("pk", flat=True))
    _write(
        AdverseEvent,
        count,
        {
            "id": ids.event + n - 1,
            "clinic_id": clinic.pk,
            "patient_id": patients[n % len(patients)],
            "reporter": "staff",
            "term": [str(term[c]) for c in category],
            "category": [str(c) for c in category],
            "onset_date": "2025-06-01",
            "detected_on": "2025-06-02",
            "grade": 2,
            "seriousness": "[]",
        },
    )
    event_ids = ids.event + n - 1
    through_lots = AdverseEvent.lots.through
    through_products = AdverseEvent.products.through
    _write(
        through_lots,
        count,
        {"id": ids.lot_link + n - 1, "adverseevent_id": event_ids, "lot_id": ids.lot + lot},
    )
    _write(
        through_products,
        count,
        {
            "id": ids.product_link + n - 1,
            "adverseevent_id": event_ids,
            "product_id": ids.product + lot // LOTS_PER_PRODUCT,
        },
    )


def _populate(options: argparse.Namespace) -> tuple[Clinic, Ids]:
    import random

    from django.db import connection

    from bench.bulk import analyze, fast_writes, reset_sequences
    from mesotrace.accounts.access import Actor
    from mesotrace.accounts.services import create_clinic
    from mesotrace.catalogue.models import Compound, Product, ProductComponent
    from mesotrace.demo.generator import bulk_patients
    from mesotrace.inventory.models import Lot
    from mesotrace.safety.models import AdverseEvent

    actor = Actor.system("bench")
    clinic = create_clinic(
        actor,
        name="Signals bench",
        slug="signals-bench",
        jurisdiction="FR",
        timezone_name="Europe/Paris",
        currency="EUR",
    )
    bulk_patients(clinic, PATIENTS, random.Random(1), actor)
    ids = Ids()
    started = time.perf_counter()
    with fast_writes():
        _catalogue(clinic, ids)
        _events(clinic, ids, options.events)
    took = time.perf_counter() - started
    print(f"  catalogue and {options.events:,} events written in {took:.1f} s", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in _flat_sql(options.exposures, options.events):
            cursor.execute(statement)
    links = [AdverseEvent.lots.through, AdverseEvent.products.through]
    reset_sequences([Compound, Product, ProductComponent, Lot, AdverseEvent, *links])
    analyze()
    print(f"  flat tables generated in {time.perf_counter() - started:.1f} s", flush=True)
    return clinic, ids


# --- Child: the kept counts and the "after" timing --------------------------------------


def build_counts(clinic: Clinic, ids: Ids) -> float:
    """The one-time build of the kept exposure counts from the exposure records (seconds)."""
    from django.db import connection, transaction

    from mesotrace.safety.models import ExposureCount, ExposureMix
    from mesotrace.safety.rules import mix_key

    table = connection.ops.quote_name(ExposureCount._meta.db_table)
    now = "CURRENT_TIMESTAMP"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for level, column, base in (
            ("lot", "lot_id", ids.lot),
            ("product", "product_id", ids.product),
        ):
            cursor.execute(
                f"INSERT INTO {table} (clinic_id, level, unit_id, sessions, created_at, "
                f"updated_at) SELECT {clinic.pk}, '{level}', {base} + {column}, COUNT(*), "
                f"{now}, {now} FROM bench_exposure GROUP BY {column}"
            )
        # Each exposure record is a session with one product: a mix per product.
        per_product = ExposureCount.objects.for_clinic(clinic).filter(level="product")
        ExposureMix.objects.bulk_create(
            [
                ExposureMix(clinic=clinic, products=text, key=key, sessions=n)
                for unit, n in per_product.values_list("unit_id", "sessions")
                for text, key in [mix_key([unit])]
            ]
        )
    return time.perf_counter() - started


def _check(clinic: Clinic, ids: Ids) -> None:
    """The app's lot rows count what the flat tables count."""
    from mesotrace.safety.queries.signals import clinic_signals

    sessions = dict(query("SELECT lot_id, COUNT(*) FROM bench_exposure GROUP BY lot_id"))
    events = {
        (lot, category): n
        for lot, category, n in query(
            "SELECT lot_id, category, COUNT(*) FROM bench_event GROUP BY lot_id, category"
        )
    }
    names = [str(c) for c in _categories()]
    rows = clinic_signals(clinic)["lot"]
    for row in rows:
        lot = row.unit_id - ids.lot
        expected = (sessions.get(lot, 0), events.get((lot, names.index(row.category)), 0))
        if (row.sessions, row.a) != expected:
            raise SystemExit(f"lot {lot}: the app counts {(row.sessions, row.a)}, not {expected}")
    print(f"  checked: {len(rows):,} lot rows count what the flat tables count", flush=True)


def _categories() -> list[Any]:
    from mesotrace.safety.models import Category

    return list(Category)


def time_app(clinic: Clinic, repeats: int) -> tuple[dict[str, float], float]:
    """After: the app's own code; each level's rows, then `clinic_signals` whole."""
    from mesotrace.safety.queries import signals as signal_tables

    totals = signal_tables.category_totals(clinic)
    timings = {}
    for level in LEVELS:
        counts = median_seconds(partial(signal_tables.unit_counts, clinic, level), repeats)
        whole = median_seconds(partial(signal_tables.level_rows, clinic, level, totals), repeats)
        tables = len(signal_tables.level_rows(clinic, level, totals))
        timings[level] = whole
        print(
            f"  after  {level:<9} {tables:>6} tables: SQL {counts:7.3f} s, "
            f"rest {whole - counts:6.3f} s, total {whole:7.3f} s",
            flush=True,
        )
    total = median_seconds(lambda: signal_tables.clinic_signals(clinic), repeats)
    return timings, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    options = parser.parse_args(argv)
    setup()
    clinic, ids = _populate(options)
    print(load_average(), flush=True)
    before = sum(time_flat().values())
    print(f"  before: all three levels {before:.3f} s (GROUP BY at query time, one run)")
    built = build_counts(clinic, ids)
    print(f"  exposure counts built from {options.exposures:,} records in {built:.1f} s (once)")
    _check(clinic, ids)
    timings, total = time_app(clinic, options.signal_repeats)
    print(load_average(), flush=True)
    ok = total <= TARGET_S
    print(
        f"  after: clinic_signals() {total:.3f} s, median of {options.signal_repeats} "
        f"(levels {sum(timings.values()):.3f} s); {before / total:,.1f}x faster than before; "
        f"target <= {TARGET_S} s:",
        "OK" if ok else "SLOW",
        flush=True,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
