"""Owners and practitioners see an open alert on every staff page, at one query a page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mesotrace.accounts.models import User
from mesotrace.inventory.models import Lot
from mesotrace.safety.models import SafetyAlert, SafetySettings
from tests.charting.builders import minoxidil_lot
from tests.conftest import World
from tests.safety.builders import charted_on, infection

PAGES = ["/", "/patients/", "/charting/", "/inventory/lots/", "/safety/"]


def _outbreak(world: World, number: str = "MX-OUTBREAK") -> Lot:
    lot = minoxidil_lot(world.clinic, number)
    infection(world, charted_on(world, lot), organism="Mycobacterium chelonae")
    infection(world, charted_on(world, lot), organism="Mycobacterium chelonae")
    return lot


def _alert_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return sum('"safety_safetyalert"' in q["sql"] for q in captured.captured_queries)


@pytest.mark.parametrize("role", ["owner", "practitioner"])
def test_owners_and_practitioners_see_the_banner_on_every_staff_page(
    world: World, login: Callable[[User], Client], role: str
) -> None:
    lot = _outbreak(world)
    client = login(world.members[role])

    for url in PAGES:
        page = client.get(url).content.decode()
        assert 'id="safety-banner"' in page, url
        assert "Lot MX-OUTBREAK of Minoxidil" in page, url
        assert "under investigation" in page
        assert "2 infection events in 90 days" in page
        assert f'href="/charting/lots/{lot.pk}/trace/">open trace' in page
        assert f'href="/charting/lots/{lot.pk}/trace/#recall">open recall campaign' in page


@pytest.mark.parametrize("role", ["nurse", "front_desk", "researcher", "auditor"])
def test_other_roles_see_no_banner_and_cost_no_query(
    world: World, login: Callable[[User], Client], role: str
) -> None:
    _outbreak(world)
    client = login(world.members[role])

    assert _alert_queries(client, "/") == 0
    assert b"safety-banner" not in client.get("/").content


def test_the_banner_costs_one_query_however_many_alerts(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    assert _alert_queries(client, "/patients/") == 1  # no alert: still one look
    _outbreak(world, "MX-A")
    assert _alert_queries(client, "/patients/") == 1
    _outbreak(world, "MX-B")
    _outbreak(world, "MX-C")
    assert SafetyAlert.objects.filter(closed_at__isnull=True).count() == 3
    assert _alert_queries(client, "/patients/") == 1
    page = client.get("/patients/").content
    assert page.count(b"open trace") == 3


def test_the_banner_says_the_clinics_window(world: World, login: Callable[[User], Client]) -> None:
    SafetySettings.objects.create(clinic=world.clinic, threshold=2, window_days=30)
    _outbreak(world)

    page = login(world.members["owner"]).get("/patients/").content

    assert b"2 infection events in 30 days" in page


def test_a_closed_alert_leaves_the_banner(world: World, login: Callable[[User], Client]) -> None:
    _outbreak(world)
    alert = SafetyAlert.objects.get()
    owner = login(world.members["owner"])

    owner.post(f"/safety/alerts/{alert.pk}/release/", {"reason": "Community strain on typing"})

    assert b"safety-banner" not in owner.get("/patients/").content


def test_another_clinics_alert_is_not_shown(world: World, login: Callable[[User], Client]) -> None:
    _outbreak(world)
    assert b"safety-banner" not in login(world.outsider).get("/").content
