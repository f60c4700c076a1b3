"""Exchanging a password for a bearer token, using it, and revoking it from the API or the page."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from mesotrace.accounts import services as accounts
from mesotrace.accounts.models import ApiToken, Membership, User
from mesotrace.audit.models import AuditAction, AuditEvent
from tests.conftest import PASSWORD, SYSTEM, World

if TYPE_CHECKING:  # what django.test.Client answers, a name known to the type stubs only
    from django.test.client import _MonkeyPatchedWSGIResponse as ClientResponse

TOKEN = "/api/v1/auth/token"
ME = "/api/v1/auth/me"
NURSE = "nurse@alpha.test"


def ask_for_token(client: Client, **body: Any) -> ClientResponse:
    return client.post(TOKEN, body, content_type="application/json")


def raw_token(client: Client, email: str = NURSE, **extra: Any) -> str:
    response = ask_for_token(client, username=email, password=PASSWORD, **extra)
    assert response.status_code == 201, response.content
    return str(response.json()["token"])


def as_bearer(raw: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def api_client() -> Client:
    # A script has no CSRF cookie; the token endpoint must not ask for one.
    return Client(enforce_csrf_checks=True)


def test_good_credentials_get_a_token_for_their_clinic(world: World, api_client: Client) -> None:
    response = ask_for_token(api_client, username=NURSE, password=PASSWORD, name="lab sync")
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("mt_")
    assert body["clinic"] == "alpha"
    assert body["role"] == "nurse"
    assert ApiToken.objects.get(membership=world.membership("nurse")).name == "lab sync"


def test_email_case_does_not_matter_for_a_token(world: World, api_client: Client) -> None:
    assert raw_token(api_client, NURSE.upper())


@pytest.mark.parametrize(
    ("username", "password"),
    [(NURSE, "not the password at all"), ("nobody@alpha.test", PASSWORD)],
)
def test_bad_credentials_get_401_and_no_token(
    world: World, api_client: Client, username: str, password: str
) -> None:
    response = ask_for_token(api_client, username=username, password=password)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] == "The email address or password is not correct."
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()


def test_failed_api_sign_in_is_audited(world: World, api_client: Client) -> None:
    ask_for_token(api_client, username=NURSE, password="not the password at all")
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.via == "api"
    assert failed.details["username"] == NURSE


def test_token_answers_who_am_i(world: World, api_client: Client) -> None:
    raw = raw_token(api_client)
    response = api_client.get(ME, **as_bearer(raw))
    assert response.status_code == 200
    assert response.json()["email"] == NURSE
    assert response.json()["clinic"] == "alpha"
    assert response.json()["role"] == "nurse"


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer mt_forged", "Token abc"])
def test_missing_or_forged_token_gets_401(world: World, client: Client, header: str) -> None:
    response = client.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"] == "A valid bearer token is required."


def test_member_of_two_clinics_must_name_one(world: World, api_client: Client) -> None:
    accounts.add_member(SYSTEM, world.other_clinic, email=NURSE, role="front_desk")
    refused = ask_for_token(api_client, username=NURSE, password=PASSWORD)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "clinic"
    raw = raw_token(api_client, clinic="beta")
    me = api_client.get(ME, **as_bearer(raw)).json()
    assert (me["clinic"], me["role"]) == ("beta", "front_desk")


def test_no_token_for_a_clinic_one_does_not_belong_to(world: World, api_client: Client) -> None:
    response = ask_for_token(api_client, username=NURSE, password=PASSWORD, clinic="beta")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "clinic", "message": "You are not a member of that clinic."}
    ]
    assert not ApiToken.objects.exists()


def test_revoking_through_the_api_stops_the_token(world: World, api_client: Client) -> None:
    raw = raw_token(api_client)
    response = api_client.delete(TOKEN, **as_bearer(raw))
    assert response.status_code == 204
    assert api_client.get(ME, **as_bearer(raw)).status_code == 401
    assert api_client.delete(TOKEN, **as_bearer(raw)).status_code == 401


def test_revoking_one_token_leaves_the_others_working(world: World, api_client: Client) -> None:
    kept, revoked = raw_token(api_client), raw_token(api_client)
    api_client.delete(TOKEN, **as_bearer(revoked))
    assert api_client.get(ME, **as_bearer(kept)).status_code == 200


def test_revoking_from_the_tokens_page_stops_the_token(
    world: World, login: Callable[[User], Client]
) -> None:
    raw = raw_token(Client())
    token = ApiToken.objects.get()
    page = login(world.members["nurse"])
    response = page.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert Client().get(ME, **as_bearer(raw)).status_code == 401
    assert "revoked" in page.get("/accounts/tokens/").content.decode()


def test_nobody_can_revoke_a_colleagues_token(
    world: World, login: Callable[[User], Client]
) -> None:
    raw = raw_token(Client())
    token = ApiToken.objects.get()
    owner = login(world.members["owner"])
    assert owner.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert Client().get(ME, **as_bearer(raw)).status_code == 200


def test_issuing_and_revoking_are_audited(world: World, api_client: Client) -> None:
    raw = raw_token(api_client)
    api_client.delete(TOKEN, **as_bearer(raw))
    token = ApiToken.objects.get()
    actions = AuditEvent.objects.filter(object_type="api_token", object_id=str(token.pk))
    assert sorted(actions.values_list("action", flat=True)) == [
        AuditAction.TOKEN_CREATED,
        AuditAction.TOKEN_REVOKED,
    ]
    assert {event.actor for event in actions} == {world.members["nurse"]}


def test_tokens_are_stored_only_as_a_hash(world: World, api_client: Client) -> None:
    raw = raw_token(api_client)
    stored = ApiToken.objects.values().get()
    assert stored["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert all(raw not in str(value) for value in stored.values())
    assert all(raw not in str(event.details) for event in AuditEvent.objects.all())


def test_expired_token_stops_working(world: World, api_client: Client) -> None:
    raw = raw_token(api_client)
    token = ApiToken.objects.get()
    ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at)
    assert api_client.get(ME, **as_bearer(raw)).status_code == 401


def test_token_of_a_removed_member_stops_working(world: World, api_client: Client) -> None:
    raw = raw_token(api_client)
    Membership.objects.filter(user__email=NURSE).update(is_active=False)
    assert api_client.get(ME, **as_bearer(raw)).status_code == 401


def test_unknown_fields_are_refused_by_name(world: World, api_client: Client) -> None:
    response = ask_for_token(api_client, username=NURSE, password=PASSWORD, admin=True)
    assert response.status_code == 422
    assert response.json()["detail"] == "The request is not valid."
    assert response.json()["errors"] == [{"field": "admin", "message": "Unknown field."}]
    assert not ApiToken.objects.exists()


def test_missing_fields_are_named(world: World, api_client: Client) -> None:
    response = ask_for_token(api_client, username=NURSE)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "password", "message": "This field is required."}
    ]
