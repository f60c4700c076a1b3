"""Every response tells the browser to lock the page down; the session cookie cannot be stolen
by script or sent cross-site; forms refuse posts without a CSRF token."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.http.response import HttpResponseBase
from django.test import Client

from mesotrace.accounts.models import User
from tests.conftest import PASSWORD, World

if TYPE_CHECKING:  # what django.test.Client answers, a name known to the type stubs only
    from django.test.client import _MonkeyPatchedWSGIResponse as ClientResponse

LOGIN = "/accounts/login/"
PAGES = [LOGIN, "/healthz", "/api/v1/auth/me", "/no-such-page/", "/api/v1/no-such-endpoint"]


def directives(response: HttpResponseBase) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parsed}


def csrf_token(response: ClientResponse) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert found, "the page has no CSRF token"
    return found.group(1)


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_every_response_carries_the_browser_lockdown_headers(client: Client, url: str) -> None:
    response = client.get(url)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert response["X-Request-ID"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_scripts_only_load_from_our_own_origin(client: Client, url: str) -> None:
    policy = directives(client.get(url))
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]


@pytest.mark.django_db
def test_api_docs_relax_styles_but_not_scripts(client: Client) -> None:
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    policy = directives(docs)
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["script-src"] == ["'self'"]


def test_signed_in_pages_have_no_inline_script(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["owner"])
    for url in ["/", "/accounts/tokens/", "/accounts/clinic/", "/patients/", "/audit/"]:
        page = client.get(url)
        assert page.status_code == 200, url
        directives(page)  # present on signed-in pages too
        scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.content.decode())
        assert scripts == [], f"{url} has an inline script the CSP would block"


def test_session_cookie_is_http_only_and_same_site(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    form = {"username": "nurse@alpha.test", "password": PASSWORD}
    form["csrfmiddlewaretoken"] = csrf_token(browser.get(LOGIN))
    response = browser.post(LOGIN, form)
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


@pytest.mark.django_db
def test_csrf_cookie_is_same_site(client: Client) -> None:
    cookie = client.get(LOGIN).cookies["csrftoken"]
    assert cookie["samesite"] == "Lax"


def test_login_without_csrf_token_is_refused(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.get(LOGIN)
    response = browser.post(LOGIN, {"username": "nurse@alpha.test", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session


def test_signed_in_form_without_csrf_token_is_refused(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.members["nurse"])
    assert browser.post("/accounts/tokens/", {"name": "forged"}).status_code == 403
    assert browser.post("/accounts/logout/").status_code == 403
    assert browser.get("/").status_code == 200
