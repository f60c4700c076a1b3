"""French staff type dates as the French do: 09/03/1990 is 9 March 1990, stored as such and
shown again as 09/03/1990; the browser's date picker is still given ISO, the only form it reads."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.patients.models import Patient
from tests.conftest import World, make_patient, speaks

FR: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def _new_patient(**overrides: Any) -> dict[str, Any]:
    data = {
        "given_name": "Hélène",
        "family_name": "Lefèvre-Dubœuf",
        "date_of_birth": "09/03/1990",
        "sex": "female",
        "phone": "+33 6 12 34 56 78",
        "email": "helene@example.org",
        "address": "3 rue des Lilas, Lyon",
        "medical_history": "",
        "pregnancy_status": "not_pregnant",
    }
    data.update(overrides)
    return data


def test_a_date_typed_the_french_way_is_read_day_first(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    speaks(world.members["practitioner"], "fr")

    response = client.post("/patients/new/", _new_patient(), **FR)

    assert response.status_code == 302, response.content.decode()[:2000]
    patient = Patient.objects.get(family_name="Lefèvre-Dubœuf")
    assert patient.given_name == "Hélène"
    assert patient.date_of_birth == datetime.date(1990, 3, 9)
    page = client.get(f"/patients/{patient.pk}/", **FR).content.decode()
    assert "09/03/1990" in page
    speaks(world.members["practitioner"], "en")
    english = client.get(f"/patients/{patient.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1990-03-09" in english


def test_the_date_picker_gets_iso_in_french_and_its_iso_answer_is_read(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic, date_of_birth=datetime.date(1990, 3, 9))
    client = login(world.members["practitioner"])
    speaks(world.members["practitioner"], "fr")

    form = client.get(f"/patients/{patient.pk}/edit/", **FR).content.decode()

    assert 'type="date" name="date_of_birth" value="1990-03-09"' in form
    created = client.post("/patients/new/", _new_patient(date_of_birth="1985-12-01"), **FR)
    assert created.status_code == 302
    assert Patient.objects.get(family_name="Lefèvre-Dubœuf").date_of_birth == datetime.date(
        1985, 12, 1
    )


def test_search_by_a_french_birth_date(world: World, login: Callable[[User], Client]) -> None:
    make_patient(world.clinic, family_name="Moreau", date_of_birth=datetime.date(1990, 3, 9))
    make_patient(world.clinic, family_name="Roux", date_of_birth=datetime.date(1990, 9, 3))
    client = login(world.members["front_desk"])
    speaks(world.members["front_desk"], "fr")

    page = client.get("/patients/", {"q": "09/03/1990"}, **FR).content.decode()

    assert "MOREAU" in page.upper()
    assert "ROUX" not in page.upper()
