"""Nonsense input gets a 4xx naming the field and the reason, and changes nothing: hidden
characters in names, dates no clinic can mean, bodies that are too large or unreadable."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesotrace.audit.models import AuditEvent
from mesotrace.inventory.models import Lot
from mesotrace.outcomes.models import Measurement
from mesotrace.patients.models import Patient
from tests.conftest import World, make_patient, make_practitioner
from tests.inventory.builders import days_from_today, shipped_product

Headers = dict[str, Any]


@pytest.fixture
def headers(world: World, bearer: Callable[..., Headers]) -> Headers:
    return bearer(world.members["owner"], world.clinic)


def writes() -> int:
    return AuditEvent.objects.filter(action__in=["create", "update", "delete"]).count()


def post(client: Client, path: str, body: Any, headers: Headers) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def named(response: Any) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


PATIENT = {
    "given_name": "Léa",
    "family_name": "Fontaine",
    "date_of_birth": "1990-04-12",
    "sex": "female",
}

HIDDEN = {
    "right-to-left override": "Lé\u202ea",
    "left-to-right isolate": "\u2066Léa",
    "zero-width space": "Lé\u200ba",
    "byte-order mark": "\ufeffLéa",
    "NUL": "Lé\x00a",
    "CR/LF": "Léa\r\nFontaine",
    "line feed": "Léa\nFontaine",
    "escape": "Léa\x1b[31m",
}


@pytest.mark.parametrize("name", HIDDEN.values(), ids=HIDDEN.keys())
def test_a_name_with_hidden_characters_is_refused(
    world: World, client: Client, headers: Headers, name: str
) -> None:
    before = writes()
    response = post(client, "/api/v1/patients", {**PATIENT, "given_name": name}, headers)
    assert response.status_code == 422, response.content
    assert "given_name" in named(response)
    assert not Patient.objects.exists()
    assert writes() == before


def test_a_name_is_stored_in_nfc(world: World, client: Client, headers: Headers) -> None:
    decomposed = unicodedata.normalize("NFD", "Éloïse")
    response = post(client, "/api/v1/patients", {**PATIENT, "given_name": decomposed}, headers)
    assert response.status_code == 201
    assert Patient.objects.get().given_name == "Éloïse" == unicodedata.normalize("NFC", decomposed)


def test_a_persian_name_keeps_its_zero_width_non_joiner(
    world: World, client: Client, headers: Headers
) -> None:
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    response = post(client, "/api/v1/patients", {**PATIENT, "family_name": persian}, headers)
    assert response.status_code == 201
    assert Patient.objects.get().family_name == persian


def test_a_medical_history_may_hold_line_breaks_but_no_override(
    world: World, client: Client, headers: Headers
) -> None:
    body = {**PATIENT, "medical_history": "Asthma.\nNo surgery."}
    assert post(client, "/api/v1/patients", body, headers).status_code == 201
    body = {**PATIENT, "medical_history": "Asthma.\u202e"}
    assert "medical_history" in named(post(client, "/api/v1/patients", body, headers))


def _measurement(patient: Patient, measured_at: str) -> dict[str, Any]:
    return {
        "patient_id": patient.pk,
        "type": "body-weight",
        "value": 70,
        "unit": "kg",
        "measured_at": measured_at,
    }


@pytest.mark.parametrize(
    "measured_at",
    [
        "0001-01-01T00:00:00Z",
        "1983-01-01T09:00:00Z",
        "9999-12-31T00:00:00Z",
        "2199-01-01T00:00:00Z",
    ],
    ids=["year 1", "before birth", "year 9999", "far future"],
)
def test_a_measurement_dated_outside_the_patient_s_life_is_refused(
    world: World, client: Client, headers: Headers, measured_at: str
) -> None:
    patient = make_patient(world.clinic)  # born 1984-05-17
    response = post(client, "/api/v1/measurements", _measurement(patient, measured_at), headers)
    assert response.status_code == 422, response.content
    assert "measured_at" in named(response)
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("expiry", ["9999-12-31", "2150-01-01", "0001-01-01"])
def test_a_lot_expiring_centuries_away_is_refused(
    world: World, client: Client, headers: Headers, expiry: str
) -> None:
    body = {
        "product_id": shipped_product().pk,
        "lot_number": "FAR-1",
        "expiry_date": expiry,
        "quantity_ml": "10",
    }
    response = post(client, "/api/v1/lots", body, headers)
    assert response.status_code == 422, response.content
    assert "expiry_date" in named(response)
    assert not Lot.objects.exists()


def test_a_lot_expiring_in_a_few_years_is_received(
    world: World, client: Client, headers: Headers
) -> None:
    body = {
        "product_id": shipped_product().pk,
        "lot_number": "NEAR-1",
        "expiry_date": days_from_today(3 * 365).isoformat(),
        "quantity_ml": "10",
    }
    assert post(client, "/api/v1/lots", body, headers).status_code == 201


@pytest.mark.parametrize("query", ["start=0001-01-01", "end=9999-12-31"])
def test_an_appointment_window_outside_the_clinic_s_years_is_refused(
    world: World, client: Client, headers: Headers, query: str
) -> None:
    response = client.get(f"/api/v1/appointments?{query}", **headers)
    assert response.status_code == 422, response.content
    assert query.split("=")[0] in named(response)


def test_a_json_body_without_content_type_is_refused(
    world: World, client: Client, headers: Headers
) -> None:
    response = client.post("/api/v1/patients", json.dumps(PATIENT), content_type="", **headers)
    assert response.status_code == 415
    assert "Content-Type" in named(response)
    assert not Patient.objects.exists()


def test_a_body_over_the_limit_is_a_413_in_json(
    world: World, client: Client, headers: Headers
) -> None:
    body = {**PATIENT, "medical_history": "x" * 2_700_000}
    response = post(client, "/api/v1/patients", body, headers)
    assert response.status_code == 413
    assert named(response) == {"body": response.json()["detail"]}
    assert not Patient.objects.exists()


def test_a_photo_upload_without_a_multipart_boundary_is_a_400_in_json(
    world: World, client: Client, headers: Headers
) -> None:
    response = client.post(
        "/api/v1/sessions/1/photos", b"--x\r\n", content_type="multipart/form-data", **headers
    )
    assert response.status_code == 400
    assert "Content-Type" in named(response)


def test_a_body_that_is_not_json_names_the_body(
    world: World, client: Client, headers: Headers
) -> None:
    response = client.post(
        "/api/v1/patients", '{"given_name": ', content_type="application/json", **headers
    )
    assert response.status_code == 400
    assert "body" in named(response)


def test_the_patient_form_refuses_a_hidden_character(world: World, client: Client) -> None:
    client.force_login(world.members["owner"])
    patient = make_patient(world.clinic)
    response = client.post(
        f"/patients/{patient.pk}/edit/",
        {"given_name": "Cam\u202eille", "family_name": "Durand", "date_of_birth": "1984-05-17"},
    )
    assert response.status_code in {200, 422}
    patient.refresh_from_db()
    assert patient.given_name == "Camille"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
@pytest.mark.parametrize("view", ["week", "day"])
def test_a_calendar_asked_for_a_day_outside_the_clinic_s_years_shows_today(
    world: World, client: Client, day: str, view: str
) -> None:
    client.force_login(world.members["front_desk"])
    person = make_practitioner(world.clinic)
    response = client.get(f"/treatments/schedule/{person.pk}/{view}/?date={day}")
    assert response.status_code == 200
    assert day not in response.content.decode()
