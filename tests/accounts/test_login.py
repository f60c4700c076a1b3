"""Signing in and out through the real form, with CSRF enforced, and the audit rows it leaves."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.test import Client, override_settings

from mesotrace.accounts import services as accounts
from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditAction, AuditEvent
from tests.conftest import PASSWORD, SYSTEM, World

if TYPE_CHECKING:  # what django.test.Client answers, a name known to the type stubs only
    from django.test.client import _MonkeyPatchedWSGIResponse as ClientResponse

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
WRONG = "not the password at all"


def csrf_token(response: ClientResponse) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: Client, email: str, password: str, **extra: str) -> ClientResponse:
    token = csrf_token(client.get(LOGIN))
    form = {"username": email, "password": password, "csrfmiddlewaretoken": token, **extra}
    return client.post(LOGIN, form)


def signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.mark.django_db
def test_login_page_shows_the_sign_in_form(browser: Client) -> None:
    response = browser.get(LOGIN)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="username"' in page
    assert 'name="password"' in page
    assert "csrfmiddlewaretoken" in page


def test_good_credentials_land_the_nurse_on_her_clinic_home(world: World, browser: Client) -> None:
    response = sign_in(browser, "nurse@alpha.test", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = browser.get("/")
    assert home.status_code == 200
    assert "Clinic alpha" in home.content.decode()
    assert "nurse@alpha.test" in home.content.decode()


def test_email_is_matched_whatever_its_case(world: World, browser: Client) -> None:
    sign_in(browser, "Nurse@Alpha.TEST", PASSWORD)
    assert signed_in(browser)


def test_wrong_password_keeps_the_user_out(world: World, browser: Client) -> None:
    response = sign_in(browser, "nurse@alpha.test", WRONG)
    assert response.status_code == 200
    assert "enter a correct" in response.content.decode().lower()
    assert "_auth_user_id" not in browser.session
    assert browser.get("/")["Location"].startswith(LOGIN)


def test_sign_in_never_redirects_to_another_site(world: World, browser: Client) -> None:
    response = sign_in(browser, "nurse@alpha.test", PASSWORD, next="https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logout_by_post_ends_the_session(world: World, browser: Client) -> None:
    sign_in(browser, "nurse@alpha.test", PASSWORD)
    token = csrf_token(browser.get("/"))
    response = browser.post(LOGOUT, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not signed_in(browser)


def test_a_link_cannot_sign_the_user_out(world: World, browser: Client) -> None:
    sign_in(browser, "nurse@alpha.test", PASSWORD)
    assert browser.get(LOGOUT).status_code == 405
    assert signed_in(browser)


def test_login_and_logout_are_audited(world: World, browser: Client) -> None:
    nurse = world.members["nurse"]
    sign_in(browser, "nurse@alpha.test", PASSWORD)
    browser.post(LOGOUT, {"csrfmiddlewaretoken": csrf_token(browser.get("/"))})
    events = AuditEvent.objects.filter(
        actor=nurse, action__in=[AuditAction.LOGIN, AuditAction.LOGOUT]
    ).order_by("at", "id")
    assert [e.action for e in events] == [AuditAction.LOGIN, AuditAction.LOGOUT]
    assert all(e.object_id == str(nurse.pk) for e in events)
    assert all(e.ip == "127.0.0.1" and e.via == "web" and e.request_id for e in events)


def test_failed_login_is_audited_without_the_password(world: World, browser: Client) -> None:
    sign_in(browser, "nurse@alpha.test", WRONG)
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.actor is None
    assert failed.details["username"] == "nurse@alpha.test"
    assert failed.ip == "127.0.0.1"
    assert WRONG not in str(failed.details)
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_passwords_are_stored_with_argon2(world: World) -> None:
    # Tests put a fast MD5 hasher first; the rest of the list is what production uses.
    production = [h for h in settings.PASSWORD_HASHERS if "MD5" not in h]
    with override_settings(PASSWORD_HASHERS=production):
        member = accounts.add_member(
            SYSTEM, world.clinic, email="new.nurse@alpha.test", role="nurse", password=PASSWORD
        )
        stored = User.objects.get(pk=member.user.pk).password
        assert stored.startswith("argon2")
        assert PASSWORD not in stored
        assert check_password(PASSWORD, stored)
