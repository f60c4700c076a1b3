"""The demo's French clinic speaks French to its staff and patients, but for one English-speaking
patient, so both can be seen; Studio Vita speaks English."""

from __future__ import annotations

import random
from typing import Any

from django.test import Client

from mesotrace.accounts import services as accounts
from mesotrace.accounts.models import Clinic, User
from mesotrace.demo.generator import bulk_patients, generate_demo
from mesotrace.patients.models import Patient
from mesotrace.treatments.models import TreatmentPlan
from tests.conftest import SYSTEM, make_clinic


def _languages(slug: str) -> dict[str, int]:
    patients = Patient.objects.filter(clinic__slug=slug)
    return {code: patients.filter(preferred_language=code).count() for code in ("en", "fr")}


def test_lumiere_speaks_french_but_to_one_english_patient_and_vita_english(db: Any) -> None:
    generate_demo(seed=3, patients_per_clinic=15)

    lumiere, vita = Clinic.objects.get(slug="lumiere"), Clinic.objects.get(slug="vita")
    assert (lumiere.language, vita.language) == ("fr", "en")
    staff = User.objects.filter(memberships__clinic=lumiere)
    assert set(staff.values_list("language", flat=True)) == {"fr"}
    assert set(
        User.objects.filter(memberships__clinic=vita).values_list("language", flat=True)
    ) == {"en"}
    assert _languages("lumiere") == {"en": 1, "fr": 14}
    assert _languages("vita") == {"en": 15, "fr": 0}

    english = Patient.objects.get(clinic=lumiere, preferred_language="en")
    assert english.full_name == "Oliver Whitcombe"
    assert TreatmentPlan.objects.filter(patient=english).exists()  # a consent to open in English

    client = Client()
    client.force_login(staff.get(email="practitioner@lumiere.demo"))
    assert '<html lang="fr"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_bulk_demo_patients_take_their_clinics_language(db: Any) -> None:
    clinic = make_clinic("bulk")
    accounts.set_clinic_language(SYSTEM, clinic, "fr")
    bulk_patients(clinic, 20, random.Random(1), batch_size=7)
    assert set(
        Patient.objects.filter(clinic=clinic).values_list("preferred_language", flat=True)
    ) == {"fr"}
