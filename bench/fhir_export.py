"""FHIR bulk export ($export) of the benchmark network: every clinic, every resource type.

`python -m bench.run --only fhir_export` calls `run`, which starts one child per database
(`python -m bench.fhir_export`), as the other benchmarks do. The child generates the network
with `bench.network` in bulk mode (clinics, patients, plans, appointments, sessions,
injections, mix lines, lots), then starts a fresh process (`--export-only`) so that its
peak memory is the export's alone. That process runs each clinic's whole-clinic export as
the task worker does (`fhir.services.request_export`, then `fhir.tasks.run_export`), writing
the NDJSON files under a temporary folder, and prints resources per second, time, peak
memory (its own resident set's high-water mark, VmHWM) and the files' size.
Target: 5,000 resources/s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

from bench.databases import load_average, on_each_database, peak_memory_mb, setup

TARGET_PER_SECOND = 5_000
DEFAULT_EXPORT_PATIENTS = 100_000
DEFAULT_EXPORT_INJECTIONS = 1_000_000
DEFAULT_EXPORT_CLINICS = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--export-patients", type=int, default=DEFAULT_EXPORT_PATIENTS)
    parser.add_argument("--export-injections", type=int, default=DEFAULT_EXPORT_INJECTIONS)
    parser.add_argument("--export-clinics", type=int, default=DEFAULT_EXPORT_CLINICS)


def run(options: argparse.Namespace) -> bool:
    arguments = [
        f"--export-patients={options.export_patients}",
        f"--export-injections={options.export_injections}",
        f"--export-clinics={options.export_clinics}",
    ]
    return on_each_database("FHIR bulk export", "bench.fhir_export", arguments)


def _generate(options: argparse.Namespace) -> None:
    from bench.network import NetworkSize, generate_network

    size = NetworkSize(
        clinics=options.export_clinics,
        patients=options.export_patients,
        injections=options.export_injections,
    )
    summary = generate_network(size, bulk=True, stdout=None)
    print(
        f"network: {options.export_clinics} clinics, {options.export_patients:,} patients, "
        f"{options.export_injections:,} injections ({summary.total_rows:,} rows generated "
        f"in {summary.total_seconds:.0f} s)",
        flush=True,
    )


def _export_every_clinic(folder: str) -> int:
    """Exports each clinic in turn, in this process; the exit code."""
    from django.conf import settings

    from mesotrace.accounts.access import Actor
    from mesotrace.accounts.models import Clinic
    from mesotrace.fhir import queries, services, tasks
    from mesotrace.fhir.models import ExportJob, ExportStatus

    settings.FHIR_EXPORT_DIR = folder
    actor = Actor.system("bench")
    resident_before = peak_memory_mb()
    totals: dict[str, int] = {}
    seconds = 0.0
    size = 0
    for clinic in Clinic.objects.order_by("pk"):
        wanted = services.ExportRequest(
            "system",
            [kind.name for kind in queries.export_kinds("system")],
            "http://bench.example/fhir/r4/$export",
            "http://bench.example/fhir/r4",
        )
        job = services.request_export(actor, clinic, wanted)
        started = time.perf_counter()
        outcome = tasks.run_export.call(job.pk)
        seconds += time.perf_counter() - started
        job = ExportJob.objects.get(pk=job.pk)
        if outcome != "done" or job.status != ExportStatus.DONE:
            print(f"FAILED: clinic {clinic.pk}: {outcome} {job.error}", file=sys.stderr)
            return 1
        for part in job.output:
            totals[part["type"]] = totals.get(part["type"], 0) + part["count"]
            size += (job.folder() / part["file"]).stat().st_size
    count = sum(totals.values())
    peak = peak_memory_mb()
    rate = count / seconds
    print(f"by type: {', '.join(f'{name} {n:,}' for name, n in totals.items())}")
    print(
        f"exported {count:,} resources ({size / 1e6:,.0f} MB of NDJSON) in {seconds:.1f} s: "
        f"{rate:,.0f} resources/s (target {TARGET_PER_SECOND:,}); peak memory {peak:,.0f} MB "
        f"({resident_before:,.0f} MB before the first export); {load_average()}",
        flush=True,
    )
    if rate < TARGET_PER_SECOND:
        print(f"BELOW TARGET: {rate:,.0f} < {TARGET_PER_SECOND:,} resources/s", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    parser.add_argument("--export-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    setup()
    if options.export_only:
        with tempfile.TemporaryDirectory(prefix="mesotrace_export_") as folder:
            return _export_every_clinic(folder)
    _generate(options)
    from django.db import connections

    connections.close_all()
    command = [sys.executable, "-m", "bench.fhir_export", "--export-only"]
    return subprocess.run(command, env=os.environ, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    sys.exit(main())
