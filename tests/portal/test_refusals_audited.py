"""A link refused at the door is in the audit trail, and opens no session."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from mesotrace.audit.models import AuditAction, AuditEvent
from mesotrace.portal import services
from mesotrace.portal.models import PortalLink
from mesotrace.portal.queries import link_of
from mesotrace.portal.rules import LinkRefused, signer
from tests.conftest import World, make_patient
from tests.consent.builders import open_portal, portal_link
from tests.treatments.builders import actor_for


def _last_mark() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _refused_rows(mark: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=mark).order_by("pk"))


def _open_refused(client: Client, token: str, status: int) -> list[AuditEvent]:
    mark, sessions = _last_mark(), Session.objects.count()
    response = client.get(f"/portal/open/{token}/")
    assert response.status_code == status
    assert Session.objects.count() == sessions
    assert "sessionid" not in response.cookies
    return _refused_rows(mark)


def test_forged_token_is_audited_without_a_clinic_or_patient(world: World, client: Client) -> None:
    patient = make_patient(world.clinic)
    link, token = portal_link(patient, world.members["front_desk"])
    forged = signer().sign(f"{link.pk}.guessed-nonce")

    for bad in (f"{token}x", forged, "garbage"):
        [row] = _open_refused(client, bad, 403)
        assert row.action == AuditAction.LOGIN_FAILED
        assert row.object_type == "portal_link"
        assert row.details["reason"] == "invalid"
        assert row.patient_id is None
        assert row.clinic_id is None
        assert row.object_id == ""
        assert row.actor_label == "anonymous"
        assert row.via == "portal"


def test_expired_link_is_audited_with_its_patient_and_clinic(world: World, client: Client) -> None:
    patient = make_patient(world.clinic)
    link, token = portal_link(patient, world.members["front_desk"])
    PortalLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    [row] = _open_refused(client, token, 410)

    assert row.action == AuditAction.LOGIN_FAILED
    assert (row.clinic_id, row.patient_id, row.object_id) == (
        world.clinic.pk,
        patient.pk,
        str(link.pk),
    )
    assert row.details["reason"] == "expired"
    assert row.actor_label == f"holder of portal link {link.pk}"
    assert PortalLink.objects.get(pk=link.pk).last_opened_at is None


def test_token_past_the_longest_lifetime_still_names_its_link(world: World) -> None:
    patient = make_patient(world.clinic)
    link, token = portal_link(patient, world.members["front_desk"])

    with pytest.raises(LinkRefused) as refused:
        link_of(token, max_age=datetime.timedelta(microseconds=1))

    assert refused.value.reason == "expired"
    assert refused.value.link == link  # a genuine token: the audit row can name its patient


def test_revoked_link_is_audited_with_its_patient_and_clinic(world: World, client: Client) -> None:
    patient = make_patient(world.clinic)
    link, token = portal_link(patient, world.members["front_desk"])
    services.revoke_link(actor_for(world.members["front_desk"], world.clinic), link)

    [row] = _open_refused(client, token, 410)

    assert row.action == AuditAction.LOGIN_FAILED
    assert (row.clinic_id, row.patient_id) == (world.clinic.pk, patient.pk)
    assert row.details["reason"] == "revoked"


def test_session_whose_link_was_revoked_is_audited_at_the_next_page(
    world: World, client: Client
) -> None:
    patient = make_patient(world.clinic)
    link, token = portal_link(patient, world.members["front_desk"])
    open_portal(client, token)
    services.revoke_link(actor_for(world.members["front_desk"], world.clinic), link)
    mark = _last_mark()

    assert client.get("/portal/").status_code == 410

    [row] = _refused_rows(mark)
    assert (row.action, row.patient_id, row.details["reason"]) == (
        AuditAction.LOGIN_FAILED,
        patient.pk,
        "revoked",
    )
    assert row.details["at"] == "/portal/"


def test_portal_without_any_link_writes_nothing(world: World, client: Client) -> None:
    mark = _last_mark()

    assert client.get("/portal/").status_code == 403

    assert _refused_rows(mark) == []
