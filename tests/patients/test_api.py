"""Other systems list, register, read and change patients through `/api/v1/patients`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesotrace.accounts import services as accounts
from mesotrace.audit.models import AuditEvent
from mesotrace.patients.models import Patient
from tests.conftest import SYSTEM, World, make_patient

Bearer = Callable[..., dict[str, Any]]
URL = "/api/v1/patients"


@pytest.fixture
def as_role(world: World, bearer: Bearer) -> Callable[[str], dict[str, Any]]:
    def headers(role: str) -> dict[str, Any]:
        return bearer(world.members[role], world.clinic)

    return headers


def _post(client: Client, url: str, body: Any, headers: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def _patch(client: Client, url: str, body: Any, headers: dict[str, Any]) -> Any:
    return client.patch(url, json.dumps(body), content_type="application/json", **headers)


NEW_PATIENT = {
    "given_name": "Léa",
    "family_name": "Fontaine",
    "date_of_birth": "1990-04-12",
    "sex": "female",
    "phone": "+33 6 12 34 56 78",
    "medical_history": "Mild eczema.",
    "allergies": [{"substance": "Lidocaine", "severity": "moderate"}],
    "medications": [{"name": "Apixaban", "dose": "5 mg", "is_anticoagulant": True}],
}


def test_list_is_paginated_in_name_order(world: World, client: Client, as_role: Any) -> None:
    for name in ["Durand", "Berger", "Arnaud", "Costa", "Etienne"]:
        make_patient(world.clinic, family_name=name)
    response = client.get(URL, {"page": 2, "page_size": 2}, **as_role("front_desk"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "count", "page", "page_size"}
    assert (body["count"], body["page"], body["page_size"]) == (5, 2, 2)
    assert [p["family_name"] for p in body["items"]] == ["Costa", "Durand"]
    assert body["items"][0]["clinical"] is None


def test_list_can_be_sorted_by_a_named_key(world: World, client: Client, as_role: Any) -> None:
    make_patient(world.clinic, family_name="Arnaud")
    make_patient(world.clinic, family_name="Berger")
    body = client.get(URL, {"sort": "-family_name"}, **as_role("nurse")).json()
    assert [p["family_name"] for p in body["items"]] == ["Berger", "Arnaud"]


def test_list_past_the_last_page_is_empty(world: World, client: Client, as_role: Any) -> None:
    make_patient(world.clinic)
    body = client.get(URL, {"page": 3}, **as_role("nurse")).json()
    assert (body["items"], body["count"]) == ([], 1)


def test_list_is_searchable_by_name(world: World, client: Client, as_role: Any) -> None:
    found = make_patient(world.clinic, family_name="Fontaine")
    make_patient(world.clinic, family_name="Berger")
    body = client.get(URL, {"q": "font"}, **as_role("front_desk")).json()
    assert [p["id"] for p in body["items"]] == [found.pk]
    assert body["count"] == 1


def test_list_shows_only_this_clinics_patients(world: World, client: Client, as_role: Any) -> None:
    ours = make_patient(world.clinic)
    make_patient(world.other_clinic)
    body = client.get(URL, **as_role("front_desk")).json()
    assert [p["id"] for p in body["items"]] == [ours.pk]


def test_listing_is_audited_with_the_query_and_who_was_shown(
    world: World, client: Client, as_role: Any
) -> None:
    shown = make_patient(world.clinic, family_name="Fontaine")
    client.get(URL, {"q": "fontaine"}, **as_role("front_desk"))
    event = AuditEvent.objects.for_clinic(world.clinic).get(action="search")
    assert (event.actor, event.via) == (world.members["front_desk"], "api")
    assert event.details == {
        "query": "fontaine",
        "shown": [shown.pk],
        "patients": [shown.pk],
        "total": 1,
    }


def test_practitioner_registers_a_patient(world: World, client: Client, as_role: Any) -> None:
    response = _post(client, URL, NEW_PATIENT, as_role("practitioner"))
    assert response.status_code == 201
    body = response.json()
    patient = Patient.objects.for_clinic(world.clinic).get()
    assert body["id"] == patient.pk
    assert body["record_number"] == patient.record_number == "ALP-000001"
    assert body["date_of_birth"] == "1990-04-12"
    allergy = patient.allergies.get()
    assert body["clinical"]["allergies"] == [
        {
            "id": allergy.pk,
            "substance": "Lidocaine",
            "reaction": "",
            "severity": "moderate",
            "coded_as": ["lidocaine"],
        }
    ]
    assert body["clinical"]["medications"][0]["is_anticoagulant"] is True
    assert patient.medical_history == "Mild eczema."


def test_registering_a_patient_is_audited(world: World, client: Client, as_role: Any) -> None:
    response = _post(client, URL, NEW_PATIENT, as_role("practitioner"))
    patient_id = response.json()["id"]
    event = AuditEvent.objects.for_clinic(world.clinic).get(action="create", object_type="patient")
    assert (event.actor, event.object_id, event.patient_id) == (
        world.members["practitioner"],
        str(patient_id),
        patient_id,
    )
    assert event.via == "api"
    assert event.request_id == response["X-Request-ID"]
    assert event.changes["family_name"] == {"before": None, "after": "Fontaine"}
    assert event.changes["allergies"]["after"][0]["substance"] == "Lidocaine"


def test_front_desk_may_not_send_clinical_fields(
    world: World, client: Client, as_role: Any
) -> None:
    response = _post(client, URL, NEW_PATIENT, as_role("front_desk"))
    assert response.status_code == 403
    assert "allergies, medical_history, medications" in response.json()["detail"]
    assert not Patient.objects.exists()


def test_front_desk_registers_demographics(world: World, client: Client, as_role: Any) -> None:
    demographics = {
        k: NEW_PATIENT[k] for k in ("given_name", "family_name", "date_of_birth", "sex")
    }
    response = _post(client, URL, demographics, as_role("front_desk"))
    assert response.status_code == 201
    assert response.json()["clinical"] is None
    assert Patient.objects.for_clinic(world.clinic).get().pregnancy_status == "unknown"


def test_reading_one_patient_shows_clinical_parts_to_clinical_staff_only(
    world: World, client: Client, as_role: Any
) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Latex"}])
    url = f"{URL}/{patient.pk}"
    desk = client.get(url, **as_role("front_desk")).json()
    assert (desk["id"], desk["family_name"], desk["clinical"]) == (patient.pk, "Durand", None)
    nurse = client.get(url, **as_role("nurse")).json()
    assert nurse["clinical"]["medical_history"] == "Synthetic test patient."
    assert nurse["clinical"]["allergies"][0]["substance"] == "Latex"


def test_reading_one_patient_is_audited(world: World, client: Client, as_role: Any) -> None:
    patient = make_patient(world.clinic)
    client.get(f"{URL}/{patient.pk}", **as_role("front_desk"))
    event = AuditEvent.objects.for_clinic(world.clinic).get(action="view")
    assert (event.actor, event.patient_id, event.via) == (
        world.members["front_desk"],
        patient.pk,
        "api",
    )
    assert event.details == {"part": "demographics"}


def test_clinical_record_is_served_to_clinical_roles(
    world: World, client: Client, as_role: Any
) -> None:
    patient = make_patient(
        world.clinic, pregnancy_status="breastfeeding", medications=[{"name": "Aspirin"}]
    )
    for role in ("owner", "practitioner", "nurse"):
        response = client.get(f"{URL}/{patient.pk}/clinical", **as_role(role))
        assert response.status_code == 200, role
        body = response.json()
        assert body["pregnancy_status"] == "breastfeeding"
        assert body["medications"] == [{"name": "Aspirin", "dose": "", "is_anticoagulant": False}]
    reads = AuditEvent.objects.filter(action="view", patient_id=patient.pk)
    assert [e.details["part"] for e in reads] == ["clinical"] * 3


@pytest.mark.parametrize("role", ["front_desk", "researcher", "auditor"])
def test_clinical_record_is_refused_to_other_roles(
    world: World, client: Client, as_role: Any, role: str
) -> None:
    patient = make_patient(world.clinic)
    response = client.get(f"{URL}/{patient.pk}/clinical", **as_role(role))
    assert response.status_code == 403
    assert "does not allow this" in response.json()["detail"]
    assert not AuditEvent.objects.filter(action="view", patient_id=patient.pk).exists()


def test_patch_changes_only_the_fields_sent(world: World, client: Client, as_role: Any) -> None:
    patient = make_patient(world.clinic)
    response = _patch(
        client, f"{URL}/{patient.pk}", {"phone": "04 78 00 00 00"}, as_role("front_desk")
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "04 78 00 00 00"
    patient.refresh_from_db()
    assert (patient.phone, patient.family_name, patient.email) == (
        "04 78 00 00 00",
        "Durand",
        "camille.durand@example.org",
    )


def test_patch_is_audited_with_before_and_after(world: World, client: Client, as_role: Any) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Latex"}])
    body = {"family_name": "Roux", "allergies": [{"substance": "Nickel", "severity": "mild"}]}
    response = _patch(client, f"{URL}/{patient.pk}", body, as_role("nurse"))
    assert response.status_code == 200
    event = AuditEvent.objects.for_clinic(world.clinic).get(action="update")
    assert event.actor == world.members["nurse"]
    assert event.patient_id == patient.pk
    assert event.request_id == response["X-Request-ID"]
    assert event.changes == {
        "family_name": {"before": "Durand", "after": "Roux"},
        "allergies": {
            "before": [
                {"substance": "Latex", "reaction": "", "severity": "unknown", "coded_as": ["latex"]}
            ],
            "after": [
                {"substance": "Nickel", "reaction": "", "severity": "mild", "coded_as": ["nickel"]}
            ],
        },
    }


def test_patch_that_changes_nothing_writes_no_change_record(
    world: World, client: Client, as_role: Any
) -> None:
    patient = make_patient(world.clinic)
    response = _patch(client, f"{URL}/{patient.pk}", {"family_name": "Durand"}, as_role("nurse"))
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="update", patient_id=patient.pk).exists()
    # The answer still showed the record: that read is audited.
    read = AuditEvent.objects.get(action="view", patient_id=patient.pk)
    assert read.details == {"part": "clinical"}


def test_front_desk_may_not_patch_clinical_fields(
    world: World, client: Client, as_role: Any
) -> None:
    patient = make_patient(world.clinic)
    body = {"phone": "0102030405", "pregnancy_status": "pregnant"}
    response = _patch(client, f"{URL}/{patient.pk}", body, as_role("front_desk"))
    assert response.status_code == 403
    patient.refresh_from_db()
    assert (patient.phone, patient.pregnancy_status) == ("+33 6 00 11 22 33", "not_pregnant")


def test_auditor_may_not_change_a_patient(world: World, client: Client, as_role: Any) -> None:
    patient = make_patient(world.clinic)
    response = _patch(client, f"{URL}/{patient.pk}", {"family_name": "X"}, as_role("auditor"))
    assert response.status_code == 403
    assert Patient.objects.get(pk=patient.pk).family_name == "Durand"


def test_another_clinics_patient_is_not_found(world: World, client: Client, as_role: Any) -> None:
    theirs = make_patient(world.other_clinic)
    headers = as_role("owner")
    assert client.get(f"{URL}/{theirs.pk}", **headers).status_code == 404
    response = _patch(client, f"{URL}/{theirs.pk}", {"family_name": "X"}, headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert Patient.objects.get(pk=theirs.pk).family_name == "Durand"


def test_missing_or_revoked_token_gets_401(world: World, client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json() == {"detail": "A valid bearer token is required."}
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401
    token, raw = accounts.issue_token(SYSTEM, world.membership("nurse"), "revoked")
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(URL, **headers).status_code == 200
    accounts.revoke_token(SYSTEM, token)
    assert client.get(URL, **headers).status_code == 401
