"""Every page and every API operation, as an outsider and as each role of the clinic.

The routes are discovered, not listed: a new view or endpoint is swept automatically,
and one whose access is undeclared, or whose URL takes an id this sweep cannot fill,
fails here until it is covered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from mesotrace.accounts import services as accounts
from mesotrace.accounts.models import ApiToken, Membership, User
from mesotrace.accounts.roles import PERMISSIONS, Role
from mesotrace.api import api
from tests.catalogue.builders import own_entries
from tests.charting.builders import sweep_entries as charting_entries
from tests.conftest import SYSTEM, World, make_patient, make_practitioner
from tests.consent.builders import portal_sweep_entries
from tests.fhir.export_builders import sweep_entries as export_entries
from tests.inventory.builders import sweep_entries as inventory_entries
from tests.safety.builders import sweep_entries as safety_entries
from tests.switching.builders import sweep_entries as switching_entries
from tests.treatments.builders import sweep_entries

MARKER = "Zyxquarantine"  # appears only in clinic A's data; must never reach an outsider
API_PREFIX = "api/v1/"
FHIR_PREFIX = "fhir/r4/"


@dataclass(frozen=True)
class Page:
    route: str
    view: Any
    params: tuple[str, ...]


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    permission: str | None
    params: tuple[str, ...]


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[Page]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(API_PREFIX):
                continue  # swept operation by operation below
            if route.startswith(FHIR_PREFIX):
                continue  # bearer-token only: swept by tests/fhir/test_access.py
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield Page(route, entry.callback, tuple(entry.pattern.converters))


def all_pages() -> list[Page]:
    return list(_walk(get_resolver().url_patterns))


def all_operations() -> list[Operation]:
    found = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                auth = [getattr(cb, "permission", None) for cb in operation.auth_callbacks]
                for method in operation.methods:
                    params = tuple(re.findall(r"{(\w+)}", path))
                    found.append(Operation(path, method, auth[0] if auth else None, params))
    return found


def access_of(view: Any) -> str:
    if getattr(view, "public", False):
        return "public"
    if getattr(view, "login_only", False):
        return "login"
    permission = getattr(view, "required_permission", None)
    return permission or "undeclared"


@pytest.fixture
def clinic_data(world: World) -> dict[str, int]:
    """One object of clinic A per kind of id a URL can take."""
    patient = make_patient(
        world.clinic,
        family_name=MARKER,
        given_name="Hidden",
        phone="+33 6 99 88 77 66",
        allergies=[{"substance": "Zyxolan"}],
    )
    person = make_practitioner(world.clinic, full_name=f"Dr {MARKER}")
    owner_token, _raw = accounts.issue_token(SYSTEM, world.membership("owner"), MARKER)
    return {
        "patient_id": patient.pk,
        "allergy_id": patient.allergies.get().pk,
        "practitioner_id": person.pk,
        "token_id": owner_token.pk,
        **own_entries(world.clinic, MARKER),
        **sweep_entries(world, patient, person),
        **inventory_entries(world, patient, MARKER),
        **charting_entries(world, patient, MARKER),
        **safety_entries(world, patient, MARKER),
        **switching_entries(world),
        **export_entries(world),
        # Last: its consent_id names a document with a drawn signature, for signature.png.
        **portal_sweep_entries(world, patient),
    }


def _fill(route: str, params: tuple[str, ...], ids: dict[str, int], brace: bool = False) -> str:
    for name in params:
        assert name in ids, f"The sweep has no {name} to put in {route}: add one to clinic_data."
        pattern = "{" + name + "}" if brace else f"<int:{name}>"
        route = route.replace(pattern, str(ids[name]))
    return "/" + route.lstrip("/") if not brace else route


def _request(client: Client, url: str, **headers: Any) -> Any:
    response = client.get(url, **headers)
    if response.status_code == 405:
        response = client.post(url, {}, **headers)
    return response


def _body(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _own_ids(ids: dict[str, int], user: User, world: World) -> dict[str, int]:
    """A member's own token id for token routes; everything else as given."""
    mine = dict(ids)
    token, _raw = accounts.issue_token(
        SYSTEM, Membership.objects.get(user=user, clinic=world.clinic), "own"
    )
    mine["token_id"] = token.pk
    return mine


def test_every_page_declares_who_may_open_it() -> None:
    undeclared = [page.route for page in all_pages() if access_of(page.view) == "undeclared"]
    assert undeclared == [], f"Pages without a declared permission: {undeclared}"


def test_every_api_operation_declares_a_permission() -> None:
    public = {("/auth/token", "POST")}
    missing = [(op.path, op.method) for op in all_operations() if op.permission is None]
    assert set(missing) <= public, f"API operations without a permission: {missing}"
    assert all(op.permission in PERMISSIONS for op in all_operations() if op.permission)


def test_outsider_gets_404_for_every_page_of_another_clinic(
    world: World, clinic_data: dict[str, int], client: Client
) -> None:
    client.force_login(world.outsider)
    swept = 0
    for page in all_pages():
        if access_of(page.view) == "public":
            continue
        response = _request(client, _fill(page.route, page.params, clinic_data))
        if page.params:
            assert response.status_code == 404, (page.route, response.status_code)
        else:
            assert response.status_code in {200, 302}, (page.route, response.status_code)
        assert MARKER.encode() not in _body(response), page.route
        swept += 1
    assert swept >= 15


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_gets_exactly_the_pages_its_permissions_allow(
    world: World, clinic_data: dict[str, int], client: Client, role: str
) -> None:
    user = world.members[role]
    client.force_login(user)
    ids = _own_ids(clinic_data, user, world)
    for page in all_pages():
        access = access_of(page.view)
        if access == "public":
            continue
        response = _request(client, _fill(page.route, page.params, ids))
        if access != "login" and Role(role) not in PERMISSIONS[access]:
            assert response.status_code == 403, (role, page.route, response.status_code)
        else:
            assert response.status_code in {200, 302}, (role, page.route, response.status_code)


def _call(client: Client, op: Operation, url: str, headers: dict[str, Any]) -> Any:
    if op.method == "GET":
        return client.get(url, **headers)
    if op.method == "DELETE":
        return client.delete(url, **headers)
    method = {"POST": client.post, "PATCH": client.patch, "PUT": client.put}[op.method]
    return method(url, data="{}", content_type="application/json", **headers)


def _bearer(user: User, world: World, clinic: Any) -> dict[str, Any]:
    membership = Membership.objects.get(user=user, clinic=clinic)
    _token, raw = accounts.issue_token(SYSTEM, membership, "sweep")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_outsider_gets_404_for_every_api_operation_on_another_clinic(
    world: World, clinic_data: dict[str, int], client: Client
) -> None:
    for op in all_operations():
        if op.permission is None:
            continue
        url = "/api/v1" + _fill(op.path, op.params, clinic_data, brace=True)
        response = _call(client, op, url, _bearer(world.outsider, world, world.other_clinic))
        if op.params:
            assert response.status_code == 404, (op.method, op.path, response.status_code)
            assert response.json() == {"detail": "Not found."}
        else:
            assert response.status_code < 500, (op.method, op.path, response.status_code)
        assert MARKER.encode() not in _body(response), (op.method, op.path)


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_gets_exactly_the_api_operations_its_permissions_allow(
    world: World, clinic_data: dict[str, int], client: Client, role: str
) -> None:
    user = world.members[role]
    for op in all_operations():
        if op.permission is None:
            continue
        url = "/api/v1" + _fill(op.path, op.params, clinic_data, brace=True)
        response = _call(client, op, url, _bearer(user, world, world.clinic))
        if Role(role) not in PERMISSIONS[op.permission]:
            assert response.status_code == 403, (role, op.method, op.path, response.status_code)
            assert "does not allow" in response.json()["detail"]
        else:
            assert response.status_code in {200, 201, 204, 422}, (
                role,
                op.method,
                op.path,
                response.status_code,
            )


def test_api_without_a_token_is_refused_everywhere(
    clinic_data: dict[str, int], client: Client
) -> None:
    for op in all_operations():
        if op.permission is None:
            continue
        response = _call(
            client, op, "/api/v1" + _fill(op.path, op.params, clinic_data, brace=True), {}
        )
        assert response.status_code == 401, (op.method, op.path)
        assert ApiToken.objects.count() == 1  # the sweep made no tokens on the way


def test_sweep_covers_the_routes_it_should(clinic_data: dict[str, int]) -> None:
    """Guards against a sweep that silently finds nothing."""
    routes = {page.route for page in all_pages()}
    assert {"patients/<int:patient_id>/", "patients/<int:patient_id>/clinical/", "audit/"} <= routes
    paths = {(op.method, op.path) for op in all_operations()}
    assert {("GET", "/patients/{patient_id}"), ("PATCH", "/patients/{patient_id}")} <= paths
