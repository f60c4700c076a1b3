"""Safety signals per compound, product and lot over N exposure records and M events.

`python -m bench.run --only safety_signals [--exposures N] [--events M]` builds two flat
tables on SQLite (temporary file) and PostgreSQL (a fresh `mesotrace_bench_*` database,
dropped afterwards; skipped, loudly, when the server does not answer): `exposure` (one row
per session exposed to a lot, carrying its product and compound) and `event` (one row per
event-to-lot link with its category). It then times what the signals page does: GROUP BY
counts per unit and category in SQL, then every measure (incidence with exact CI, rate ratio
against the other units, PRR, ROR, chi-square, Evans, IC025, EBGM with a fitted prior) in
numpy. Measured on these flat tables, not through the app's joins (injection, session); a
session is exposed to one lot per product here, so exposure rows per product are sessions.
"""

from __future__ import annotations

import argparse
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.patient_search import POSTGRES_URL, _admin, banner, postgres_problem
from mesotrace.evidence import rates, signals

TARGET_S = 2.0
DEFAULT_EXPOSURES = 10_000_000
DEFAULT_EVENTS = 100_000
LOTS = 2_000
LOTS_PER_PRODUCT = 10  # 200 products
PRODUCTS_PER_COMPOUND = 4  # 50 compounds
CATEGORIES = 10
LEVELS = ("compound", "product", "lot")
Query = Callable[[str], list[tuple[Any, ...]]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exposures", type=int, default=DEFAULT_EXPOSURES)
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS)


def _generate_sql(exposures: int, events: int, series: str) -> list[str]:
    product = f"(lot_id / {LOTS_PER_PRODUCT})"
    compound = f"(lot_id / {LOTS_PER_PRODUCT * PRODUCTS_PER_COMPOUND})"
    return [
        "CREATE TABLE exposure (session_id BIGINT, lot_id INT, product_id INT, compound_id INT)",
        "CREATE TABLE event (event_id BIGINT, lot_id INT, product_id INT, compound_id INT, "
        "category INT)",
        f"INSERT INTO exposure SELECT n, lot_id, {product}, {compound} FROM "
        f"(SELECT n, (n * 7919) % {LOTS} AS lot_id FROM {series.format(count=exposures)}) s",
        f"INSERT INTO event SELECT n, lot_id, {product}, {compound}, (n * 31) % {CATEGORIES} "
        f"FROM (SELECT n, ((n * 104729) % {LOTS} + CASE WHEN n % 50 = 0 THEN 0 ELSE 0 END) "
        f"% {LOTS} AS lot_id FROM {series.format(count=events)}) s",
    ]


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


def time_signals(query: Query) -> dict[str, float]:
    timings = {}
    for level in LEVELS:
        started = time.perf_counter()
        exposure = query(f"SELECT {level}_id, COUNT(*) FROM exposure GROUP BY {level}_id")
        events = query(
            f"SELECT {level}_id, category, COUNT(*) FROM event GROUP BY {level}_id, category"
        )
        counted = time.perf_counter()
        groups = {lot: lot // LOTS_PER_PRODUCT for lot, _n in exposure} if level == "lot" else {}
        tables = signals_from_counts(exposure, events, groups)
        done = time.perf_counter()
        timings[level] = done - started
        print(
            f"  {level:<9} {tables:>6} tables: SQL {counted - started:6.3f} s, "
            f"numpy {done - counted:6.3f} s, total {done - started:6.3f} s",
            flush=True,
        )
    return timings


def _report(name: str, timings: dict[str, float]) -> bool:
    total = sum(timings.values())
    ok = total <= TARGET_S
    print(
        f"  {name}: all three levels {total:.3f} s (target <= {TARGET_S} s)",
        "OK" if ok else "SLOW",
    )
    return ok


def run_sqlite(options: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        connection = sqlite3.connect(Path(folder) / "signals.sqlite3")
        series = (
            "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) "
            "SELECT n FROM s)"
        )
        started = time.perf_counter()
        for statement in _generate_sql(options.exposures, options.events, series):
            connection.execute(statement)
        connection.commit()
        print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)

        def query(sql: str) -> list[tuple[Any, ...]]:
            return connection.execute(sql).fetchall()

        ok = _report("SQLite", time_signals(query))
        connection.close()
        return ok


def run_postgres(options: argparse.Namespace) -> bool:
    import psycopg

    problem = postgres_problem()
    if problem:
        banner(f"PostgreSQL SKIPPED: {problem}")
        return True
    name = f"mesotrace_bench_{secrets.token_hex(4)}"
    _admin("CREATE DATABASE {}", name)
    try:
        url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
        with psycopg.connect(url, autocommit=True) as connection:
            started = time.perf_counter()
            for statement in _generate_sql(
                options.exposures, options.events, "generate_series(1::bigint, {count}) AS g(n)"
            ):
                connection.execute(statement)
            connection.execute("ANALYZE")
            print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)

            def query(sql: str) -> list[tuple[Any, ...]]:
                return connection.execute(sql).fetchall()

            return _report("PostgreSQL", time_signals(query))
    finally:
        _admin("DROP DATABASE {}", name)


def run(options: argparse.Namespace) -> bool:
    print(f"{options.exposures:,} exposure records, {options.events:,} event links", flush=True)
    print("SQLite:", flush=True)
    ok = run_sqlite(options)
    print("PostgreSQL:", flush=True)
    return run_postgres(options) and ok
