"""Every sign-in attempt counts towards the lock, whatever its body, and the lock keys on the
client's real address behind the trusted proxies."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from mesotrace.audit.models import AuditAction, AuditEvent
from tests.conftest import PASSWORD, World

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as ClientResponse

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token"
NURSE = "nurse@alpha.test"
WRONG = "not the password at all"
JSON_GUESS = json.dumps({"username": NURSE, "password": WRONG})
TOO_LARGE = json.dumps({"username": NURSE, "password": "x" * 3_000_000})


def failures(username: str | None = NURSE) -> int:
    return sum(
        AccessAttempt.objects.filter(username=username).values_list(
            "failures_since_start", flat=True
        )
    )


def audited_failures() -> int:
    return AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count()


def token_for(client: Client, password: str = PASSWORD, **extra: Any) -> ClientResponse:
    body = json.dumps({"username": NURSE, "password": password})
    return client.post(TOKEN, body, content_type="application/json", **extra)


# (content type, body, expected status, expected field) of API attempts refused unread.
REFUSED_API_ATTEMPTS = [
    pytest.param(
        "multipart/form-data", JSON_GUESS, 400, "Content-Type", id="multipart-no-boundary"
    ),
    pytest.param(
        "application/x-www-form-urlencoded",
        f"username={NURSE}&password=guess",
        415,
        "Content-Type",
        id="form-encoded",
    ),
    pytest.param("", JSON_GUESS, 415, "Content-Type", id="no-content-type"),
    pytest.param("text/plain", JSON_GUESS, 415, "Content-Type", id="wrong-content-type"),
    pytest.param("application/json", TOO_LARGE, 413, "body", id="oversized"),
    pytest.param("application/json", '{"username": "nurse@alpha.test"', 400, "body", id="bad-json"),
    pytest.param("application/json", json.dumps({"username": NURSE}), 422, "password", id="no-pw"),
]


@pytest.mark.parametrize(("content_type", "body", "status", "field"), REFUSED_API_ATTEMPTS)
def test_an_api_attempt_refused_for_its_body_is_counted_and_audited(
    world: World, content_type: str, body: str, status: int, field: str
) -> None:
    client = Client()
    response = client.post(TOKEN, body, content_type=content_type)
    assert response.status_code == status
    assert field in [error["field"] for error in response.json()["errors"]]
    assert failures() == 1
    assert audited_failures() == 1


@pytest.mark.parametrize(("content_type", "body", "status", "field"), REFUSED_API_ATTEMPTS[:4])
def test_malformed_guesses_lock_the_account_for_the_right_password_too(
    world: World, content_type: str, body: str, status: int, field: str
) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert client.post(TOKEN, body, content_type=content_type).status_code == status
    response = token_for(client)
    assert response.status_code == 429
    assert "token" not in response.json()


def test_a_page_attempt_without_a_multipart_boundary_is_counted(world: World) -> None:
    response = Client().post(
        LOGIN, f"username={NURSE}&password=x", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "boundary" in response.content.decode()
    assert failures() == 1
    assert audited_failures() == 1


def test_an_oversized_page_attempt_gets_413_and_is_counted(world: World) -> None:
    body = f"username={NURSE}&password={'x' * 3_000_000}"
    response = Client().post(LOGIN, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert failures() == 1


def test_a_page_attempt_the_form_refuses_is_counted(world: World) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(LOGIN, {"username": NURSE, "password": ""})
        assert response.status_code == 200
    assert failures() == settings.AXES_FAILURE_LIMIT
    assert client.post(LOGIN, {"username": NURSE, "password": PASSWORD}).status_code == 429


def test_a_page_attempt_without_csrf_token_is_counted(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(LOGIN, {"username": NURSE, "password": WRONG}).status_code == 403
    assert failures() == 1


def test_a_sign_in_that_works_is_not_counted_as_a_failure(world: World) -> None:
    assert token_for(Client()).status_code == 201
    assert audited_failures() == 0
    assert failures() == 0


# --- Behind trusted proxies ---------------------------------------------------------------

PROXY = "10.0.0.2"


def via_proxy(forwarded: str) -> Client:
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def lock_out(client: Client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        token_for(client, WRONG)


def test_behind_the_proxy_one_client_s_failures_lock_only_that_client(
    world: World, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = via_proxy("203.0.113.5")
    lock_out(attacker)
    assert token_for(attacker).status_code == 429
    assert token_for(via_proxy("198.51.100.9")).status_code == 201
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    assert set(
        AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).values_list("ip", flat=True)
    ) == {"203.0.113.5"}


def test_a_forged_forwarded_entry_does_not_escape_the_lock(world: World, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    lock_out(via_proxy("203.0.113.5"))
    forged = via_proxy("198.51.100.9, 203.0.113.5")
    assert token_for(forged).status_code == 429


def test_two_trusted_proxies_take_the_address_the_outer_one_saw(
    world: World, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 2
    lock_out(via_proxy("6.6.6.6, 203.0.113.5, 10.0.0.1"))
    assert token_for(via_proxy("7.7.7.7, 203.0.113.5, 10.0.0.1")).status_code == 429
    assert token_for(via_proxy("203.0.113.77, 10.0.0.1")).status_code == 201


def test_without_trusted_proxies_the_forwarded_header_is_ignored(world: World) -> None:
    lock_out(Client(HTTP_X_FORWARDED_FOR="203.0.113.5"))
    assert token_for(Client(HTTP_X_FORWARDED_FOR="198.51.100.9")).status_code == 429
    assert token_for(Client(REMOTE_ADDR="192.0.2.7")).status_code == 201


def test_a_forwarded_value_that_is_no_address_falls_back_to_the_peer(
    world: World, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    assert token_for(via_proxy("not-an-address"), WRONG).status_code == 401
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [PROXY]
