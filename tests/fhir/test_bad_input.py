"""Requests the FHIR interface refuses: each gets an OperationOutcome naming what is wrong."""

from __future__ import annotations

import pytest

from tests.conftest import make_patient
from tests.fhir.builders import get, validated


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("Patient?nickname=Cam", "nickname"),
        ("Patient?birthdate=17/05/1984", "birthdate"),
        ("Patient?birthdate=2023-02-30", "birthdate"),
        ("Observation?patient=Practitioner/1", "patient"),
        ("Observation?patient=abc", "patient"),
        ("Patient?_count=0", "_count"),
        ("Patient?_count=5000", "_count"),
        ("Patient?_id=x1", "_id"),
        ("Patient?family=", "family"),
        ("Patient?family=a%00b", "family"),
        ("MedicationAdministration?lot-number=%00", "lot-number"),
        ("Patient?family=%E2%80%AEevil", "family"),
        ("Observation?date=2026-03-09T10:30:00", "date"),
        ("Observation?date=2026-13", "date"),
        ("Observation?date=sa2026", "date"),
    ],
)
def test_a_bad_search_is_refused_by_parameter(world, client, bearer, query, parameter):
    headers = bearer(world.members["owner"], world.clinic)
    response = get(client, query, headers)
    assert response.status_code == 400
    outcome = validated(response.json())
    assert outcome["issue"][0]["expression"] == [parameter]
    assert outcome["issue"][0]["diagnostics"]


def test_other_refusals_answer_with_an_operation_outcome(world, client, bearer):
    patient = make_patient(world.clinic)
    headers = bearer(world.members["owner"], world.clinic)
    cases = [
        (get(client, "Spaceship/1", headers), 404),
        (get(client, "Patient/abc", headers), 404),
        (get(client, "Patient/999999", headers), 404),
        (get(client, f"Patient/{patient.pk}", headers, HTTP_ACCEPT="application/fhir+xml"), 406),
        (get(client, "Patient/1/_history/1", headers), 404),
        (
            client.post(f"/fhir/r4/Patient/{patient.pk}", "{}", "application/fhir+json", **headers),
            405,
        ),
        (client.delete(f"/fhir/r4/Patient/{patient.pk}", **headers), 405),
    ]
    for response, status in cases:
        assert response.status_code == status, response.content[:200]
        assert validated(response.json())["resourceType"] == "OperationOutcome"
    assert get(client, f"Patient/{patient.pk}", headers).status_code == 200  # nothing changed
