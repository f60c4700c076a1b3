"""The consent API says whether the patient drew their signature, and serves the drawn PNG."""

from __future__ import annotations

from typing import Any

from django.test import Client

from mesotrace.audit.models import AuditEvent
from mesotrace.consent import services
from mesotrace.consent.models import ConsentSignature
from tests.conftest import World
from tests.consent.builders import data_url, drawn_png
from tests.treatments.builders import HAIR, actor_for, make_plan


def _sign(client: Client, plan_id: int, headers: dict[str, Any], drawn: str = "") -> Any:
    body = {"full_name": "Camille Durand", "statement_accepted": True, "drawn_signature": drawn}
    return client.post(
        f"/api/v1/plans/{plan_id}/consent/sign", body, content_type="application/json", **headers
    )


def test_drawn_signature_is_flagged_and_its_png_downloads_audited(
    world: World, client: Client, bearer: Any
) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    headers = bearer(world.members["front_desk"], world.clinic)

    signed = _sign(client, plan.pk, headers, data_url(drawn_png()))
    read = client.get(f"/api/v1/plans/{plan.pk}/consent", **headers)
    consent_id = signed.json()["id"]
    png = client.get(f"/api/v1/consents/{consent_id}/signature.png", **headers)

    assert signed.status_code == 201
    assert signed.json()["signature"]["drawn"] is True
    assert read.json()["signature"]["drawn"] is True
    url = read.json()["signature"]["drawn_signature_url"]
    assert url == f"/api/v1/consents/{consent_id}/signature.png"
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    assert png.content == bytes(ConsentSignature.objects.get().drawn_signature)
    row = AuditEvent.objects.get(object_type="consent_signature", action="export")
    assert row.patient_id == plan.patient_id
    assert row.actor == world.members["front_desk"]
    assert row.details == {"as": "drawn_png", "document": consent_id}


def test_typed_signature_says_not_drawn_and_has_no_png(
    world: World, client: Client, bearer: Any
) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    headers = bearer(world.members["nurse"], world.clinic)

    signed = _sign(client, plan.pk, headers)
    png = client.get(f"/api/v1/consents/{signed.json()['id']}/signature.png", **headers)

    assert signed.json()["signature"]["drawn"] is False
    assert signed.json()["signature"]["drawn_signature_url"] is None
    assert png.status_code == 404
    assert png.json() == {"detail": "Not found."}
    assert not AuditEvent.objects.filter(object_type="consent_signature", action="export").exists()


def test_unsigned_document_has_no_png_and_other_clinic_gets_404(
    world: World, client: Client, bearer: Any
) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    headers = bearer(world.members["front_desk"], world.clinic)
    consent_id = client.post(f"/api/v1/plans/{plan.pk}/consent", **headers).json()["id"]
    assert client.get(f"/api/v1/consents/{consent_id}/signature.png", **headers).status_code == 404

    _sign(client, plan.pk, headers, data_url(drawn_png()))
    outsider = bearer(world.outsider, world.other_clinic)
    response = client.get(f"/api/v1/consents/{consent_id}/signature.png", **outsider)

    assert response.status_code == 404
    assert b"PNG" not in response.content


def test_api_lists_the_withdrawn_signature_beside_the_new_one(
    world: World, client: Client, bearer: Any
) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    headers = bearer(world.members["front_desk"], world.clinic)
    _sign(client, plan.pk, headers, data_url(drawn_png()))
    first = ConsentSignature.objects.get()
    services.withdraw_consent(
        actor_for(world.members["nurse"], world.clinic), first, "Changed mind"
    )

    again = _sign(client, plan.pk, headers)

    assert again.status_code == 201
    body = again.json()
    assert [s["id"] for s in body["signatures"]] == [body["signature"]["id"], first.pk]
    assert body["signature"]["withdrawn_at"] is None
    assert body["signatures"][1]["withdrawn_reason"] == "Changed mind"
    assert body["signatures"][1]["drawn"] is True
    png = client.get(f"/api/v1/consents/{body['id']}/signature.png", **headers)
    assert png.status_code == 404  # the standing signature was typed
