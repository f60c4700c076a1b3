"""Synthetic FHIR R4 data shaped like a Synthea export: a transaction Bundle with urn:uuid
references, codes from SNOMED CT and LOINC, US Core extensions we do not keep, and resource
types we do not import. Written for these tests; no real person."""

from __future__ import annotations

import json
from typing import Any

SYNTHEA = "https://github.com/synthetichealth/synthea"
PATIENT_URN = "urn:uuid:9f2c1a52-7a51-4f0b-9a1e-1c1b6f3c0a01"
DOCTOR_URN = "urn:uuid:9f2c1a52-7a51-4f0b-9a1e-1c1b6f3c0a02"
RACE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"


def _entry(url: str, resource: dict[str, Any]) -> dict[str, Any]:
    kind = resource["resourceType"]
    return {
        "fullUrl": url,
        "resource": resource,
        "request": {"method": "POST", "url": kind},
    }


def patient(key: str = "synthea-0001", **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": key,
        "extension": [{"url": RACE, "extension": [{"url": "text", "valueString": "Other"}]}],
        "identifier": [{"system": SYNTHEA, "value": key}],
        "name": [{"use": "official", "family": "Okafor", "given": ["Adaeze"], "prefix": ["Ms."]}],
        "telecom": [{"system": "phone", "value": "555-0142", "use": "home"}],
        "gender": "female",
        "birthDate": "1979-03-02",
        "address": [{"line": ["12 Elm Street"], "city": "Springfield", "country": "US"}],
        **fields,
    }


def bundle(*extra: dict[str, Any], kind: str = "transaction", subject: str = PATIENT_URN):
    ref = {"reference": subject}
    entries = [
        _entry(PATIENT_URN, patient()),
        _entry(
            DOCTOR_URN,
            {
                "resourceType": "Practitioner",
                "id": "dr-1",
                "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "9999999999"}],
                "name": [{"family": "Reyes", "given": ["Lena"], "prefix": ["Dr."]}],
            },
        ),
        _entry(
            "urn:uuid:a1",
            {
                "resourceType": "AllergyIntolerance",
                "code": {
                    "coding": [{"system": "http://snomed.info/sct", "code": "387135004"}],
                    "text": "Lidocaine",
                },
                "patient": ref,
                "reaction": [{"manifestation": [{"text": "Urticaria"}], "severity": "mild"}],
            },
        ),
        _entry(
            "urn:uuid:m1",
            {
                "resourceType": "MedicationStatement",
                "status": "active",
                "medicationCodeableConcept": {"text": "Apixaban 5 MG Oral Tablet"},
                "subject": ref,
                "dosage": [{"text": "5 mg twice a day"}],
            },
        ),
        _entry(
            "urn:uuid:c1",
            {
                "resourceType": "Condition",
                "code": {
                    "coding": [
                        {
                            "system": "http://snomed.info/sct",
                            "code": "162864005",
                            "display": "Body mass index 30+ - obesity",
                        }
                    ]
                },
                "subject": ref,
                "onsetDateTime": "2015-06-01T10:00:00Z",
            },
        ),
        _entry(
            "urn:uuid:o1",
            {
                "resourceType": "Observation",
                "id": "obs-weight-1",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                "subject": ref,
                "effectiveDateTime": "2024-01-10T09:30:00Z",
                "valueQuantity": {
                    "value": 81.2,
                    "unit": "kg",
                    "system": "http://unitsofmeasure.org",
                    "code": "kg",
                },
            },
        ),
        _entry(
            "urn:uuid:o2",
            {
                "resourceType": "Observation",
                "id": "obs-height-1",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "8302-2"}]},
                "subject": ref,
                "effectiveDateTime": "2024-01-10T09:30:00Z",
                "valueQuantity": {"value": 168, "unit": "cm", "code": "cm"},
            },
        ),
        _entry(
            "urn:uuid:e1",
            {"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}},
        ),
        *[_entry(f"urn:uuid:x{i}", resource) for i, resource in enumerate(extra)],
    ]
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def as_json(data: Any) -> str:
    return json.dumps(data)


def messy_export() -> list[dict[str, Any]]:
    """Shapes seen in published US Core examples, rewritten with synthetic values: no
    `gender` (sex in an extension instead), an old name and address before the current ones,
    meta extensions, an allergy whose manifestation is wrapped as in R5's CodeableReference,
    and references by the sender's own ids."""
    return [
        {
            "resourceType": "Patient",
            "id": "example-77",
            "meta": {
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/instance-name",
                        "valueString": "Patient Example",
                    }
                ]
            },
            "extension": [
                {
                    "url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
                    "valueCode": "F",
                }
            ],
            "identifier": [
                {"use": "usual", "system": "http://hospital.example.org", "value": "77"}
            ],
            "name": [
                {
                    "use": "old",
                    "family": "Marsh",
                    "given": ["Ida", "K."],
                    "period": {"start": "2010-01-01", "end": "2019-05-01"},
                },
                {"family": "Holt", "given": ["Ida", "K."], "period": {"start": "2019-05-01"}},
            ],
            "birthDate": "1990-07-14",
            "address": [
                {"use": "old", "line": ["1 Old Road"], "city": "Elsewhere", "country": "US"},
                {"line": ["9 New Lane"], "city": "Hometown", "country": "US"},
            ],
        },
        {
            "resourceType": "AllergyIntolerance",
            "id": "allergy-77",
            "code": {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "763875007",
                        "display": "Product containing sulfonamide (product)",
                    }
                ],
                "text": "sulfonamide antibacterial",
            },
            "patient": {"reference": "Patient/example-77", "display": "Ida Holt"},
            "reaction": [
                {"manifestation": [{"concept": {"text": "skin rash"}}], "severity": "mild"}
            ],
        },
    ]
