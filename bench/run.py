"""Runs every benchmark and prints its figures: `python -m bench.run [--patients N]`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench import (
    durability,
    fhir_export,
    fhir_import,
    lot_trace,
    mixed_models,
    patient_search,
    safety_signals,
)


@dataclass(frozen=True)
class Benchmark:
    name: str
    run: Callable[[argparse.Namespace], bool]


# A new benchmark is one more entry here; each reads the options it needs.
BENCHMARKS = [
    Benchmark("patient_search", patient_search.run),
    Benchmark("mixed_models", mixed_models.run),
    Benchmark("lot_trace", lot_trace.run),
    Benchmark("safety_signals", safety_signals.run),
    Benchmark("durability", durability.run),
    Benchmark("fhir_import", fhir_import.run),
    Benchmark("fhir_export", fhir_export.run),
]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only", action="append", choices=[b.name for b in BENCHMARKS], help="repeatable"
    )
    parser.add_argument(
        "--patients",
        type=int,
        default=patient_search.DEFAULT_PATIENTS,
        help="patients generated for the search benchmark",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=patient_search.DEFAULT_REPEATS,
        help="timed runs per query; the median is shown",
    )
    mixed_models.add_arguments(parser)
    lot_trace.add_arguments(parser)
    safety_signals.add_arguments(parser)
    durability.add_arguments(parser)
    fhir_import.add_arguments(parser)
    fhir_export.add_arguments(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    os.environ.setdefault("MESOTRACE_ENV", "development")
    chosen = [b for b in BENCHMARKS if not options.only or b.name in options.only]
    failed = []
    for benchmark in chosen:
        print(f"\n##### {benchmark.name}", flush=True)
        started = time.monotonic()
        if not benchmark.run(options):
            failed.append(benchmark.name)
        print(f"##### {benchmark.name}: {time.monotonic() - started:.0f} s", flush=True)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
