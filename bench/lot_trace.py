"""The recall trace of a lot in a network of ten million injections, against a full scan.

`python -m bench.run --only lot_trace` calls `run`, which starts one child process per
database (`python -m bench.lot_trace`), as the patient search does: SQLite in a temporary
file, PostgreSQL in a fresh `mesotrace_bench_*` database dropped afterwards (skipped,
loudly, when the server does not answer). Each child generates the network with
`bench.network` in bulk mode, then for a typical lot (the median by exposures),
a busy one (90th percentile) and the largest, times `trace_lot()` exactly as the app runs
it, its query alone, the CSV export built from it, and a full scan: the same SQL with the
mix line's lot filter (and clinic filter, if any) written as `column + 0`, which no index
can answer, so every mix line is read (PostgreSQL scans the table; SQLite walks it through
the join indexes instead). Everything else in the query stays as it is.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.databases import load_average, median_ms, on_each_database, setup

if TYPE_CHECKING:
    from bench.network import NetworkSummary
    from mesotrace.charting.queries import Exposure
    from mesotrace.inventory.models import Lot

TARGET_MS = 50.0
TARGET_INJECTIONS = 10_000_000
# The network; the generator is imported only in the child, once Django is set up.
DEFAULT_INJECTIONS = TARGET_INJECTIONS
DEFAULT_PATIENTS = 100_000
DEFAULT_CLINICS = 10
DEFAULT_TRACE_REPEATS = 9
DEFAULT_SCAN_REPEATS = 3
# (label, quantile of the lots ordered by exposures)
LOTS = (("typical lot (median)", 0.5), ("busy lot (90th percentile)", 0.9), ("largest lot", 1.0))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--injections", type=int, default=DEFAULT_INJECTIONS)
    parser.add_argument("--network-patients", type=int, default=DEFAULT_PATIENTS)
    parser.add_argument("--network-clinics", type=int, default=DEFAULT_CLINICS)
    parser.add_argument(
        "--network-lots", type=int, default=0, help="0: one lot per 2,500 injections"
    )
    parser.add_argument("--trace-repeats", type=int, default=DEFAULT_TRACE_REPEATS)
    parser.add_argument("--scan-repeats", type=int, default=DEFAULT_SCAN_REPEATS)


def _arguments(options: argparse.Namespace) -> list[str]:
    return [
        f"--injections={options.injections}",
        f"--network-patients={options.network_patients}",
        f"--network-clinics={options.network_clinics}",
        f"--network-lots={options.network_lots}",
        f"--trace-repeats={options.trace_repeats}",
        f"--scan-repeats={options.scan_repeats}",
    ]


# --- Parent: one child per database ----------------------------------------------------


def run(options: argparse.Namespace) -> bool:
    """Runs the benchmark on SQLite, then on PostgreSQL when it answers."""
    return on_each_database("lot trace", "bench.lot_trace", _arguments(options))


# --- Child: one database, set up by DATABASE_URL ---------------------------------------


class BenchError(Exception):
    """The trace cannot be measured as this benchmark expects."""


@dataclass(frozen=True)
class Timing:
    label: str
    lot_number: str
    rows: int
    patients: int
    trace_ms: float
    sql_ms: float
    csv_ms: float
    csv_bytes: int
    scan_ms: float
    plan: str
    scan_plan: str

    @property
    def ratio(self) -> float:
        return self.scan_ms / self.trace_ms if self.trace_ms else float("inf")


def captured_query(lot: Lot) -> tuple[str, Sequence[Any]]:
    """The SQL and parameters of the read `trace_lot` sends, which must be a single query."""
    from django.db import connection

    from mesotrace.charting.queries import trace_lot

    seen: list[tuple[str, Sequence[Any]]] = []

    def capture(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if "injectioncomponent" in sql:  # not the savepoint or SET LOCAL around it
            seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        trace_lot(lot)
    if len(seen) != 1:
        raise BenchError(f"trace_lot() ran {len(seen)} queries; this benchmark times one.")
    return seen[0]


def unindexed(sql: str) -> str:
    """The trace's SQL with the mix line's lot and clinic filters out of any index's reach."""
    from django.db import connection

    from mesotrace.treatments.models import InjectionComponent

    quote = connection.ops.quote_name
    table = quote(InjectionComponent._meta.db_table)
    lot_filter = f"{table}.{quote('lot_id')} = %s"
    if sql.count(lot_filter) != 1:
        raise BenchError(f"The trace's SQL no longer filters on {lot_filter}: update unindexed().")
    for column in ("lot_id", "clinic_id"):
        filter_ = f"{table}.{quote(column)} = %s"
        sql = sql.replace(filter_, f"({table}.{quote(column)} + 0) = %s")
    return sql


def full_scan(lot: Lot) -> list[Exposure]:
    """`trace_lot` itself, with its SQL rewritten by `unindexed` on the way to the database."""
    from django.db import connection

    from mesotrace.charting.queries import trace_lot

    def rewrite(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        query = unindexed(sql) if "injectioncomponent" in sql else sql
        return execute(query, params, many, context)

    with connection.execute_wrapper(rewrite):
        return trace_lot(lot)


def explain(sql: str, params: Sequence[Any]) -> str:
    """PostgreSQL's plan as run (ANALYZE, BUFFERS); SQLite's query plan as a tree."""
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    if postgres:
        return "\n".join(row[0] for row in rows)
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append(f"{'  ' * depth[node]}{detail}")
    return "\n".join(lines)


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The query alone: rows as the driver returns them, before Django or Python objects."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def measure(label: str, lot: Lot, repeats: int, scan_repeats: int) -> Timing:
    from mesotrace.charting.documents import trace_csv
    from mesotrace.charting.queries import trace_lot

    exposures = trace_lot(lot)
    sql, params = captured_query(lot)
    trace_ms = median_ms(lambda: trace_lot(lot), repeats)
    sql_ms = median_ms(lambda: _fetch(sql, params), repeats)
    csv_ms = median_ms(lambda: trace_csv(lot, trace_lot(lot)), repeats)
    # The scan is slow: its one check against the trace is also its warm-up run.
    if full_scan(lot) != exposures:
        raise BenchError(f"The full scan and the trace disagree on lot {lot.lot_number}.")
    return Timing(
        label=label,
        lot_number=lot.lot_number,
        rows=len(exposures),
        patients=len({e.patient_id for e in exposures}),
        trace_ms=trace_ms,
        sql_ms=sql_ms,
        csv_ms=csv_ms,
        csv_bytes=len(trace_csv(lot, exposures).encode()),
        scan_ms=median_ms(lambda: full_scan(lot), scan_repeats, warm=False),
        plan=explain(sql, params),
        scan_plan=explain(unindexed(sql), params),
    )


def chosen_lots() -> list[tuple[str, Lot]]:
    """The lots at each quantile of exposures (mix lines), fewest first."""
    from django.db.models import Count

    from mesotrace.inventory.models import Lot
    from mesotrace.treatments.models import InjectionComponent

    counts = list(
        InjectionComponent.objects.values_list("lot_id")
        .annotate(lines=Count("id"))
        .order_by("lines", "lot_id")
    )
    if not counts:
        raise BenchError("The network has no mix lines to trace.")
    picked = [(label, counts[round(q * (len(counts) - 1))][0]) for label, q in LOTS]
    lots = Lot.objects.select_related("product").in_bulk([lot_id for _, lot_id in picked])
    return [(label, lots[lot_id]) for label, lot_id in picked]


def _generate(options: argparse.Namespace) -> NetworkSummary:
    from bench.network import NetworkSize, generate_network

    size = NetworkSize(
        clinics=options.network_clinics,
        patients=options.network_patients,
        injections=options.injections,
        lots=options.network_lots,
    )
    summary = generate_network(size, bulk=True, stdout=sys.stdout)
    rate = summary.total_rows / summary.total_seconds
    print(
        f"generated {summary.total_rows:,} rows in {summary.total_seconds:.0f} s "
        f"({rate:,.0f} rows/s, index rebuild and ANALYZE included)",
        flush=True,
    )
    return summary


def _describe() -> str:
    from django.db import connection

    from mesotrace.inventory.models import Lot
    from mesotrace.patients.models import Patient
    from mesotrace.treatments.models import Injection, InjectionComponent, TreatmentSession

    counts = [
        (Patient, "patients"),
        (TreatmentSession, "sessions"),
        (Injection, "injections"),
        (InjectionComponent, "mix lines"),
        (Lot, "lots"),
    ]
    text = ", ".join(f"{model.objects.count():,} {name}" for model, name in counts)
    query = (
        "SELECT pg_database_size(current_database())"
        if connection.vendor == "postgresql"
        else "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        size = cursor.fetchone()[0]
    return f"{text}; database {size / 2**30:.1f} GiB"


def _print_table(timings: Sequence[Timing], repeats: int, scan_repeats: int) -> None:
    print(f"\ntrace = trace_lot() as the app runs it, median of {repeats} runs;")
    print("SQL = the trace's query alone (execute and fetch, no Django conversion or objects);")
    print("+ CSV = trace_lot() and trace_csv(), the export's whole work;")
    print(
        "full scan = the same SQL with the mix line's filters as `lot_id + 0` (`clinic_id + 0`),"
        f" which no index answers: every mix line is read, median of {scan_repeats}"
    )
    print(
        f"{'lot':<28} {'number':<14} {'rows':>7} {'patients':>8} {'trace ms':>9} "
        f"{'SQL ms':>7} {'+ CSV ms':>9} {'CSV KiB':>8} {'full scan ms':>13} {'ratio':>7}"
    )
    for t in timings:
        print(
            f"{t.label:<28} {t.lot_number:<14} {t.rows:>7,} {t.patients:>8,} {t.trace_ms:>9.1f} "
            f"{t.sql_ms:>7.1f} {t.csv_ms:>9.1f} {t.csv_bytes / 1024:>8,.0f} "
            f"{t.scan_ms:>13.1f} {t.ratio:>6,.0f}x"
        )


def _print_plans(timings: Sequence[Timing]) -> None:
    print("\nquery plans (the trace, then the full scan):")
    for t in timings:
        print(f"  {t.label} {t.lot_number}")
        for line in t.plan.splitlines():
            print(f"    trace | {line}")
        for line in t.scan_plan.splitlines():
            print(f"    scan  | {line}")


def _judge(timings: Sequence[Timing], injections: int) -> bool:
    if injections < TARGET_INJECTIONS:
        print(f"\ntarget (≤ {TARGET_MS:.0f} ms) is judged at {TARGET_INJECTIONS:,} injections only")
        return True
    for t in timings:
        verdict = "met" if t.trace_ms <= TARGET_MS else "NOT MET"
        print(f"target: {t.label} traced in {t.trace_ms:.1f} ms ≤ {TARGET_MS:.0f} ms: {verdict}")
    typical = timings[0]
    met = typical.trace_ms <= TARGET_MS
    print(f"target (judged on the typical lot): {'met' if met else 'NOT MET'}")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    options = parser.parse_args(argv)
    setup()
    _generate(options)
    print(_describe(), flush=True)
    print(load_average(), flush=True)
    timings = [
        measure(label, lot, options.trace_repeats, options.scan_repeats)
        for label, lot in chosen_lots()
    ]
    print(load_average(), flush=True)
    _print_table(timings, options.trace_repeats, options.scan_repeats)
    _print_plans(timings)
    return 0 if _judge(timings, options.injections) else 1


if __name__ == "__main__":
    sys.exit(main())
