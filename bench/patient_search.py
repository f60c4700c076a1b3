"""Patient search on 100,000 patients: the indexed queries the app runs, against a full scan.

`python -m bench.run` calls `run`, which starts one child process per database
(`python -m bench.patient_search`; see `bench.databases`).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.databases import median_ms, on_each_database, setup

if TYPE_CHECKING:
    from django.db.models import Q, QuerySet

    from mesotrace.accounts.models import Clinic
    from mesotrace.patients.models import Patient

DEFAULT_PATIENTS = 100_000
DEFAULT_REPEATS = 9
ORDER = ("family_key", "given_key", "id")
PAGE = 25


# --- Parent: one child per database ----------------------------------------------------


def run(options: argparse.Namespace) -> bool:
    """Runs the benchmark on SQLite, then on PostgreSQL when it answers."""
    arguments = ["--patients", str(options.patients), "--repeats", str(options.repeats)]
    return on_each_database("patient search", "bench.patient_search", arguments)


# --- Child: one database, set up by DATABASE_URL ---------------------------------------


@dataclass(frozen=True)
class Case:
    label: str
    text: str  # what staff type in the search box
    scan: Q  # the same question without the keys, which no index can answer


@dataclass(frozen=True)
class Timing:
    case: Case
    matches: int
    indexed_ms: float
    scan_ms: float
    plan: str
    scan_plan: str


def _generate(count: int) -> Clinic:
    from mesotrace.accounts.access import Actor
    from mesotrace.accounts.services import create_clinic
    from mesotrace.demo.generator import DEFAULT_SEED, bulk_patients

    actor = Actor.system("bench")
    clinic = create_clinic(
        actor,
        name="Bench clinic",
        slug="bench",
        jurisdiction="FR",
        timezone_name="Europe/Paris",
        currency="EUR",
    )
    started = time.monotonic()
    bulk_patients(clinic, count, random.Random(DEFAULT_SEED), actor)
    seconds = time.monotonic() - started
    print(f"generated {count:,} patients in {seconds:.1f} s ({count / seconds:,.0f} per second)")
    return clinic


def _analyze() -> None:
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"ANALYZE (planner statistics) in {time.monotonic() - started:.1f} s")


def _cases(clinic: Clinic) -> list[Case]:
    """Search texts taken from one patient in the middle of the table."""
    from django.db.models import Q

    from mesotrace.patients.models import Patient

    with_phone = Patient.objects.for_clinic(clinic).exclude(phone="").order_by("id")
    sample = with_phone[with_phone.count() // 2]
    family = sample.family_name[:4]
    both = f"{sample.given_name[:3]} {family}"
    born = sample.date_of_birth.isoformat()
    # Demo phones share a fictional "+33 6 00" block: the short prefix adds two digits
    # (about 1% of patients), the long one four (about 0.01%).
    short, long, end = sample.phone[:11], sample.phone[:14], sample.phone[-5:]
    return [
        Case(
            f'family name prefix "{family}"',
            family,
            Q(family_name__icontains=family) | Q(given_name__icontains=family),
        ),
        Case(
            f'given and family name "{both}"',
            both,
            Q(given_name__icontains=both.split()[0]) & Q(family_name__icontains=family),
        ),
        Case(f"date of birth {born}", born, Q(date_of_birth__icontains=born)),
        Case(f'phone prefix "{short}"', short, Q(phone__icontains=short)),
        Case(f'phone prefix "{long}"', long, Q(phone__icontains=long)),
        Case(f'phone suffix "{end}"', end, Q(phone__icontains=end)),
    ]


def _page(clinic: Clinic, where: Q) -> QuerySet[Patient]:
    from mesotrace.patients.models import Patient

    return Patient.objects.for_clinic(clinic).filter(where).order_by(*ORDER)[:PAGE]


def _measure(clinic: Clinic, case: Case, repeats: int) -> Timing:
    from mesotrace.patients.models import Patient
    from mesotrace.patients.queries import patient_query

    indexed = patient_query(case.text, clinic)
    return Timing(
        case=case,
        matches=Patient.objects.for_clinic(clinic).filter(indexed).count(),
        indexed_ms=median_ms(lambda: list(_page(clinic, indexed)), repeats),
        scan_ms=median_ms(lambda: list(_page(clinic, case.scan)), repeats),
        plan=_page(clinic, indexed).explain(),
        scan_plan=_page(clinic, case.scan).explain(),
    )


def _print_table(timings: list[Timing], repeats: int) -> None:
    print(f"\nmedian of {repeats} runs, first page of {PAGE} ordered by family and given name;")
    print("indexed = patient_query() as the app runs it; full scan = icontains on the raw columns")
    print(f"{'search':<40} {'matches':>8} {'indexed ms':>11} {'full scan ms':>13} {'ratio':>7}")
    for t in timings:
        ratio = t.scan_ms / t.indexed_ms if t.indexed_ms else float("inf")
        print(
            f"{t.case.label:<40} {t.matches:>8,} {t.indexed_ms:>11.2f} "
            f"{t.scan_ms:>13.2f} {ratio:>6.0f}x"
        )


def _print_plans(timings: list[Timing]) -> None:
    print("\nquery plans (indexed search, then the full scan):")
    for t in timings:
        print(f"  {t.case.label}")
        for line in t.plan.splitlines():
            print(f"    indexed | {line}")
        for line in t.scan_plan.splitlines():
            print(f"    scan    | {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS)
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS)
    options = parser.parse_args(argv)
    setup()
    clinic = _generate(options.patients)
    _analyze()
    timings = [_measure(clinic, case, options.repeats) for case in _cases(clinic)]
    _print_table(timings, options.repeats)
    _print_plans(timings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
