"""FHIR import of many patients' bundles, then the same bundles again (nothing created twice).

`python -m bench.run --only fhir_import` calls `run`, which starts one child per database
(`python -m bench.fhir_import`), as the other benchmarks do. The child builds one synthetic
transaction Bundle per patient (Patient, AllergyIntolerance, MedicationStatement, Condition
and a body-weight Observation, linked by urn:uuid), imports each through
`fhir.services.import_entries` exactly as `POST /fhir/r4/` does, and prints resources per
second, time and peak memory; then imports the first bundles again and checks that nothing
was created.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from typing import Any

from bench.databases import on_each_database, setup

DEFAULT_IMPORT_PATIENTS = 10_000
REIMPORT = 1_000
FAMILIES = ["Martin", "Bernard", "Rossi", "Garcia", "Silva", "Dubois", "Ferrari", "Lopez"]
GIVEN = ["Camille", "Lucia", "Ines", "Marta", "Sofia", "Lea", "Giulia", "Ana"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--import-patients", type=int, default=DEFAULT_IMPORT_PATIENTS)


def run(options: argparse.Namespace) -> bool:
    arguments = [f"--import-patients={options.import_patients}"]
    return on_each_database("FHIR import", "bench.fhir_import", arguments)


def patient_bundle(index: int, rng: random.Random) -> dict[str, Any]:
    """One synthetic patient's transaction Bundle: five resources linked by urn:uuid."""
    urn = f"urn:uuid:00000000-0000-4000-8000-{index:012d}"
    subject = {"reference": urn}
    resources: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "identifier": [{"system": "https://bench.example/mrn", "value": f"B{index:07d}"}],
            "name": [{"family": rng.choice(FAMILIES), "given": [rng.choice(GIVEN)]}],
            "gender": rng.choice(["female", "male"]),
            "birthDate": f"{rng.randint(1950, 2004)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        },
        {"resourceType": "AllergyIntolerance", "code": {"text": "Lidocaine"}, "patient": subject},
        {
            "resourceType": "MedicationStatement",
            "status": "active",
            "medicationCodeableConcept": {"text": "Apixaban 5 mg"},
            "subject": subject,
        },
        {
            "resourceType": "Condition",
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E65"}]},
            "subject": subject,
        },
        {
            "resourceType": "Observation",
            "identifier": [{"system": "https://bench.example/obs", "value": f"W{index:07d}"}],
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
            "subject": subject,
            "effectiveDateTime": "2025-03-01T10:00:00+00:00",
            "valueQuantity": {"value": round(rng.uniform(55, 110), 1), "code": "kg"},
        },
    ]
    urls = [urn, *(f"urn:uuid:{index:08d}-0000-4000-8000-00000000000{n}" for n in range(1, 5))]
    entries = [{"fullUrl": u, "resource": r} for u, r in zip(urls, resources, strict=True)]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def _import(bundles: list[dict[str, Any]], actor: Any, clinic: Any) -> tuple[float, Any]:
    from mesotrace.fhir import services
    from mesotrace.fhir.rules.imports import bundle_entries

    totals: dict[str, int] = {}
    started = time.perf_counter()
    for bundle in bundles:
        report = services.import_entries(actor, clinic, bundle_entries(bundle))
        for action in ("created", "unchanged", "skipped", "updated"):
            totals[action] = totals.get(action, 0) + report.count(action)
    return time.perf_counter() - started, totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    options = parser.parse_args(argv)
    setup()
    from mesotrace.accounts.access import Actor
    from mesotrace.accounts.services import create_clinic
    from mesotrace.outcomes.models import MeasurementType
    from mesotrace.outcomes.shipped import sync_shipped_types

    sync_shipped_types(MeasurementType)
    actor = Actor.system("bench")
    clinic = create_clinic(
        actor,
        name="Bench import clinic",
        slug="bench-import",
        jurisdiction="FR",
        timezone_name="Europe/Paris",
        currency="EUR",
    )
    rng = random.Random(20261205)
    count = options.import_patients
    bundles = [patient_bundle(index, rng) for index in range(count)]
    resources = sum(len(b["entry"]) for b in bundles)
    seconds, totals = _import(bundles, actor, clinic)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"imported {count:,} patients' bundles ({resources:,} resources) in {seconds:.1f} s: "
        f"{resources / seconds:,.0f} resources/s; {totals}; peak memory {peak_mb:,.0f} MB"
    )
    again = bundles[: min(REIMPORT, count)]
    seconds, totals = _import(again, actor, clinic)
    done = sum(len(b["entry"]) for b in again)
    print(
        f"re-imported {len(again):,} bundles ({done:,} resources) in {seconds:.1f} s: "
        f"{done / seconds:,.0f} resources/s; {totals}"
    )
    if totals.get("created") or totals.get("updated"):
        print("FAILED: a re-import created or changed records", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
