"""Catalogue lists cost the same number of queries however many clinic entries there are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mesotrace.accounts.models import User
from mesotrace.catalogue import services
from mesotrace.catalogue.models import Compound, Protocol
from tests.conftest import SYSTEM, World


def _queries(client: Client, url: str, **headers: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(captured)


def _clone_some(world: World, count: int) -> None:
    protocols = list(Protocol.objects.shipped())
    compounds = list(Compound.objects.shipped())
    for n in range(count):
        services.clone_protocol(SYSTEM, world.clinic, protocols[n % len(protocols)])
        services.clone_compound(SYSTEM, world.clinic, compounds[n % len(compounds)])


def test_protocol_and_compound_pages_do_not_grow(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    _clone_some(world, 2)
    few = [_queries(client, "/catalogue/protocols/"), _queries(client, "/catalogue/")]
    _clone_some(world, 10)
    assert [_queries(client, "/catalogue/protocols/"), _queries(client, "/catalogue/")] == few


def test_protocol_and_compound_api_lists_do_not_grow(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    headers = bearer(world.members["owner"], world.clinic)
    client.get("/api/v1/protocols", **headers)
    _clone_some(world, 2)
    urls = [
        "/api/v1/protocols?page_size=100",
        "/api/v1/compounds?page_size=100",
        "/api/v1/products?page_size=100",
    ]
    few = [_queries(client, url, **headers) for url in urls]
    _clone_some(world, 10)
    assert [_queries(client, url, **headers) for url in urls] == few
