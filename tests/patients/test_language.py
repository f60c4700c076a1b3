"""Each patient has a preferred language: the clinic's unless staff choose another on the
form or through the API (a language-neutral code), audited like every other change."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from mesotrace.accounts import services as accounts
from mesotrace.accounts.models import Clinic, User
from mesotrace.audit.models import AuditAction, AuditEvent
from mesotrace.patients.models import Patient
from tests.conftest import SYSTEM, World, make_patient

NEW = {
    "given_name": "Léa",
    "family_name": "Fontaine",
    "date_of_birth": "1990-04-12",
    "sex": "female",
    "medical_history": "",
    "pregnancy_status": "not_pregnant",
}


def test_a_new_patient_takes_the_clinics_language(world: World) -> None:
    assert make_patient(world.clinic).preferred_language == "en"
    accounts.set_clinic_language(SYSTEM, world.clinic, "fr")
    assert make_patient(world.clinic).preferred_language == "fr"
    assert make_patient(world.clinic, preferred_language="en").preferred_language == "en"


def test_the_new_patient_form_offers_the_clinics_language_first(
    world: World, login: Callable[[User], Client]
) -> None:
    accounts.set_clinic_language(SYSTEM, world.clinic, "fr")
    client = login(world.members["practitioner"])
    form = client.get("/patients/new/").content.decode()
    assert '<option value="fr" selected lang="fr">Français</option>' in form

    assert client.post("/patients/new/", {**NEW, "preferred_language": "en"}).status_code == 302
    assert Patient.objects.get(family_name="Fontaine").preferred_language == "en"


def test_staff_change_a_patients_language_and_it_is_audited(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic)
    client = login(world.members["front_desk"])
    details = {**{k: v for k, v in NEW.items() if k in {"given_name", "family_name", "sex"}}}
    form = {**details, "date_of_birth": "1984-05-17", "preferred_language": "fr"}
    response = client.post(f"/patients/{patient.pk}/edit/", form)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.preferred_language == "fr"
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(patient.pk)).get()
    assert event.changes["preferred_language"] == {"before": "en", "after": "fr"}
    shown = client.get(f"/patients/{patient.pk}/").content.decode()
    assert '<dd id="preferred-language" lang="fr">Français</dd>' in shown


def test_the_api_reads_and_writes_the_language_as_a_code(
    client: Client, world: World, bearer: Callable[[User, Clinic], dict[str, Any]]
) -> None:
    accounts.set_clinic_language(SYSTEM, world.clinic, "fr")
    headers = bearer(world.members["practitioner"], world.clinic)
    body = {"given_name": "Ana", "family_name": "Silva", "date_of_birth": "1979-02-03"}
    created = client.post(
        "/api/v1/patients", {**body, "sex": "female"}, content_type="application/json", **headers
    )
    assert created.status_code == 201
    assert created.json()["preferred_language"] == "fr"

    url = f"/api/v1/patients/{created.json()['id']}"
    changed = client.patch(
        url, {"preferred_language": "en"}, content_type="application/json", **headers
    )
    assert (changed.status_code, changed.json()["preferred_language"]) == (200, "en")

    refused = client.patch(
        url, {"preferred_language": "english"}, content_type="application/json", **headers
    )
    assert refused.status_code == 422
    assert "preferred_language" in refused.content.decode()
    assert Patient.objects.get(pk=created.json()["id"]).preferred_language == "en"


def _migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def test_patients_registered_before_languages_take_their_clinics(transactional_db: Any) -> None:
    french = accounts.create_clinic(
        SYSTEM,
        name="Clinique test",
        slug="clinique-test",
        jurisdiction="FR",
        timezone_name="Europe/Paris",
        currency="EUR",
        language="fr",
    )
    english = accounts.create_clinic(
        SYSTEM,
        name="Test clinic",
        slug="test-clinic",
        jurisdiction="US",
        timezone_name="America/New_York",
        currency="USD",
    )
    born = datetime.date(1980, 1, 1)
    first = make_patient(french, date_of_birth=born, preferred_language="en")
    second = make_patient(english, date_of_birth=born, preferred_language="fr")
    try:
        _migrate([("patients", "0003_allergy_codes")])
        _migrate([("patients", "0004_preferred_language")])
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    rows = dict(Patient.objects.values_list("pk", "preferred_language"))
    assert rows == {first.pk: "fr", second.pk: "en"}
