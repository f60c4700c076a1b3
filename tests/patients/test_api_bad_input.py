"""Bad input to `/api/v1/patients` gets a 4xx naming the field and the reason, and changes nothing.

Unknown fields, over-long strings, impossible dates, wrong types, malformed ids and a sort
or filter that names no field (the OpenEMR `_sort` injection) must never reach the database
and never cause a 500.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from mesotrace.audit.models import AuditEvent
from mesotrace.patients.models import Allergy, Medication, Patient
from tests.conftest import World, make_patient

URL = "/api/v1/patients"

VALID = {
    "given_name": "Léa",
    "family_name": "Fontaine",
    "date_of_birth": "1990-04-12",
    "sex": "female",
}


@pytest.fixture
def headers(world: World, bearer: Any) -> dict[str, Any]:
    return bearer(world.members["practitioner"], world.clinic)


@pytest.fixture
def patient(world: World) -> Patient:
    return make_patient(world.clinic, allergies=[{"substance": "Latex"}])


def _state() -> tuple[Any, ...]:
    """Everything a rejected request must leave exactly as it was."""
    patients = list(Patient.objects.order_by("id").values())
    writes = AuditEvent.objects.filter(action__in=["create", "update", "delete"]).count()
    return patients, Allergy.objects.count(), Medication.objects.count(), writes


def _send(client: Client, method: str, url: str, body: Any, headers: dict[str, Any]) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    send = client.post if method == "post" else client.patch
    return send(url, raw, content_type="application/json", **headers)


def _assert_invalid(response: Any, field: str, message: str = "") -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == "The request is not valid."
    assert all(set(error) == {"field", "message"} for error in body["errors"])
    named = {error["field"]: error["message"] for error in body["errors"]}
    assert field in named, body
    assert message in named[field]


def test_a_valid_body_is_accepted(client: Client, headers: dict[str, Any]) -> None:
    """The baseline every rejection below differs from by one field."""
    assert _send(client, "post", URL, VALID, headers).status_code == 201


BAD_BODIES: dict[str, tuple[dict[str, Any], str, str]] = {
    "unknown field": ({"nickname": "Lou"}, "nickname", "Unknown field."),
    "unknown nested field": (
        {"allergies": [{"substance": "Latex", "colour": "red"}]},
        "allergies.0.colour",
        "Unknown field.",
    ),
    "over-long given name": ({"given_name": "x" * 101}, "given_name", "at most 100"),
    "over-long address": ({"address": "a" * 301}, "address", "at most 300"),
    "over-long history": ({"medical_history": "h" * 10_001}, "medical_history", "at most"),
    "over-long allergy": (
        {"allergies": [{"substance": "s" * 201}]},
        "allergies.0.substance",
        "at most 200",
    ),
    "blank name": ({"family_name": "   "}, "family_name", ""),
    "31 February": ({"date_of_birth": "2024-02-31"}, "date_of_birth", ""),
    "month 13": ({"date_of_birth": "1990-13-01"}, "date_of_birth", ""),
    "date in words": ({"date_of_birth": "yesterday"}, "date_of_birth", ""),
    "future birth date": ({"date_of_birth": "2150-01-01"}, "date_of_birth", "future"),
    "birth before 1900": ({"date_of_birth": "1850-01-01"}, "date_of_birth", "1900"),
    "number as name": ({"given_name": 42}, "given_name", ""),
    "list as name": ({"given_name": ["Léa"]}, "given_name", ""),
    "unknown sex": ({"sex": "robot"}, "sex", ""),
    "string for a list": ({"allergies": "latex"}, "allergies", ""),
    "word for a boolean": (
        {"medications": [{"name": "Aspirin", "is_anticoagulant": "perhaps"}]},
        "medications.0.is_anticoagulant",
        "",
    ),
    "unknown pregnancy status": ({"pregnancy_status": "maybe"}, "pregnancy_status", ""),
    "language not offered": ({"preferred_language": "de"}, "preferred_language", ""),
    "language by its name": ({"preferred_language": "French"}, "preferred_language", ""),
    "letters in the phone": ({"phone": "call me"}, "phone", "digits"),
    "malformed email": ({"email": "lea@"}, "email", ""),
}


@pytest.mark.parametrize(("change", "field", "message"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_create_with_bad_input_is_refused_and_saves_nothing(
    world: World,
    client: Client,
    headers: dict[str, Any],
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    before = _state()
    response = _send(client, "post", URL, {**VALID, **change}, headers)
    _assert_invalid(response, field, message)
    assert _state() == before


@pytest.mark.parametrize(("change", "field", "message"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_patch_with_bad_input_is_refused_and_changes_nothing(
    world: World,
    client: Client,
    headers: dict[str, Any],
    patient: Patient,
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    before = _state()
    response = _send(client, "patch", f"{URL}/{patient.pk}", change, headers)
    _assert_invalid(response, field, message)
    assert _state() == before


def test_create_without_required_fields_names_each(
    client: Client, headers: dict[str, Any], patient: Patient
) -> None:
    before = _state()
    response = _send(client, "post", URL, {"given_name": "Léa"}, headers)
    _assert_invalid(response, "family_name", "This field is required.")
    _assert_invalid(response, "date_of_birth", "This field is required.")
    _assert_invalid(response, "sex", "This field is required.")
    assert _state() == before


def test_patch_may_not_blank_out_a_field_with_null(
    client: Client, headers: dict[str, Any], patient: Patient
) -> None:
    before = _state()
    response = _send(client, "patch", f"{URL}/{patient.pk}", {"family_name": None}, headers)
    _assert_invalid(response, "family_name", "May not be null.")
    assert _state() == before


NOT_AN_OBJECT = {
    "truncated json": "{",
    "a list": "[]",
    "a string": '"Léa"',
    "empty body": "",
}


@pytest.mark.parametrize("raw", NOT_AN_OBJECT.values(), ids=NOT_AN_OBJECT.keys())
@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_body_that_is_not_a_json_object_is_a_client_error(
    client: Client, headers: dict[str, Any], patient: Patient, method: str, raw: str
) -> None:
    before = _state()
    url = URL if method == "post" else f"{URL}/{patient.pk}"
    response = _send(client, method, url, raw, headers)
    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert _state() == before


MALFORMED_IDS = {
    "letters": ("abc", 422),
    "decimal": ("1.5", 422),
    "sql": ("1;DROP TABLE patients_patient", 422),
    "too large for any column": ("99999999999999999999", 404),
    "largest bigint plus one": ("9223372036854775808", 404),
    "negative": ("-1", 404),
    "zero": ("0", 404),
}


@pytest.mark.parametrize(("patient_id", "status"), MALFORMED_IDS.values(), ids=MALFORMED_IDS.keys())
@pytest.mark.parametrize("suffix", ["", "/clinical"])
def test_reading_a_malformed_or_unknown_id_is_a_json_4xx(
    client: Client,
    headers: dict[str, Any],
    patient: Patient,
    suffix: str,
    patient_id: str,
    status: int,
) -> None:
    response = client.get(f"{URL}/{patient_id}{suffix}", **headers)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"]
    if status == 422:
        assert body["errors"][0]["field"] == "patient_id"
    assert not AuditEvent.objects.filter(action="view").exists()


@pytest.mark.parametrize(("patient_id", "status"), MALFORMED_IDS.values(), ids=MALFORMED_IDS.keys())
def test_patching_a_malformed_or_unknown_id_is_a_json_4xx_and_changes_nothing(
    client: Client, headers: dict[str, Any], patient: Patient, patient_id: str, status: int
) -> None:
    before = _state()
    response = _send(client, "patch", f"{URL}/{patient_id}", {"family_name": "Roux"}, headers)
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    assert _state() == before


BAD_QUERIES: dict[str, tuple[dict[str, str], str]] = {
    "sql in an unknown sort parameter": ({"_sort": "name;DROP TABLE patients_patient"}, "_sort"),
    "unknown filter": ({"family_name": "Durand"}, "family_name"),
    "sort by a field that is no sort key": ({"sort": "medical_history"}, "sort"),
    "sql in the sort key": ({"sort": "family_name;DROP TABLE patients_patient"}, "sort"),
    "page in words": ({"page": "two"}, "page"),
    "page zero": ({"page": "0"}, "page"),
    "page too large for any column": ({"page": "99999999999999999999"}, "page"),
    "page size over the limit": ({"page_size": "100000"}, "page_size"),
    "over-long search": ({"q": "x" * 101}, "q"),
}


@pytest.mark.parametrize(("query", "field"), BAD_QUERIES.values(), ids=BAD_QUERIES.keys())
def test_a_list_query_naming_no_field_is_refused_by_name(
    world: World,
    client: Client,
    headers: dict[str, Any],
    patient: Patient,
    query: dict[str, str],
    field: str,
) -> None:
    before = _state()
    response = client.get(URL, query, **headers)
    _assert_invalid(response, field)
    assert _state() == before
    assert not AuditEvent.objects.filter(action__in=["list", "search"]).exists()
    # The table the injection names is still there and still answers.
    assert Patient.objects.for_clinic(world.clinic).count() == 1
