"""A patient has one language, which the portal, the consent and e-mails all follow; a clinic
has one, which its new patients take. The e-mail languages messaging used to keep apart are
carried over to them when the database is migrated."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from mesotrace.accounts import services as accounts
from mesotrace.accounts.models import Clinic
from mesotrace.messaging import queries, services
from mesotrace.patients import services as patients
from mesotrace.patients.models import Patient
from tests.conftest import SYSTEM, World, make_patient


def _link(patient: Patient, number: int) -> str:
    """The language of a portal link e-mailed to the patient, as queued."""
    url = f"https://example.org/portal/open/{number}/"
    return services.send_portal_link(SYSTEM, patient, number, url).language


def test_e_mail_follows_the_patients_language_and_a_new_patient_takes_the_clinics(
    world: World,
) -> None:
    accounts.set_clinic_language(SYSTEM, world.clinic, "fr")
    registered = make_patient(world.clinic)
    english = make_patient(world.clinic, given_name="Oliver", preferred_language="en")

    assert (_link(registered, 1), _link(english, 2)) == ("fr", "en")

    patients.update_patient(SYSTEM, english, patients.PatientInput(preferred_language="fr"))
    assert _link(english, 3) == "fr"


def test_a_patient_without_a_language_of_their_own_reads_the_clinics(world: World) -> None:
    accounts.set_clinic_language(SYSTEM, world.clinic, "fr")
    unsaved = Patient(clinic=world.clinic, preferred_language="")

    assert queries.language_for(unsaved) == "fr"


def _migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor


def _clinic(slug: str, language: str) -> Clinic:
    return accounts.create_clinic(
        SYSTEM,
        name=f"Clinic {slug}",
        slug=slug,
        jurisdiction="FR",
        timezone_name="Europe/Paris",
        currency="EUR",
        language=language,
    )


def test_e_mail_languages_kept_apart_become_the_clinics_and_the_patients(
    transactional_db: Any,
) -> None:
    # French e-mails of a clinic still on the default; English e-mails of a French clinic
    # (which chose since); Italian, no longer offered.
    to_french, kept_french, italian = _clinic("a", "en"), _clinic("b", "fr"), _clinic("c", "en")
    born = datetime.date(1980, 1, 1)
    choices = {"fr": "en", "en": "fr", "": "fr", "pt": "en"}  # e-mails' → the patient's
    people = {
        chosen: make_patient(to_french, date_of_birth=born, preferred_language=own)
        for chosen, own in choices.items()
    }
    unchosen = make_patient(italian, date_of_birth=born, preferred_language="fr")
    try:
        executor = _migrate([("messaging", "0001_initial")])
        old = executor.loader.project_state([("messaging", "0001_initial")]).apps
        settings = old.get_model("messaging", "ClinicMessaging")
        for clinic, language in ((to_french, "fr"), (kept_french, "en"), (italian, "it")):
            settings.objects.create(clinic_id=clinic.pk, language=language)
        preference = old.get_model("messaging", "MessagePreference")
        for chosen, patient in people.items():
            preference.objects.create(
                clinic_id=to_french.pk, patient_id=patient.pk, language=chosen
            )

        _migrate([("messaging", "0002_one_language")])
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    clinics = dict(Clinic.objects.values_list("slug", "language"))
    assert clinics == {"a": "fr", "b": "fr", "c": "en"}
    languages = dict(Patient.objects.values_list("pk", "preferred_language"))
    carried = {chosen: languages[patient.pk] for chosen, patient in people.items()}
    assert carried == {"fr": "fr", "en": "en", "": "fr", "pt": "en"}
    assert languages[unchosen.pk] == "fr"
    assert queries.language_for(Patient.objects.get(pk=people["fr"].pk)) == "fr"
