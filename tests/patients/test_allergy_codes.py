"""Allergies are stored with the catalogue substances or classes they name: coded when saved,
coded by hand by clinical staff (page and API, audited), coded by a migration when written
before, and screened by the stored code; what matches nothing stays a warning to review."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.test import Client

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.catalogue.models import Allergen
from mesotrace.patients import services as patients
from mesotrace.patients.models import Allergy, Patient
from mesotrace.treatments.queries.plans import screen_patient
from tests.conftest import World, make_patient
from tests.treatments.builders import PAIN, shipped

Bearer = Callable[..., dict[str, Any]]
MIGRATION = "mesotrace.patients.migrations.0003_allergy_codes"


def _codes(allergy: Allergy) -> list[str]:
    return sorted(a.slug for a in allergy.allergens.all())


def _allergy(patient: Patient, substance: str) -> Allergy:
    return Allergy.objects.get(patient=patient, substance=substance)


def world_actor(world: World) -> Actor:
    return Actor.system("test", world.membership("practitioner"))


def _allergy_codes(world: World, patient: Patient) -> list[str]:
    found = screen_patient(patient, shipped(PAIN), world.clinic)
    return sorted(w.code for w in found if w.kind == "allergy")


def test_an_allergy_is_stored_with_the_substances_its_words_name(world: World) -> None:
    patient = make_patient(
        world.clinic,
        allergies=[{"substance": "Xylocaïne"}, {"substance": "soja, latex"}, {"substance": "Zyx"}],
    )

    assert _codes(_allergy(patient, "Xylocaïne")) == ["lidocaine"]
    assert _codes(_allergy(patient, "soja, latex")) == ["latex", "soy"]
    assert _codes(_allergy(patient, "Zyx")) == []


def test_rewriting_the_list_keeps_a_hand_code_and_recodes_changed_words(world: World) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Zyxolan"}])
    lidocaine = Allergen.objects.get(slug="lidocaine")
    patients.code_allergy(world_actor(world), _allergy(patient, "Zyxolan"), [lidocaine])

    rows = [patients.AllergyInput("Zyxolan", severity="severe"), patients.AllergyInput("Soja")]
    patients.update_patient(world_actor(world), patient, patients.PatientInput(allergies=rows))

    assert _codes(_allergy(patient, "Zyxolan")) == ["lidocaine"]
    assert _codes(_allergy(patient, "Soja")) == ["soy"]


def test_screening_reads_the_stored_code_not_the_words(world: World) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Zyxolan cream"}])
    assert _allergy_codes(world, patient) == ["allergy.unmatched.zyxolan-cream"]

    allergy = _allergy(patient, "Zyxolan cream")
    patients.code_allergy(world_actor(world), allergy, [Allergen.objects.get(slug="lidocaine")])

    assert _allergy_codes(world, patient) == ["allergy.lidocaine.zyxolan-cream"]


def test_a_practitioner_codes_an_unmatched_allergy_on_the_patient_page(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Zyxolan cream"}])
    allergy = _allergy(patient, "Zyxolan cream")
    client = login(world.members["practitioner"])
    url = f"/patients/{patient.pk}/allergies/{allergy.pk}/coding/"
    record = client.get(f"/patients/{patient.pk}/").content.decode()
    assert f'href="{url}"' in record
    assert "not matched to a substance" in client.get(url).content.decode()

    lidocaine = Allergen.objects.get(slug="lidocaine")
    response = client.post(url, {"allergens": [lidocaine.pk]})

    assert response.status_code == 302
    assert _codes(allergy) == ["lidocaine"]
    event = AuditEvent.objects.for_clinic(world.clinic).get(details__allergy=allergy.pk)
    assert (event.action, event.actor, event.patient_id) == (
        "update",
        world.members["practitioner"],
        patient.pk,
    )
    assert event.changes["allergy_coding"]["before"]["coded_as"] == []
    assert event.changes["allergy_coding"]["after"]["coded_as"] == ["lidocaine"]
    record = client.get(f"/patients/{patient.pk}/").content.decode()
    assert '“Zyxolan cream”: <span class="badge">Lidocaine</span>' in record


def test_a_bad_choice_is_refused_on_the_page_and_changes_nothing(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Soja"}])
    allergy = _allergy(patient, "Soja")
    url = f"/patients/{patient.pk}/allergies/{allergy.pk}/coding/"

    response = login(world.members["practitioner"]).post(url, {"allergens": ["999999"]})

    assert response.status_code == 422
    assert "Please correct the fields marked below" in response.content.decode()
    assert _codes(allergy) == ["soy"]


def test_the_front_desk_may_not_code_and_another_clinic_sees_404(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Zyx"}])
    allergy = _allergy(patient, "Zyx")
    url = f"/patients/{patient.pk}/allergies/{allergy.pk}/coding/"
    lidocaine = Allergen.objects.get(slug="lidocaine").pk

    assert (
        login(world.members["front_desk"]).post(url, {"allergens": [lidocaine]}).status_code == 403
    )
    other = make_patient(world.other_clinic, allergies=[{"substance": "Zyx"}])
    foreign = f"/patients/{other.pk}/allergies/{_allergy(other, 'Zyx').pk}/coding/"
    assert (
        login(world.members["practitioner"]).post(foreign, {"allergens": [lidocaine]}).status_code
        == 404
    )
    assert _codes(allergy) == []
    assert _codes(_allergy(other, "Zyx")) == []


def test_the_api_codes_an_allergy_and_refuses_an_unknown_code(
    world: World, client: Client, bearer: Bearer
) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Zyx"}])
    allergy = _allergy(patient, "Zyx")
    headers = bearer(world.members["nurse"], world.clinic)
    url = f"/api/v1/patients/{patient.pk}/allergies/{allergy.pk}/coding"

    def put(body: Any) -> Any:
        return client.put(url, json.dumps(body), content_type="application/json", **headers)

    refused = put({"coded_as": ["lidocaine", "unicorn-dust"]})
    assert refused.status_code == 422
    assert "coded_as" in json.dumps(refused.json())
    assert "unicorn-dust" in json.dumps(refused.json())
    assert _codes(allergy) == []

    answer = put({"coded_as": ["lidocaine", "amide-local-anaesthetics"]})
    assert answer.status_code == 200
    assert answer.json()["coded_as"] == ["amide-local-anaesthetics", "lidocaine"]
    clinical = client.get(f"/api/v1/patients/{patient.pk}/clinical", **headers).json()
    assert clinical["allergies"][0]["coded_as"] == ["amide-local-anaesthetics", "lidocaine"]
    codes = client.get("/api/v1/allergens", {"page_size": 100}, **headers).json()
    assert "lidocaine" in [row["slug"] for row in codes["items"]]


def test_allergy_coding_lists_what_stays_unmatched_after_hand_coding(world: World) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Zyxolan"}])
    make_patient(world.clinic, allergies=[{"substance": "Zyxolan"}, {"substance": "Soja"}])
    lidocaine = Allergen.objects.get(slug="lidocaine")
    patients.code_allergy(world_actor(world), _allergy(patient, "Zyxolan"), [lidocaine])
    out = io.StringIO()

    call_command("allergy_coding", stdout=out)

    assert "alpha: 1 not matched\n  1 x Zyxolan\n" in out.getvalue()


def test_the_migration_codes_allergies_written_before_it(world: World) -> None:
    patient = make_patient(
        world.clinic, allergies=[{"substance": "Marcaine"}, {"substance": "Zyxolan"}]
    )
    Allergy.allergens.through.objects.filter(allergy__patient=patient).delete()
    assert _allergy_codes(world, patient) == [
        "allergy.unmatched.marcaine",
        "allergy.unmatched.zyxolan",
    ]

    import_module(MIGRATION).code_existing_allergies(apps, None)

    assert _codes(_allergy(patient, "Marcaine")) == ["bupivacaine"]
    assert _codes(_allergy(patient, "Zyxolan")) == []
    out = io.StringIO()
    call_command("allergy_coding", stdout=out)
    assert "alpha: 1 not matched\n  1 x Zyxolan\n" in out.getvalue()
