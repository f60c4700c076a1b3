"""Lists cost the same number of queries for 3 rows as for 30: no N+1 on busy screens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mesotrace.accounts.models import User
from tests.conftest import World, make_patient, make_practitioner


def _queries(client: Client, url: str, **headers: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(captured)


def _add_patients(world: World, count: int, start: int) -> None:
    for n in range(start, start + count):
        make_patient(world.clinic, family_name=f"Lemaire{n}", allergies=[{"substance": "latex"}])


def test_patient_list_page_does_not_grow_with_patients(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    _add_patients(world, 3, 0)
    few = _queries(client, "/patients/")
    _add_patients(world, 27, 3)
    assert _queries(client, "/patients/") == few


def test_patient_api_list_does_not_grow_with_patients(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    headers = bearer(world.members["front_desk"], world.clinic)
    _add_patients(world, 3, 0)
    client.get("/api/v1/patients", **headers)  # first use stamps the token's last_used_at
    few = _queries(client, "/api/v1/patients", **headers)
    _add_patients(world, 27, 3)
    assert _queries(client, "/api/v1/patients", **headers) == few


def test_practitioner_list_does_not_grow_with_practitioners(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["front_desk"])
    physician = make_practitioner(world.clinic)
    make_practitioner(
        world.clinic, full_name="Nurse A", qualification="nurse", supervising_physician=physician
    )
    few = _queries(client, "/practitioners/")
    for n in range(10):
        make_practitioner(
            world.clinic,
            full_name=f"Nurse {n}",
            qualification="nurse",
            supervising_physician=physician,
        )
    assert _queries(client, "/practitioners/") == few
