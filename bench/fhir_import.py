"""FHIR import of many patients' bundles, then the same bundles again (nothing created twice).

`python -m bench.run --only fhir_import` calls `run`, which starts one child per database
(`python -m bench.fhir_import`), as the other benchmarks do. The child builds one synthetic
transaction Bundle per patient (Patient, AllergyIntolerance, MedicationStatement, Condition
and a body-weight Observation, linked by urn:uuid), imports each through
`fhir.services.import_entries` exactly as `POST /fhir/r4/` does, and prints resources per
second, time and peak memory; then imports the first bundles again and checks that nothing
was created. Then `--record-patients N` (default 500) patients' treatment records as
Mesotrace exports them (a plan, its appointment, a signed session of three points from a
lot shared by a hundred patients, the lot as Medication, the practitioner: 9 resources a
patient), through the import paths of treatments, charting and inventory, and again.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from typing import Any

from bench.databases import load_average, on_each_database, setup

DEFAULT_IMPORT_PATIENTS = 10_000
DEFAULT_RECORD_PATIENTS = 500
BASE = "https://bench.example/fhir/r4"
REIMPORT = 1_000
FAMILIES = ["Martin", "Bernard", "Rossi", "Garcia", "Silva", "Dubois", "Ferrari", "Lopez"]
GIVEN = ["Camille", "Lucia", "Ines", "Marta", "Sofia", "Lea", "Giulia", "Ana"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--import-patients", type=int, default=DEFAULT_IMPORT_PATIENTS)
    parser.add_argument("--record-patients", type=int, default=DEFAULT_RECORD_PATIENTS)


def run(options: argparse.Namespace) -> bool:
    arguments = [
        f"--import-patients={options.import_patients}",
        f"--record-patients={options.record_patients}",
    ]
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


def _ext(name: str, **value: Any) -> dict[str, Any]:
    return {"url": f"https://mesotrace.example/fhir/StructureDefinition/{name}", **value}


def _code(name: str, code: str) -> dict[str, Any]:
    return {
        "coding": [{"system": f"https://mesotrace.example/fhir/CodeSystem/{name}", "code": code}]
    }


def record_bundle(index: int, rng: random.Random) -> dict[str, Any]:
    """One patient's treatment record in the shape of Mesotrace's own export."""
    day = f"2025-{rng.randint(1, 9):02d}-{rng.randint(10, 28)}"
    patient = {
        "resourceType": "Patient",
        "id": f"r{index}",
        "identifier": [{"system": "https://bench.example/mrn", "value": f"R{index:07d}"}],
        "name": [{"family": rng.choice(FAMILIES), "given": [rng.choice(GIVEN)]}],
        "gender": "female",
        "birthDate": "1980-05-17",
    }
    doctor = {"resourceType": "Practitioner", "id": "1", "name": [{"text": "Dr Ana Silva"}]}
    lot = {
        "resourceType": "Medication",
        "id": str(index // 100),
        "code": _code("product", "minoxidil-2-generic"),
        "batch": {"lotNumber": f"BENCH-{index // 100:04d}", "expirationDate": "2027-12-31"},
    }
    plan = {
        "resourceType": "CarePlan",
        "id": f"{index}",
        "status": "completed",
        "intent": "plan",
        "subject": {"reference": f"Patient/r{index}"},
        "author": {"reference": "Practitioner/1"},
        "activity": [
            {
                "detail": {
                    "code": _code("protocol", "hair-loss-minoxidil"),
                    "status": "completed",
                    "extension": [
                        _ext("body-zone", valueCodeableConcept=_code("body-zone", "scalp"))
                    ],
                }
            }
        ],
    }
    visit = {
        "resourceType": "Appointment",
        "id": f"{index}",
        "extension": [_ext("session-number", valueInteger=1)],
        "status": "fulfilled",
        "start": f"{day}T09:00:00+00:00",
        "end": f"{day}T09:30:00+00:00",
        "supportingInformation": [{"reference": f"CarePlan/{index}"}],
        "participant": [
            {"actor": {"reference": f"Patient/r{index}"}, "status": "accepted"},
            {"actor": {"reference": "Practitioner/1"}, "status": "accepted"},
        ],
    }
    session = {
        "resourceType": "Procedure",
        "id": f"{index}",
        "extension": [_ext("appointment", valueReference={"reference": f"Appointment/{index}"})],
        "basedOn": [{"reference": f"CarePlan/{index}"}],
        "status": "completed",
        "subject": {"reference": f"Patient/r{index}"},
        "performedDateTime": day,
        "performer": [{"actor": {"reference": "Practitioner/1"}}],
    }
    points = [
        {
            "resourceType": "MedicationAdministration",
            "id": f"{index}-{number}",
            "extension": [
                _ext("injection-point", valueInteger=number),
                _ext("body-map-view", valueCode="scalp"),
                _ext("body-map-x", valueDecimal=0.5),
                _ext("body-map-y", valueDecimal=0.52),
                _ext("depth", valueQuantity={"value": 2, "code": "mm"}),
                _ext("needle-gauge", valueInteger=30),
                _ext("needle-length", valueQuantity={"value": 4, "code": "mm"}),
            ],
            "partOf": [{"reference": f"Procedure/{index}"}],
            "status": "completed",
            "medicationReference": {"reference": f"Medication/{index // 100}"},
            "subject": {"reference": f"Patient/r{index}"},
            "effectiveDateTime": day,
            "dosage": {
                "site": _code("body-zone", "scalp"),
                "method": _code("technique", "point_by_point"),
                "dose": {"value": 0.1, "code": "mL"},
            },
        }
        for number in (1, 2, 3)
    ]
    resources: list[dict[str, Any]] = [doctor, lot, patient, plan, visit, session, *points]
    entries = [
        {"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


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
        f"{resources / seconds:,.0f} resources/s; {totals}; peak memory {peak_mb:,.0f} MB; "
        f"{load_average()}"
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
    return _records(options.record_patients, actor, clinic, rng)


def _records(count: int, actor: Any, clinic: Any, rng: random.Random) -> int:
    if not count:
        return 0
    bundles = [record_bundle(index, rng) for index in range(count)]
    resources = sum(len(b["entry"]) for b in bundles)
    seconds, totals = _import(bundles, actor, clinic)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"imported {count:,} patients' treatment records ({resources:,} resources) in "
        f"{seconds:.1f} s: {resources / seconds:,.0f} resources/s; {totals}; "
        f"peak memory {peak_mb:,.0f} MB; {load_average()}"
    )
    if totals.get("skipped"):
        print("FAILED: treatment records were skipped", file=sys.stderr)
        return 1
    seconds, totals = _import(bundles, actor, clinic)
    print(
        f"re-imported {count:,} treatment records in {seconds:.1f} s: "
        f"{resources / seconds:,.0f} resources/s; {totals}"
    )
    if totals.get("created") or totals.get("updated"):
        print("FAILED: a re-import created or changed treatment records", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
