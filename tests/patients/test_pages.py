"""Staff register, find and update patients on the pages; the desk never sees clinical records."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.patients.models import Allergy, Medication, Patient
from tests.conftest import World, make_patient

NOTHING_SAVED = "Please correct the fields marked below; nothing was saved."


def _demographics(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_name": "Léa",
        "family_name": "Fontaine",
        "date_of_birth": "1990-04-12",
        "sex": "female",
        "phone": "+33 6 12 34 56 78",
        "email": "lea.fontaine@example.org",
        "address": "3 rue des Lilas, Lyon",
    }
    data.update(overrides)
    return data


def _new_patient(**overrides: Any) -> dict[str, Any]:
    data = {"medical_history": "Mild eczema.", "pregnancy_status": "not_pregnant"}
    data.update(overrides)
    return _demographics(**data)


def _formset(prefix: str, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "100",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


@pytest.fixture
def practitioner(world: World, login: Callable[[User], Client]) -> Client:
    return login(world.members["practitioner"])


@pytest.fixture
def front_desk(world: World, login: Callable[[User], Client]) -> Client:
    return login(world.members["front_desk"])


def test_practitioner_registers_a_patient_and_finds_it_on_the_list(
    world: World, practitioner: Client
) -> None:
    response = practitioner.post("/patients/new/", _new_patient())
    patient = Patient.objects.for_clinic(world.clinic).get()
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.pk}/"
    assert (patient.given_name, patient.family_name) == ("Léa", "Fontaine")
    assert patient.date_of_birth == datetime.date(1990, 4, 12)
    assert patient.medical_history == "Mild eczema."
    assert patient.pregnancy_status == "not_pregnant"
    assert patient.record_number == "ALP-000001"
    listing = practitioner.get("/patients/").content.decode()
    assert "FONTAINE Léa" in listing
    assert f'href="/patients/{patient.pk}/"' in listing


def test_list_search_narrows_to_the_patient_asked_for(world: World, practitioner: Client) -> None:
    make_patient(world.clinic, given_name="Léa", family_name="Fontaine")
    make_patient(world.clinic, given_name="Marc", family_name="Berger")
    page = practitioner.get("/patients/", {"q": "fontaine"}).context["page"]
    assert [p.family_name for p in page] == ["Fontaine"]


def test_practitioner_edits_a_patients_details(world: World, practitioner: Client) -> None:
    patient = make_patient(world.clinic)
    response = practitioner.post(
        f"/patients/{patient.pk}/edit/", _demographics(phone="04 78 00 00 00", family_name="Roux")
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.family_name, patient.phone) == ("Roux", "04 78 00 00 00")
    assert patient.medical_history == "Synthetic test patient."


def test_practitioner_records_allergies_and_medications(world: World, practitioner: Client) -> None:
    patient = make_patient(world.clinic)
    data = {"medical_history": "Type 2 diabetes.", "pregnancy_status": "not_applicable"}
    data |= _formset(
        "allergies",
        [
            {"substance": "Lidocaine", "reaction": "Urticaria", "severity": "moderate"},
            {"substance": "", "reaction": "", "severity": "unknown"},
        ],
    )
    data |= _formset(
        "medications", [{"name": "Warfarin", "dose": "5 mg", "is_anticoagulant": "on"}]
    )
    response = practitioner.post(f"/patients/{patient.pk}/clinical/edit/", data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.medical_history == "Type 2 diabetes."
    allergies = list(Allergy.objects.for_clinic(world.clinic).filter(patient=patient))
    assert [(a.substance, a.reaction, a.severity) for a in allergies] == [
        ("Lidocaine", "Urticaria", "moderate")
    ]
    medications = list(Medication.objects.for_clinic(world.clinic).filter(patient=patient))
    assert [(m.name, m.dose, m.is_anticoagulant) for m in medications] == [
        ("Warfarin", "5 mg", True)
    ]
    page = practitioner.get(f"/patients/{patient.pk}/clinical/").content.decode()
    assert "Lidocaine" in page
    assert "Warfarin" in page


def test_practitioner_removes_an_allergy(world: World, practitioner: Client) -> None:
    patient = make_patient(
        world.clinic, allergies=[{"substance": "Latex"}, {"substance": "Penicillin"}]
    )
    latex, penicillin = Allergy.objects.filter(patient=patient).order_by("substance")
    data = {"medical_history": "", "pregnancy_status": "unknown"}
    data |= _formset(
        "allergies",
        [
            {"id": latex.pk, "substance": "Latex", "severity": "unknown", "DELETE": "on"},
            {"id": penicillin.pk, "substance": "Penicillin", "severity": "severe"},
        ],
        initial=2,
    )
    data |= _formset("medications", [])
    assert practitioner.post(f"/patients/{patient.pk}/clinical/edit/", data).status_code == 302
    remaining = Allergy.objects.filter(patient=patient)
    assert [(a.substance, a.severity) for a in remaining] == [("Penicillin", "severe")]


def test_clinical_form_with_an_over_long_allergy_saves_nothing(
    world: World, practitioner: Client
) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Latex"}])
    data = {"medical_history": "Changed.", "pregnancy_status": "pregnant"}
    data |= _formset("allergies", [{"substance": "x" * 201, "severity": "mild"}])
    data |= _formset("medications", [])
    response = practitioner.post(f"/patients/{patient.pk}/clinical/edit/", data)
    assert response.status_code == 200
    assert NOTHING_SAVED in response.content.decode()
    patient.refresh_from_db()
    assert patient.medical_history == "Synthetic test patient."
    assert patient.pregnancy_status == "not_pregnant"
    assert [a.substance for a in Allergy.objects.filter(patient=patient)] == ["Latex"]


def _tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


IMPOSSIBLE_BIRTH_DATES = {
    "31 February": "2024-02-31",
    "not a date": "yesterday",
    "before 1900": "1850-01-01",
}


@pytest.mark.parametrize(
    "value", IMPOSSIBLE_BIRTH_DATES.values(), ids=IMPOSSIBLE_BIRTH_DATES.keys()
)
def test_impossible_birth_date_is_refused_and_nothing_is_saved(
    world: World, practitioner: Client, value: str
) -> None:
    events = AuditEvent.objects.filter(action="create").count()
    response = practitioner.post("/patients/new/", _new_patient(date_of_birth=value))
    assert response.status_code == 200
    assert NOTHING_SAVED in response.content.decode()
    assert "date_of_birth" in response.context["form"].errors
    assert not Patient.objects.exists()
    assert AuditEvent.objects.filter(action="create").count() == events


def test_birth_date_in_the_future_is_refused(world: World, practitioner: Client) -> None:
    response = practitioner.post("/patients/new/", _new_patient(date_of_birth=_tomorrow()))
    assert response.context["form"].errors["date_of_birth"] == [
        "The date of birth cannot be in the future."
    ]
    assert not Patient.objects.exists()


OTHER_BAD_INPUT = {
    "over-long family name": {"family_name": "x" * 101},
    "over-long address": {"address": "a" * 301},
    "letters in the phone": {"phone": "call me maybe"},
    "malformed email": {"email": "lea@"},
    "unknown sex": {"sex": "robot"},
    "missing given name": {"given_name": ""},
}


@pytest.mark.parametrize("changes", OTHER_BAD_INPUT.values(), ids=OTHER_BAD_INPUT.keys())
def test_bad_details_on_edit_leave_the_patient_unchanged(
    world: World, practitioner: Client, changes: dict[str, Any]
) -> None:
    patient = make_patient(world.clinic)
    response = practitioner.post(
        f"/patients/{patient.pk}/edit/", _demographics(date_of_birth="2024-02-31", **changes)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(changes) | {"date_of_birth"} <= set(errors)
    saved = Patient.objects.get(pk=patient.pk)
    assert (saved.given_name, saved.family_name, saved.phone, saved.email) == (
        "Camille",
        "Durand",
        "+33 6 00 11 22 33",
        "camille.durand@example.org",
    )
    assert saved.date_of_birth == datetime.date(1984, 5, 17)
    assert not AuditEvent.objects.filter(action="update", patient_id=patient.pk).exists()


def test_front_desk_sees_demographics_without_the_clinical_record(
    world: World, front_desk: Client
) -> None:
    patient = make_patient(
        world.clinic, medical_history="Zyxhistory of keloids", allergies=[{"substance": "Zyxlatex"}]
    )
    detail = front_desk.get(f"/patients/{patient.pk}/")
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "DURAND Camille" in page
    assert "1984-05-17" in page
    assert "Zyx" not in page
    assert front_desk.get(f"/patients/{patient.pk}/clinical/").status_code == 403
    assert front_desk.get(f"/patients/{patient.pk}/clinical/edit/").status_code == 403


def test_the_patient_page_leads_clinicians_to_progress_and_not_the_front_desk(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic)
    progress = f'href="/outcomes/patients/{patient.pk}/"'
    clinician = login(world.members["practitioner"])
    assert progress in clinician.get(f"/patients/{patient.pk}/").content.decode()
    assert clinician.get(f"/outcomes/patients/{patient.pk}/").status_code == 200
    desk = login(world.members["front_desk"])
    assert progress not in desk.get(f"/patients/{patient.pk}/").content.decode()


def test_front_desk_registers_demographics_only(world: World, front_desk: Client) -> None:
    response = front_desk.post(
        "/patients/new/", _new_patient(medical_history="Sneaked in", pregnancy_status="pregnant")
    )
    assert response.status_code == 302
    patient = Patient.objects.for_clinic(world.clinic).get()
    assert patient.medical_history == ""
    assert patient.pregnancy_status == "unknown"


def test_front_desk_cannot_change_the_clinical_record(world: World, front_desk: Client) -> None:
    patient = make_patient(world.clinic)
    data = {"medical_history": "Tampered.", "pregnancy_status": "pregnant"}
    data |= _formset("allergies", []) | _formset("medications", [])
    assert front_desk.post(f"/patients/{patient.pk}/clinical/edit/", data).status_code == 403
    patient.refresh_from_db()
    assert patient.medical_history == "Synthetic test patient."


def _reads(world: World, patient_id: int) -> list[AuditEvent]:
    found = AuditEvent.objects.for_clinic(world.clinic).filter(action="view", patient_id=patient_id)
    return list(found.order_by("id"))


def test_opening_a_patient_record_is_audited(world: World, login: Callable[[User], Client]) -> None:
    patient = make_patient(world.clinic)
    login(world.members["front_desk"]).get(f"/patients/{patient.pk}/")
    nurse = login(world.members["nurse"])
    nurse.get(f"/patients/{patient.pk}/")
    nurse.get(f"/patients/{patient.pk}/clinical/")
    desk_read, nurse_read, clinical_read = _reads(world, patient.pk)
    assert desk_read.actor == world.members["front_desk"]
    assert desk_read.details == {"part": "demographics"}
    assert nurse_read.actor == world.members["nurse"]
    assert nurse_read.details == {"part": "demographics+clinical"}
    assert clinical_read.details == {"part": "clinical"}


def test_the_patient_list_is_audited_with_who_was_shown(world: World, front_desk: Client) -> None:
    shown = make_patient(world.clinic, family_name="Fontaine")
    make_patient(world.clinic, family_name="Berger")
    front_desk.get("/patients/", {"q": "fontaine"})
    event = AuditEvent.objects.for_clinic(world.clinic).get(action="search")
    assert event.actor == world.members["front_desk"]
    assert event.details == {
        "query": "fontaine",
        "shown": [shown.pk],
        "patients": [shown.pk],
        "total": 1,
    }


def test_another_clinics_patient_is_not_found(world: World, practitioner: Client) -> None:
    theirs = make_patient(world.other_clinic)
    for url in (f"/patients/{theirs.pk}/", f"/patients/{theirs.pk}/edit/"):
        assert practitioner.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="view", patient_id=theirs.pk).exists()


@pytest.mark.parametrize("patient_id", ["0", "99999999999999999999"])
def test_an_id_that_names_no_patient_is_not_found(practitioner: Client, patient_id: str) -> None:
    assert practitioner.get(f"/patients/{patient_id}/").status_code == 404
    assert practitioner.get(f"/patients/{patient_id}/edit/").status_code == 404
