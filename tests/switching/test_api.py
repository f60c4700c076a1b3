"""`POST /api/v1/csv-imports`: the owner previews or imports a CSV file in one call; bad input
is a 422 naming the field and the reason, and nothing is half-imported."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mesotrace.patients.models import Patient
from mesotrace.switching.models import CsvImport
from tests.conftest import World
from tests.messaging.builders import run_worker
from tests.outcomes.builders import ensure_measurement_types
from tests.switching.builders import BAD_ROWS, ENGLISH, FRENCH, upload, utf8_bom

Bearer = Callable[..., dict[str, Any]]
URL = "/api/v1/csv-imports"


def _post(client: Client, headers: dict[str, Any], raw: bytes, **fields: Any) -> Any:
    data = {"file": SimpleUploadedFile("export.csv", raw, "text/csv"), **fields}
    return client.post(URL, data, **headers)


def test_owner_imports_a_file_and_reads_the_record_back(
    world: World, client: Client, bearer: Bearer
) -> None:
    ensure_measurement_types()
    headers = bearer(world.members["owner"], world.clinic)
    response = _post(client, headers, utf8_bom(FRENCH))
    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["encoding"], body["delimiter"], body["status"]) == ("UTF-8 (BOM)", ";", "queued")
    assert [row["action"] for row in body["row_results"]] == ["new", "new", "new"]
    assert not Patient.objects.exists()  # the task worker imports it
    run_worker()
    assert Patient.objects.for_clinic(world.clinic).count() == 3
    again = client.get(f"{URL}/{body['id']}", **headers)
    assert again.status_code == 200
    assert again.json()["status"] == "imported"
    assert again.json()["counts"] == {
        "new": 3,
        "adds": 0,
        "unchanged": 0,
        "measurements": 2,
        "warnings": 1,
    }
    second = _post(client, headers, utf8_bom(FRENCH)).json()
    assert second["previous_import_id"] == body["id"]
    assert [row["action"] for row in second["row_results"]] == ["unchanged"] * 3
    run_worker()
    second = client.get(f"{URL}/{second['id']}", **headers).json()
    assert second["counts"]["new"] == 0
    assert second["counts"]["unchanged"] == 3
    assert Patient.objects.for_clinic(world.clinic).count() == 3


def test_dry_run_previews_every_problem_and_keeps_nothing(
    world: World, client: Client, bearer: Bearer
) -> None:
    headers = bearer(world.members["owner"], world.clinic)
    response = _post(client, headers, utf8_bom(BAD_ROWS), dry_run="true")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] is None
    assert body["dry_run"] is True
    problems = {row["line"]: row["problems"] for row in body["row_results"]}
    assert problems[3] == [{"field": "family_name", "message": "Family name is missing."}]
    assert problems[6] == []
    assert not CsvImport.objects.exists()
    assert not Patient.objects.exists()


def test_a_bad_row_refuses_the_file_with_each_field_and_reason(
    world: World, client: Client, bearer: Bearer
) -> None:
    response = _post(client, bearer(world.members["owner"], world.clinic), utf8_bom(BAD_ROWS))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {
        "field": "rows[4].sex",
        "message": "Unknown sex “Z”: use F, M, other or leave it empty.",
    } in errors
    assert {e["field"] for e in errors} == {
        "rows[2].date_of_birth",
        "rows[3].family_name",
        "rows[4].sex",
        "rows[5].record_number",
    }
    assert not Patient.objects.exists()
    assert not CsvImport.objects.exists()


def test_columns_can_be_given_as_json(world: World, client: Client, bearer: Bearer) -> None:
    headers = bearer(world.members["owner"], world.clinic)
    text = "Code;Surname;Forename;Born\nK-9;Rivière;Maëlle;1993-10-02\n"
    wrong = _post(client, headers, utf8_bom(text), columns="[1, 2]")
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [
        {"field": "columns", "message": "Map each column header to a field name (both strings)."}
    ]
    # Columns left out keep their guess: "Surname" and "Forename" are known, "Born" is not.
    missing = _post(client, headers, utf8_bom(text), columns='{"Code": "external_id"}')
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"field": "columns.date_of_birth", "message": "Map a column to Date of birth."}
    ]
    unknown = _post(client, headers, utf8_bom(text), columns='{"Born": "birthday"}')
    assert unknown.json()["errors"][0] == {
        "field": "columns.Born",
        "message": "Unknown field “birthday”.",
    }
    assert not Patient.objects.exists()
    columns = json.dumps({"Code": "external_id", "Born": "date_of_birth"})
    response = _post(client, headers, utf8_bom(text), columns=columns)
    assert response.status_code == 202, response.json()
    run_worker()
    assert Patient.objects.get().family_name == "Rivière"
    # The clinic's next file is read with the mapping it chose.
    again = _post(client, headers, utf8_bom(text.replace("K-9", "K-10")), dry_run="true")
    assert again.json()["columns"]["Born"] == "date_of_birth"


def test_a_huge_file_is_refused_with_a_clear_message(
    world: World, client: Client, bearer: Bearer
) -> None:
    raw = b"Nom;Prenom;Date de naissance\n" + b"Durand;Camille;17/05/1984\n" * 250_000
    response = _post(client, bearer(world.members["owner"], world.clinic), raw)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "file",
            "message": "The file is 6.2 MB; at most 5 MB can be imported at once: split it.",
        }
    ]


def test_control_characters_are_refused_by_row_and_field(
    world: World, client: Client, bearer: Bearer
) -> None:
    text = ENGLISH.replace("Quinn", "Qu\u202einn").replace("Asthma", "Asth\x07ma")
    response = _post(client, bearer(world.members["owner"], world.clinic), text.encode())
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "rows[2].medical_history",
            "message": "Remove the invisible or control character U+0007.",
        },
        {
            "field": "rows[3].family_name",
            "message": "Remove the invisible or control character U+202E.",
        },
    ]
    assert not Patient.objects.exists()


def test_no_file_is_a_field_error(world: World, client: Client, bearer: Bearer) -> None:
    response = client.post(URL, {}, **bearer(world.members["owner"], world.clinic))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "file", "message": "Send the CSV file as multipart/form-data field `file`."}
    ]


def test_another_clinics_import_is_not_found(world: World, client: Client, bearer: Bearer) -> None:
    done = upload(world, utf8_bom(FRENCH))
    response = client.get(f"{URL}/{done.pk}", **bearer(world.outsider, world.other_clinic))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_practitioner_may_not_import(world: World, client: Client, bearer: Bearer) -> None:
    response = _post(client, bearer(world.members["practitioner"], world.clinic), utf8_bom(FRENCH))
    assert response.status_code == 403
    assert "does not allow" in response.json()["detail"]
    assert not Patient.objects.exists()
