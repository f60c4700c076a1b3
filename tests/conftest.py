"""Personas and small builders shared by the tests.

Clinic A is the clinic under test, with one member per role; the outsider owns
clinic B and must never see anything of clinic A.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from mesotrace.accounts import services as accounts
from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic, Membership, User
from mesotrace.accounts.roles import Role
from mesotrace.patients import services as patients
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner, Qualification

pytest_plugins = ["tests.browser"]  # Playwright fixtures for the browser tests of every app

PASSWORD = "correct horse battery staple"
SYSTEM = Actor.system("test")


@dataclass
class World:
    clinic: Clinic
    other_clinic: Clinic
    members: dict[str, User]
    outsider: User

    def membership(self, role: str) -> Membership:
        return Membership.objects.get(user=self.members[role], clinic=self.clinic)


def pytest_configure(config: pytest.Config) -> None:
    """Compiles a message catalogue whose .po is newer than its .mo, as `make test` does, so a
    single test run straight from pytest reads the same French as the served app."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in Path(__file__).resolve().parent.parent.glob("mesotrace/locale/*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parent.parent.name)
            with mo.open("wb") as target:
                write_mo(target, catalogue)


def speaks(user: User, language: str) -> None:
    """The staff user's own language, which their pages follow whatever the browser asks."""
    User.objects.filter(pk=user.pk).update(language=language)


def make_clinic(slug: str, jurisdiction: str = "FR", currency: str = "EUR") -> Clinic:
    return accounts.create_clinic(
        SYSTEM,
        name=f"Clinic {slug}",
        slug=slug,
        jurisdiction=jurisdiction,
        timezone_name="Europe/Paris",
        currency=currency,
    )


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a page a test client opened leaves its own
    language (a French user's, a French patient's) active in the thread, as a server's next
    request would simply replace."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def world(db: Any) -> World:
    clinic = make_clinic("alpha")
    other = make_clinic("beta", "US", "USD")
    members = {
        role.value: accounts.add_member(
            SYSTEM, clinic, email=f"{role.value}@alpha.test", role=role.value, password=PASSWORD
        ).user
        for role in Role
    }
    outsider = accounts.add_member(
        SYSTEM, other, email="owner@beta.test", role=Role.OWNER, password=PASSWORD
    ).user
    return World(clinic, other, members, outsider)


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    def sign_in(user: User) -> Client:
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def bearer() -> Callable[[User, Clinic], dict[str, Any]]:
    """Authorization headers for a user's token in a clinic."""

    def headers(user: User, clinic: Clinic) -> dict[str, Any]:
        membership = Membership.objects.get(user=user, clinic=clinic)
        _token, raw = accounts.issue_token(SYSTEM, membership, "test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return headers


def make_patient(clinic: Clinic, **overrides: Any) -> Patient:
    allergies = overrides.pop("allergies", [])
    medications = overrides.pop("medications", [])
    data = patients.PatientInput(
        given_name="Camille",
        family_name="Durand",
        date_of_birth=datetime.date(1984, 5, 17),
        sex="female",
        phone="+33 6 00 11 22 33",
        email="camille.durand@example.org",
        medical_history="Synthetic test patient.",
        pregnancy_status="not_pregnant",
        allergies=[patients.AllergyInput(**row) for row in allergies],
        medications=[patients.MedicationInput(**row) for row in medications],
    )
    return patients.create_patient(SYSTEM, clinic, replace(data, **overrides))


def make_practitioner(clinic: Clinic, **overrides: Any) -> Practitioner:
    fields: dict[str, Any] = {
        "full_name": "Dr Jeanne Martin",
        "qualification": Qualification.PHYSICIAN,
        "licence_number": "RPPS-10000000001",
        "licence_jurisdiction": clinic.jurisdiction,
        "licence_expiry": datetime.date(2099, 1, 1),
        "training_certificate": "DIU de mésothérapie",
        "training_date": datetime.date(2015, 6, 30),
    }
    fields.update(overrides)
    person = Practitioner(clinic=clinic, **fields)
    person.full_clean()
    person.save()
    return person
