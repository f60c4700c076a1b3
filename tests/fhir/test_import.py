"""Importing FHIR R4 data from another system: all or nothing, idempotent, with a dry run."""

from __future__ import annotations

import json

import pytest

from mesotrace.audit.models import AuditAction, AuditEvent, ObjectType
from mesotrace.fhir.rules.imports import MAX_ENTRIES
from mesotrace.outcomes.models import Measurement
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from tests.conftest import make_patient
from tests.fhir.builders import validated
from tests.fhir.import_builders import RACE, SYNTHEA, as_json, bundle, messy_export, patient
from tests.outcomes.builders import ensure_measurement_types

REPORT = "return=OperationOutcome"


def _post(client, headers, data, path="", content_type="application/fhir+json", prefer=REPORT):
    """Posts to the import; by default asks for the report (an OperationOutcome listing what
    each entry became) rather than a transaction's response Bundle."""
    body = data if isinstance(data, str) else as_json(data)
    return client.post(f"/fhir/r4/{path}", body, content_type, HTTP_PREFER=prefer, **headers)


def _issues(response) -> list[dict]:
    return validated(response.json())["issue"]


def _counts(clinic) -> tuple[int, ...]:
    return (
        Patient.objects.for_clinic(clinic).count(),
        Practitioner.objects.for_clinic(clinic).count(),
        Measurement.objects.for_clinic(clinic).count(),
    )


@pytest.fixture
def owner(world, bearer):
    ensure_measurement_types()
    return bearer(world.members["owner"], world.clinic)


def test_a_transaction_bundle_imports_with_its_references(world, client, owner):
    response = _post(client, owner, bundle())
    assert response.status_code == 200, response.content[:500]
    issues = _issues(response)
    assert issues[0]["diagnostics"] == "Imported: 6 created, 0 updated, 0 unchanged, 2 skipped"
    imported = Patient.objects.for_clinic(world.clinic).get()
    assert (imported.given_name, imported.family_name, str(imported.date_of_birth)) == (
        "Adaeze",
        "Okafor",
        "1979-03-02",
    )
    assert imported.address == "12 Elm Street, Springfield, US"
    assert [(a.substance, a.reaction, a.severity) for a in imported.allergies.all()] == [
        ("Lidocaine", "Urticaria", "mild")
    ]
    assert [(m.name, m.dose) for m in imported.medications.all()] == [
        ("Apixaban 5 MG Oral Tablet", "5 mg twice a day")
    ]
    assert "Body mass index 30+ - obesity" in imported.medical_history
    weight = Measurement.objects.for_clinic(world.clinic).get()
    assert (weight.type.code, weight.value) == ("29463-7", 81.2)
    assert Practitioner.objects.for_clinic(world.clinic).get().full_name == "Dr. Lena Reyes"
    reasons = {i["expression"][0]: i["diagnostics"] for i in issues[1:]}
    assert reasons["Bundle.entry[6].resource"].startswith("skipped: No measurement type")
    assert reasons["Bundle.entry[7].resource"] == "skipped: Encounter is not imported."
    warning = next(i for i in issues if i["severity"] == "warning")
    assert RACE in warning["diagnostics"]


def test_a_transaction_is_answered_with_its_response_bundle(world, client, owner):
    """What a FHIR client expects back from a transaction: one response per entry, in order,
    with its status, the record's location and what the import did."""
    response = _post(client, owner, bundle(), prefer="")
    assert response.status_code == 200, response.content[:500]
    answer = validated(response.json())
    assert answer["type"] == "transaction-response"
    sent = json.loads(as_json(bundle()))["entry"]
    assert len(answer["entry"]) == len(sent)
    patient_row = Patient.objects.for_clinic(world.clinic).get()
    first = answer["entry"][0]["response"]
    assert (first["status"], first["location"]) == ("201 Created", f"Patient/{patient_row.pk}")
    assert first["outcome"]["issue"][0]["diagnostics"] == "created: New patient."
    skipped = answer["entry"][7]["response"]
    assert skipped["status"] == "200 OK"
    assert "location" not in skipped
    assert skipped["outcome"]["issue"][0]["diagnostics"] == "skipped: Encounter is not imported."
    assert skipped["outcome"]["issue"][0]["severity"] == "warning"
    again = validated(_post(client, owner, bundle(), prefer="").json())
    assert again["entry"][0]["response"]["location"] == f"Patient/{patient_row.pk}"
    assert again["entry"][0]["response"]["outcome"]["issue"][0]["diagnostics"].startswith(
        "unchanged"
    )
    batch = validated(_post(client, owner, bundle(kind="batch"), prefer="").json())
    assert batch["type"] == "batch-response"
    assert len(batch["entry"]) == len(sent)


def test_a_new_patient_arrives_with_their_record_in_one_audited_step(world, client, owner):
    """The audit trail shows the patient created with the allergy, medication and condition
    the file gave them, not created bare and then changed."""
    assert _post(client, owner, bundle()).status_code == 200
    imported = Patient.objects.for_clinic(world.clinic).get()
    rows = AuditEvent.objects.filter(object_type=ObjectType.PATIENT, object_id=str(imported.pk))
    assert [row.action for row in rows] == [AuditAction.CREATE]
    changes = rows.get().changes
    assert "Lidocaine" in json.dumps(changes["allergies"])
    assert "Apixaban" in json.dumps(changes["medications"])
    assert "obesity" in json.dumps(changes["medical_history"])


def test_importing_the_same_data_twice_creates_nothing_twice(world, client, owner):
    assert _post(client, owner, bundle()).status_code == 200
    before = _counts(world.clinic)
    again = _post(client, owner, bundle())
    assert again.status_code == 200
    assert _issues(again)[0]["diagnostics"].endswith("0 created, 0 updated, 6 unchanged, 2 skipped")
    assert _counts(world.clinic) == before
    patient_row = Patient.objects.for_clinic(world.clinic).get()
    assert patient_row.allergies.count() == 1
    assert patient_row.medical_history.count("Condition:") == 1


def test_a_dry_run_reports_and_saves_nothing(world, client, owner):
    response = _post(client, owner, bundle(), "?dry-run=true")
    assert response.status_code == 200
    issues = _issues(response)
    assert issues[0]["diagnostics"].startswith("Dry run, nothing saved: 6 created")
    assert [i["diagnostics"] for i in issues[1:3]] == [
        "created: New patient.",
        "created: New practitioner.",
    ]
    assert _counts(world.clinic) == (0, 0, 0)


def test_ndjson_with_a_conditional_reference(world, client, owner):
    lines = [
        patient("synthea-0002"),
        {
            "resourceType": "AllergyIntolerance",
            "code": {"text": "Soy"},
            "patient": {"reference": f"Patient?identifier={SYNTHEA}|synthea-0002"},
        },
    ]
    text = "\n".join(json.dumps(line) for line in lines)
    response = _post(client, owner, text, "$import", "application/fhir+ndjson")
    assert response.status_code == 200, response.content[:400]
    imported = Patient.objects.for_clinic(world.clinic).get()
    assert [a.substance for a in imported.allergies.all()] == ["Soy"]
    # Later, an allergy alone finds the same patient by the identifier it came with.
    alone = json.dumps({**lines[1], "code": {"text": "Latex"}})
    assert _post(client, owner, alone, "$import", "application/fhir+ndjson").status_code == 200
    assert sorted(a.substance for a in imported.allergies.all()) == ["Latex", "Soy"]


@pytest.mark.parametrize(
    ("broken", "status", "path"),
    [
        ("{not json", 400, "body"),
        ({"resourceType": "Patient"}, 400, "resourceType"),
        ({"resourceType": "Bundle", "type": "searchset"}, 400, "Bundle.type"),
        (bundle(subject="urn:uuid:nobody"), 422, "Bundle.entry[2].resource.patient"),
        (
            bundle(patient("synthea-0003", gender="F")),
            422,
            "Bundle.entry[8].resource.gender",
        ),
        (
            bundle(
                patient(
                    "synthea-0004",
                    identifier=[
                        {
                            "system": "https://mesotrace.example/fhir/sid/patient-record-number/beta",
                            "value": "BET-000001",
                        }
                    ],
                )
            ),
            422,
            "Bundle.entry[8].resource.identifier[0]",
        ),
        (
            bundle(patient("synthea-0005", birthDate="0001-01-01")),
            422,
            "Bundle.entry[8].resource.birthDate",
        ),
        (
            bundle(patient("synthea-0006", name=[{"family": "Oka\x00for", "given": ["Ada"]}])),
            422,
            "Bundle.entry[8].resource.name[0].family",
        ),
        (
            bundle(patient("synthea-0007", name=[{"family": "Okafor", "given": ["A\u202eda"]}])),
            422,
            "Bundle.entry[8].resource.name[0].given[0]",
        ),
        (
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"fullUrl": "urn:uuid:\x00", "resource": patient("synthea-0008")}],
            },
            400,
            "Bundle.entry[0].fullUrl",
        ),
        (
            {"resourceType": "Bundle", "type": "collection", "entry": [{}] * (MAX_ENTRIES + 1)},
            400,
            "Bundle.entry",
        ),
    ],
)
def test_bad_input_is_refused_with_its_path_and_nothing_is_half_imported(
    world, client, owner, broken, status, path
):
    response = _post(client, owner, broken)
    assert response.status_code == status, response.content[:400]
    issue = _issues(response)[0]
    assert issue["expression"] == [path]
    assert issue["diagnostics"]
    assert _counts(world.clinic) == (0, 0, 0)


def test_only_the_owner_imports_and_only_into_their_clinic(world, client, bearer, owner):
    nurse = bearer(world.members["nurse"], world.clinic)
    assert _post(client, nurse, bundle()).status_code == 403
    theirs = make_patient(world.clinic)
    system = "https://mesotrace.example/fhir/sid/patient-record-number/alpha"
    reference = f"Patient?identifier={system}|{theirs.record_number}"
    outsider = bearer(world.outsider, world.other_clinic)
    allergy = {
        "resourceType": "AllergyIntolerance",
        "code": {"text": "Soy"},
        "patient": {"reference": reference},
    }
    response = _post(client, outsider, json.dumps(allergy), "$import")
    assert response.status_code == 422
    assert theirs.allergies.count() == 0
    # The clinic's own record number is how its own data finds its patient.
    mine = _post(client, owner, json.dumps(allergy), "$import")
    assert mine.status_code == 200
    assert [a.substance for a in theirs.allergies.all()] == ["Soy"]


def test_a_messy_export_imports_what_it_can_and_says_what_it_assumed(world, client, owner):
    text = "\n".join(json.dumps(resource) for resource in messy_export())
    response = _post(client, owner, text, "$import", "application/fhir+ndjson")
    assert response.status_code == 200, response.content[:400]
    imported = Patient.objects.for_clinic(world.clinic).get()
    assert (imported.family_name, imported.given_name, imported.sex) == (
        "Holt",
        "Ida K.",
        "unknown",
    )
    assert imported.address == "9 New Lane, Hometown, US"
    assert [a.substance for a in imported.allergies.all()] == ["sulfonamide antibacterial"]
    warnings = [i["diagnostics"] for i in _issues(response) if i["severity"] == "warning"]
    assert "No gender given: recorded as unknown." in warnings
    assert any("us-core-birthsex" in warning for warning in warnings)


def test_another_systems_clinical_records_are_skipped_with_their_reasons(world, client, owner):
    """Appointments, procedures, administrations, lots, events and consents in another
    system's shape cannot become sessions: each is skipped and said why, nothing fails."""
    subject = {"reference": "urn:uuid:p1"}
    foreign = [
        patient("p1"),
        {"resourceType": "Appointment", "status": "proposed", "participant": []},
        {"resourceType": "Procedure", "status": "completed", "subject": subject},
        {"resourceType": "MedicationAdministration", "status": "completed", "subject": subject},
        {"resourceType": "Medication", "code": {"text": "Amoxicillin 500 mg"}},
        {"resourceType": "AdverseEvent", "actuality": "actual", "subject": subject},
        {"resourceType": "Consent", "status": "active", "patient": subject},
        {"resourceType": "DocumentReference", "status": "current", "subject": subject},
    ]
    entries = [{"fullUrl": "urn:uuid:p1", "resource": foreign[0]}]
    entries += [{"resource": resource} for resource in foreign[1:]]
    body = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    response = _post(client, owner, body)
    assert response.status_code == 200, response.content[:600]
    issues = _issues(response)
    assert issues[0]["diagnostics"] == "Imported: 1 created, 0 updated, 0 unchanged, 7 skipped"
    reasons = [i["diagnostics"] for i in issues[2:9]]
    assert all(reason.startswith("skipped: ") for reason in reasons), reasons
    assert _counts(world.clinic) == (1, 0, 0)
