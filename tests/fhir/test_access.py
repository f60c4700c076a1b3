"""Who reads what through FHIR: the API's token and roles, clinic isolation, the audit trail.

Every resource type is swept: another clinic's token gets 404 for each of clinic A's ids and
finds nothing of clinic A in a search; each role gets exactly the types its permissions allow.
"""

from __future__ import annotations

import json

import pytest

from mesotrace.accounts.roles import PERMISSIONS, Role
from mesotrace.audit.models import AuditAction, AuditEvent
from mesotrace.fhir.queries import KINDS, SERVED
from tests.fhir.builders import charted_record, entries, get, validated


def _outcome(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/fhir+json")
    body = validated(response.json())
    assert body["resourceType"] == "OperationOutcome"
    return body


def test_the_capability_statement_is_public_and_true(client):
    response = client.get("/fhir/r4/metadata")
    assert response.status_code == 200
    statement = validated(response.json())
    assert statement["fhirVersion"] == "4.0.1"
    served = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(served) == set(SERVED)
    trace = next(
        p for p in served["MedicationAdministration"]["searchParam"] if p["name"] == "lot-number"
    )
    assert trace["definition"].startswith("https://mesotrace.example/fhir/SearchParameter/")
    assert served["Patient"]["operation"][0]["name"] == "everything"
    for name, resource in served.items():
        declared = {p["name"] for p in resource["searchParam"]}
        assert declared == {"_id", *SERVED[name].params}, name
    # A transaction and a batch are imported (tests/fhir/test_import.py answers them).
    assert {i["code"] for i in statement["rest"][0]["interaction"]} == {"transaction", "batch"}


def test_without_a_valid_token_nothing_is_served(world, client):
    record = charted_record(world)
    pk = record.patient.pk
    for path in (f"Patient/{pk}", "Patient", f"Patient/{pk}/$everything"):
        response = get(client, path, {})
        _outcome(response, 401)
        assert response["WWW-Authenticate"] == "Bearer"
        _outcome(get(client, path, {"HTTP_AUTHORIZATION": "Bearer mt_not-a-token"}), 401)
    client.force_login(world.members["owner"])  # a web session is not a token
    _outcome(get(client, f"Patient/{pk}", {}), 401)


def test_another_clinic_finds_nothing_of_this_clinic(world, client, bearer):
    record = charted_record(world)
    headers = bearer(world.outsider, world.other_clinic)
    for name, pk in record.ids.items():
        body = _outcome(get(client, f"{name}/{pk}", headers), 404)
        assert body["issue"][0]["code"] == "not-found"
        found = get(client, f"{name}?_id={pk}", headers).json()
        assert found["total"] == 0, name
    _outcome(get(client, f"Patient/{record.patient.pk}/$everything", headers), 404)
    trace = get(client, f"MedicationAdministration?lot-number={record.lot.lot_number}", headers)
    assert trace.json()["total"] == 0
    everything = json.dumps(get(client, "Patient", headers).json())
    assert record.patient.family_name not in everything


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_reads_exactly_the_types_its_permissions_allow(world, client, bearer, role):
    record = charted_record(world)
    headers = bearer(world.members[role], world.clinic)
    for name, pk in record.ids.items():
        allowed = Role(role) in PERMISSIONS[KINDS[name].permission]
        response = get(client, f"{name}/{pk}", headers)
        if allowed:
            assert response.status_code == 200, (role, name)
        else:
            _outcome(response, 403)
            _outcome(get(client, name, headers), 403)
    everything = get(client, f"Patient/{record.patient.pk}/$everything", headers)
    if Role(role) not in PERMISSIONS["patient.view"]:
        _outcome(everything, 403)
        return
    kinds = {r["resourceType"] for r in entries(everything.json())}
    assert kinds == {n for n, kind in KINDS.items() if Role(role) in PERMISSIONS[kind.permission]}


def test_every_read_is_audited_with_its_patient(world, client, bearer):
    record = charted_record(world)
    user = world.members["practitioner"]
    headers = bearer(user, world.clinic)
    patient = record.patient.pk
    trail = AuditEvent.objects.filter(clinic=world.clinic, actor=user)
    start = trail.count()
    get(client, f"Observation/{record.ids['Observation']}", headers)
    read = trail.order_by("-id").first()
    assert read is not None
    assert (read.action, read.object_type, read.patient_id, read.via) == (
        AuditAction.VIEW,
        "measurement",
        patient,
        "api",
    )
    assert read.details["fhir"] == f"Observation/{record.ids['Observation']}"
    get(client, f"AllergyIntolerance?patient={patient}", headers)
    search = trail.order_by("-id").first()
    assert search is not None
    assert (search.action, search.patient_id) == (AuditAction.SEARCH, patient)
    assert search.details["shown"] == [record.ids["AllergyIntolerance"]]
    get(client, f"Patient/{patient}/$everything", headers)
    export = trail.order_by("-id").first()
    assert export is not None
    assert (export.action, export.patient_id) == (AuditAction.EXPORT, patient)
    assert export.details["resources"]["MedicationAdministration"] == 2
    assert trail.count() == start + 3
