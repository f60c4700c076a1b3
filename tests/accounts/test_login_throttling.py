"""Repeated wrong passwords lock sign-in for that account from that address, and only that."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory

from tests.conftest import PASSWORD, World

if TYPE_CHECKING:  # what django.test.Client answers, a name known to the type stubs only
    from django.test.client import _MonkeyPatchedWSGIResponse as ClientResponse

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token"
NURSE = "nurse@alpha.test"
WRONG = "not the password at all"


def attempt(client: Client, email: str, password: str, **extra: Any) -> ClientResponse:
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def fail_until_locked(client: Client, email: str) -> list[int]:
    return [attempt(client, email, WRONG).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]


def signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def test_failures_below_the_limit_do_not_lock_the_account(world: World, client: Client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, NURSE, WRONG).status_code == 200
    assert attempt(client, NURSE, PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_last_allowed_failure_locks_the_account(world: World, client: Client) -> None:
    codes = fail_until_locked(client, NURSE)
    assert codes == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]


def test_locked_account_is_refused_even_with_the_right_password(
    world: World, client: Client
) -> None:
    fail_until_locked(client, NURSE)
    response = attempt(client, NURSE, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not signed_in(client)


def test_changing_the_case_of_the_email_does_not_escape_the_lock(
    world: World, client: Client
) -> None:
    fail_until_locked(client, NURSE)
    assert attempt(client, NURSE.upper(), PASSWORD).status_code == 429
    assert not signed_in(client)


def test_locked_account_cannot_get_an_api_token(world: World, client: Client) -> None:
    fail_until_locked(client, NURSE)
    body = {"username": NURSE, "password": PASSWORD}
    response = client.post(TOKEN, body, content_type="application/json")
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many failed sign-in attempts")
    assert "token" not in response.json()


def test_api_failures_count_towards_the_same_lock(world: World, client: Client) -> None:
    body = {"username": NURSE, "password": WRONG}
    answers = [
        client.post(TOKEN, body, content_type="application/json")
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    limit = settings.AXES_FAILURE_LIMIT
    assert [a.status_code for a in answers] == [401] * (limit - 1) + [429]
    assert "detail" in answers[-1].json()
    assert attempt(client, NURSE, PASSWORD).status_code == 429


def test_other_staff_can_still_sign_in(world: World, client: Client) -> None:
    fail_until_locked(client, NURSE)
    colleague = Client()
    assert attempt(colleague, "practitioner@alpha.test", PASSWORD).status_code == 302
    assert signed_in(colleague)


def test_the_same_account_from_another_address_is_not_locked(world: World, client: Client) -> None:
    fail_until_locked(client, NURSE)
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert attempt(elsewhere, NURSE, PASSWORD).status_code == 302
    assert signed_in(elsewhere)


def test_authenticate_refuses_a_locked_account(world: World, client: Client) -> None:
    fail_until_locked(client, NURSE)
    request = RequestFactory().post(LOGIN)
    assert authenticate(request, username=NURSE, password=PASSWORD) is None
