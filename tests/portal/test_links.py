"""Staff send a patient a portal link; an expired, revoked or tampered link opens nothing."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from mesotrace.accounts.access import Actor
from mesotrace.audit.models import AuditEvent
from mesotrace.portal import services
from mesotrace.portal.access import SESSION_KEY
from mesotrace.portal.models import PortalLink
from mesotrace.portal.queries import link_of
from mesotrace.portal.rules import LinkRefused, signer
from tests.conftest import World, make_patient
from tests.consent.builders import open_portal, portal_link


def _portal_home(client: Client) -> Any:
    return client.get("/portal/")


def test_front_desk_creates_a_link_from_the_patient_page_and_sees_it_once(
    world: World, login: Any
) -> None:
    patient = make_patient(world.clinic)
    client = login(world.members["front_desk"])
    detail = client.get(f"/patients/{patient.pk}/").content.decode()
    assert f"/portal/staff/patients/{patient.pk}/links/" in detail

    response = client.post(f"/portal/staff/patients/{patient.pk}/links/", {"days": "7"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()

    link = PortalLink.objects.get()
    assert link.patient == patient
    assert link.created_by == world.members["front_desk"]
    days = (link.expires_at - timezone.now()).total_seconds() / 86400
    assert 6.99 < days <= 7
    url = re.search(r'value="(http://testserver/portal/open/[^"]+/)"', page)
    assert url is not None
    assert "or e-mail it from the patient's page" in page
    assert link.nonce_sha256 not in page  # only the hash is stored, never shown
    again = client.get(f"/portal/staff/patients/{patient.pk}/links/").content.decode()
    assert url.group(1) not in again  # shown once
    assert AuditEvent.objects.filter(object_type="portal_link", action="create").count() == 1

    patient_browser = Client()
    opened = patient_browser.get(url.group(1).removeprefix("http://testserver"))
    assert opened.status_code == 302
    assert _portal_home(patient_browser).status_code == 200


@pytest.mark.parametrize("days", ["0", "61", "x"])
def test_link_lifetime_outside_one_to_sixty_days_is_refused(
    world: World, login: Any, days: str
) -> None:
    patient = make_patient(world.clinic)
    client = login(world.members["nurse"])

    response = client.post(f"/portal/staff/patients/{patient.pk}/links/", {"days": days})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not PortalLink.objects.exists()


def test_link_past_its_expiry_gives_410_and_opens_nothing(world: World, client: Client) -> None:
    patient = make_patient(world.clinic)
    link, token = portal_link(patient, world.members["front_desk"])
    PortalLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    response = client.get(f"/portal/open/{token}/")

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert patient.family_name not in response.content.decode()
    assert SESSION_KEY not in client.session
    assert _portal_home(client).status_code == 403


def test_token_older_than_max_age_is_expired(world: World) -> None:
    _link, token = portal_link(make_patient(world.clinic), world.members["front_desk"])

    with pytest.raises(LinkRefused) as refused:
        link_of(token, max_age=datetime.timedelta(microseconds=1))

    assert refused.value.status == 410
    assert refused.value.reason == "expired"


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature altered
        lambda t: t.replace(t.split(".")[0], str(int(t.split(".")[0]) + 1), 1),  # other id
        lambda t: "garbage",
    ],
)
def test_tampered_token_gives_403_and_opens_nothing(
    world: World, client: Client, change: Any
) -> None:
    patient = make_patient(world.clinic, family_name="Tamperfree")
    _link, token = portal_link(patient, world.members["front_desk"])
    make_patient(world.clinic)  # a next id exists, so "other id" names a real row

    response = client.get(f"/portal/open/{change(token)}/")

    assert response.status_code == 403
    assert "This link is not valid" in response.content.decode()
    assert "Tamperfree" not in response.content.decode()
    assert SESSION_KEY not in client.session


def test_nonce_must_match_even_with_a_valid_signature(world: World, client: Client) -> None:
    patient = make_patient(world.clinic)
    link, _token = portal_link(patient, world.members["front_desk"])
    forged = signer().sign(f"{link.pk}.guessed-nonce")

    response = client.get(f"/portal/open/{forged}/")

    assert response.status_code == 403


def test_revoked_link_closes_an_open_session_at_the_next_page(world: World, login: Any) -> None:
    patient = make_patient(world.clinic)
    link, token = portal_link(patient, world.members["front_desk"])
    patient_browser = Client()
    open_portal(patient_browser, token)
    assert _portal_home(patient_browser).status_code == 200

    staff = login(world.members["front_desk"])
    assert staff.post(f"/portal/staff/links/{link.pk}/revoke/").status_code == 302

    link.refresh_from_db()
    assert link.revoked_at is not None
    assert link.revoked_by == world.members["front_desk"]
    refused = _portal_home(patient_browser)
    assert refused.status_code == 410
    assert "closed this link" in refused.content.decode()
    assert Client().get(f"/portal/open/{token}/").status_code == 410
    assert staff.post(f"/portal/staff/links/{link.pk}/revoke/").status_code == 302
    assert PortalLink.objects.get(pk=link.pk).revoked_at == link.revoked_at


def test_portal_without_a_link_says_how_to_get_in(client: Client, world: World) -> None:
    response = _portal_home(client)
    assert response.status_code == 403
    assert "link the clinic sent you" in response.content.decode()


def test_a_link_needs_a_member_of_staff_behind_it(world: World) -> None:
    patient = make_patient(world.clinic)
    with pytest.raises(ValidationError, match="signed-in member"):
        services.create_link(Actor.system("job"), patient)
    assert not PortalLink.objects.exists()
