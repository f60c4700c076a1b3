"""Staff pages speak the user's own language, else the active clinic's; the sign-in page the
browser's. `<html lang>` and `Content-Language` always name the language the page is in."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesotrace.accounts import services as accounts
from mesotrace.accounts.models import Clinic, User
from mesotrace.audit.models import AuditAction, AuditEvent
from tests.conftest import SYSTEM, World

HOME = "/"
LANGUAGE = "/accounts/language/"
LOGIN = "/accounts/login/"


def page_language(response: Any) -> str:
    """The page's `<html lang>`, checked against its Content-Language header."""
    found = re.search(r'<html lang="([^"]*)"', response.content.decode())
    assert found is not None
    assert response["Content-Language"] == found.group(1)
    return found.group(1)


@pytest.fixture
def french_clinic(world: World) -> Clinic:
    return accounts.set_clinic_language(SYSTEM, world.clinic, "fr")


def test_a_user_without_a_language_of_their_own_reads_the_clinics(
    world: World, french_clinic: Clinic, login: Callable[[User], Client]
) -> None:
    response = login(world.members["practitioner"]).get(HOME, HTTP_ACCEPT_LANGUAGE="en")
    assert page_language(response) == "fr"
    assert "Se déconnecter" in response.content.decode()


def test_an_english_speaking_user_of_the_french_clinic_reads_english(
    world: World, french_clinic: Clinic, login: Callable[[User], Client]
) -> None:
    user = world.members["practitioner"]
    accounts.set_user_language(SYSTEM, user, "en")
    response = login(user).get(HOME, HTTP_ACCEPT_LANGUAGE="fr")
    assert page_language(response) == "en"
    assert "Sign out" in response.content.decode()


def test_a_french_speaking_user_of_an_english_clinic_reads_french(
    world: World, login: Callable[[User], Client]
) -> None:
    assert world.clinic.language == "en"
    user = world.members["nurse"]
    accounts.set_user_language(SYSTEM, user, "fr")
    response = login(user).get(HOME, HTTP_ACCEPT_LANGUAGE="en")
    assert page_language(response) == "fr"
    assert "Se déconnecter" in response.content.decode()


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("fr-FR,fr;q=0.9,en;q=0.5", "fr"), ("en-GB,en;q=0.8", "en"), ("de-DE,de;q=0.9", "en")],
)
def test_the_sign_in_page_speaks_the_browsers_language_among_those_offered(
    client: Client, accept: str, expected: str
) -> None:
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    assert page_language(response) == expected


def _csrf(response: Any) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert found is not None
    return found.group(1)


def test_a_user_chooses_their_language_in_the_header_and_it_is_audited(
    world: World, french_clinic: Clinic
) -> None:
    user = world.members["front_desk"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get("/patients/")
    assert 'action="/accounts/language/"' in page.content.decode()

    refused = client.post(LANGUAGE, {"language": "en", "next": "/patients/"})
    assert refused.status_code == 403  # no CSRF token
    user.refresh_from_db()
    assert user.language == ""

    token = _csrf(page)
    form = {"language": "en", "next": "/patients/", "csrfmiddlewaretoken": token}
    response = client.post(LANGUAGE, form)
    assert (response.status_code, response["Location"]) == (302, "/patients/")
    user.refresh_from_db()
    assert user.language == "en"
    assert page_language(client.get("/patients/")) == "en"
    event = AuditEvent.objects.get(actor=user, action=AuditAction.UPDATE, object_type="user")
    assert event.changes == {"language": {"before": "", "after": "en"}}

    back = {"language": "", "next": "https://elsewhere.example/", "csrfmiddlewaretoken": token}
    response = client.post(LANGUAGE, back)
    assert response["Location"] == "/"  # never sent to another site
    assert page_language(client.get("/patients/")) == "fr"  # the clinic's again


def test_a_language_not_offered_is_refused_and_changes_nothing(
    world: World, login: Callable[[User], Client]
) -> None:
    user = world.members["nurse"]
    client = login(user)
    response = client.post(LANGUAGE, {"language": "de", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert "Choose one of the languages offered." in response.content.decode()
    user.refresh_from_db()
    assert user.language == ""
    assert not AuditEvent.objects.filter(actor=user, action=AuditAction.UPDATE).exists()


def test_signed_out_visitors_cannot_change_a_language(client: Client) -> None:
    response = client.post(LANGUAGE, {"language": "fr"})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
