"""The patient page lists the patient's portal links: who sent each, when, last opened, revoke."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client

from mesotrace.audit.models import AuditEvent
from mesotrace.portal import services
from mesotrace.portal.models import PortalLink
from tests.conftest import World, make_patient
from tests.consent.builders import open_portal, portal_link
from tests.treatments.builders import actor_for


def _row(page: str, link: PortalLink) -> str:
    found = re.search(rf'<tr id="link-{link.pk}">(.*?)</tr>', page, re.S)
    assert found is not None, f"link {link.pk} is not listed"
    return found.group(1)


def test_patient_page_lists_links_with_creator_expiry_last_opened_and_revoke(
    world: World, login: Any
) -> None:
    patient = make_patient(world.clinic)
    opened, token = portal_link(patient, world.members["front_desk"], days=7)
    unused, _token = portal_link(patient, world.members["owner"], days=30)
    revoked, _token = portal_link(patient, world.members["owner"])
    services.revoke_link(actor_for(world.members["nurse"], world.clinic), revoked)
    open_portal(Client(), token)
    opened.refresh_from_db()
    other_patient_link, _t = portal_link(make_patient(world.clinic), world.members["owner"])

    page = login(world.members["front_desk"]).get(f"/patients/{patient.pk}/").content.decode()

    first = _row(page, opened)
    assert "front_desk@alpha.test" in first
    local = ZoneInfo(world.clinic.timezone)
    assert opened.expires_at.astimezone(local).strftime("%Y-%m-%d %H:%M") in first
    assert opened.last_opened_at is not None
    assert "never" not in first
    assert f"/portal/staff/links/{opened.pk}/revoke/" in first
    assert "owner@alpha.test" in _row(page, unused)
    assert "never" in _row(page, unused)
    assert "Revoked" in _row(page, revoked)
    assert "nurse@alpha.test" in _row(page, revoked)
    assert "/revoke/" not in _row(page, revoked)
    assert f'id="link-{other_patient_link.pk}"' not in page
    listed = AuditEvent.objects.filter(object_type="portal_link", action="list").get()
    assert sorted(listed.details["shown"]) == sorted([opened.pk, unused.pk, revoked.pk])


def test_revoke_from_the_patient_page_returns_to_it_and_closes_the_link(
    world: World, login: Any
) -> None:
    patient = make_patient(world.clinic)
    link, token = portal_link(patient, world.members["front_desk"])
    staff = login(world.members["front_desk"])

    response = staff.post(f"/portal/staff/links/{link.pk}/revoke/", {"back": "patient"})

    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.pk}/"
    assert PortalLink.objects.get(pk=link.pk).revoked_at is not None
    assert Client().get(f"/portal/open/{token}/").status_code == 410


def test_opening_the_link_records_last_opened_once_per_session(world: World) -> None:
    patient = make_patient(world.clinic)
    link, token = portal_link(patient, world.members["front_desk"])
    assert link.last_opened_at is None
    browser = Client()

    open_portal(browser, token)
    first = PortalLink.objects.get(pk=link.pk).last_opened_at
    assert browser.get("/portal/").status_code == 200
    open_portal(browser, token)
    second = PortalLink.objects.get(pk=link.pk).last_opened_at

    assert first is not None
    assert second is not None
    assert second > first  # pages inside the session do not count; each opening does
    logins = AuditEvent.objects.filter(object_type="portal_link", action="login")
    assert logins.count() == 2
