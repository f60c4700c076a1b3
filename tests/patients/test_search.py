"""Front desk finds a patient by any word of a name, a date of birth or part of a phone number."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.demo.generator import bulk_patients
from mesotrace.patients import services
from mesotrace.patients.models import Patient
from mesotrace.patients.queries import patient_query
from tests.conftest import World, make_patient


def found(clinic: Clinic, text: str) -> set[str]:
    patients = Patient.objects.for_clinic(clinic).filter(patient_query(text, clinic))
    return {p.full_name for p in patients}


@pytest.fixture
def register(world: World) -> World:
    make_patient(world.clinic, given_name="María", family_name="Alonso Domínguez")
    make_patient(world.clinic, given_name="Yann", family_name="Le Gall", phone="+33 6 12 34 56 78")
    make_patient(world.clinic, given_name="Jean-Pierre", family_name="Martin")
    make_patient(
        world.clinic,
        given_name="Hélène",
        family_name="Dupont",
        date_of_birth=datetime.date(1990, 3, 9),
        phone="+1 (415) 555-0199",
    )
    make_patient(world.other_clinic, given_name="Hélène", family_name="Dupont")
    return world


def test_a_second_family_name_finds_the_patient(register: World) -> None:
    assert found(register.clinic, "Dominguez") == {"María Alonso Domínguez"}
    assert found(register.clinic, "alonso dom") == {"María Alonso Domínguez"}
    assert found(register.clinic, "maria alonso dominguez") == {"María Alonso Domínguez"}


def test_a_two_word_name_is_found_typed_with_or_without_its_space(register: World) -> None:
    assert found(register.clinic, "Le Gall") == {"Yann Le Gall"}
    assert found(register.clinic, "legall") == {"Yann Le Gall"}
    assert found(register.clinic, "gall yann") == {"Yann Le Gall"}


def test_hyphenated_given_names_are_found_by_either_part(register: World) -> None:
    assert found(register.clinic, "pierre") == {"Jean-Pierre Martin"}
    assert found(register.clinic, "jean-pierre mar") == {"Jean-Pierre Martin"}


def test_accents_and_case_do_not_matter(register: World) -> None:
    assert found(register.clinic, "HELENE dup") == {"Hélène Dupont"}


def test_every_typed_word_must_match(register: World) -> None:
    assert found(register.clinic, "Helene Martin") == set()


def test_date_of_birth_in_the_usual_formats(register: World) -> None:
    for text in ("1990-03-09", "09/03/1990", "09.03.1990"):
        assert found(register.clinic, text) == {"Hélène Dupont"}, text


def test_phone_by_its_start_or_its_last_digits(register: World) -> None:
    assert found(register.clinic, "+33 6 12") == {"Yann Le Gall"}
    assert found(register.clinic, "56 78") == {"Yann Le Gall"}
    assert found(register.clinic, "555-0199") == {"Hélène Dupont"}


def test_search_never_crosses_into_another_clinic(register: World) -> None:
    assert found(register.clinic, "dupont") == {"Hélène Dupont"}
    assert found(register.other_clinic, "alonso") == set()


def test_a_renamed_patient_is_found_by_the_new_name_only(register: World) -> None:
    patient = Patient.objects.for_clinic(register.clinic).get(family_name="Martin")
    actor = Actor.system("test")
    services.update_patient(actor, patient, services.PatientInput(family_name="Berthelot-Roux"))
    assert found(register.clinic, "martin") == set()
    assert found(register.clinic, "roux") == {"Jean-Pierre Berthelot-Roux"}


def test_an_empty_search_lists_everyone_of_the_clinic(register: World) -> None:
    assert len(found(register.clinic, "   ")) == 4


@pytest.fixture
def crowded(register: World) -> World:
    """A clinic with a few thousand patients and fresh statistics, so the planner chooses."""
    bulk_patients(register.clinic, 3000, random.Random(7))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return register


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("dominguez", "patient_name_word"),
        ("1990-03-09", "patient_birth_date"),
        ("+33 6 12", "patient_phone_key"),
    ],
)
def test_searches_are_answered_from_an_index(crowded: World, text: str, index: str) -> None:
    clinic = crowded.clinic
    # Ordered as the list shows it: the sort must not push the planner into a scan.
    matches = Patient.objects.for_clinic(clinic).filter(patient_query(text, clinic))
    plan = matches.explain()
    assert index in plan, plan
