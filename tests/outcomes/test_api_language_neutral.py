"""The JSON API stays language-neutral: a French Accept-Language changes no number or date.
It takes and returns ISO dates and dot decimals, and refuses "72,5" as a number with the field
and a reason."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

from django.test import Client

from tests.conftest import World, make_patient

FR: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def _post(client: Client, url: str, body: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", **headers, **FR)


def test_a_decimal_comma_is_refused_with_the_field(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    patient = make_patient(world.clinic)
    headers = bearer(world.members["nurse"], world.clinic)
    body = {"patient_id": patient.pk, "type": "body-weight", "value": "72,5", "unit": "kg"}

    refused = _post(client, "/api/v1/measurements", body, headers)

    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert errors[0]["field"] == "value"
    assert errors[0]["message"]
    accepted = _post(client, "/api/v1/measurements", {**body, "value": 72.5}, headers)
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["value"] == 72.5
    assert "T" in accepted.json()["measured_at"]
    datetime.datetime.fromisoformat(accepted.json()["measured_at"])


def test_patient_dates_stay_iso_in_french(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    headers = bearer(world.members["practitioner"], world.clinic)
    body = {
        "given_name": "Hélène",
        "family_name": "Lefèvre",
        "date_of_birth": "1990-03-09",
        "sex": "female",
    }

    created = _post(client, "/api/v1/patients", body, headers)
    typed = _post(client, "/api/v1/patients", {**body, "date_of_birth": "09/03/1990"}, headers)

    assert created.status_code == 201, created.content
    assert created.json()["date_of_birth"] == "1990-03-09"
    read = client.get(f"/api/v1/patients/{created.json()['id']}", **headers, **FR)
    assert read.json()["date_of_birth"] == "1990-03-09"
    assert typed.status_code == 422
    assert typed.json()["errors"][0]["field"] == "date_of_birth"
