"""The sessions API: bad input gets a 4xx naming the field and the reason, and saves nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesotrace.inventory.models import MovementKind, StockMovement
from mesotrace.treatments.models import Appointment, TreatmentSession
from tests.charting.builders import CHEST, chartable, minoxidil_lot, payload, point
from tests.charting.photo_builders import jpeg_upload
from tests.conftest import World


def _body(world: World, appointment: Appointment, **change: Any) -> dict[str, Any]:
    lot = minoxidil_lot(world.clinic, f"MX-{appointment.pk}")
    body = payload(point(lot), appointment_id=appointment.pk).model_dump(mode="json")
    injection = body["injections"][0]
    for key, value in change.items():
        if key == "volume_ml":
            injection["components"][0]["volume_ml"] = value
        elif key == "lot_id":
            injection["components"][0]["lot_id"] = value
        else:
            injection[key] = value
    return body


CASES = {
    "zero volume": ({"volume_ml": "0"}, "injections.0.components.0.volume_ml", "greater than 0"),
    "negative volume": (
        {"volume_ml": "-0.2"},
        "injections.0.components.0.volume_ml",
        "greater than 0",
    ),
    "depth beyond the technique": ({"depth_mm": "14"}, "injections.0.depth_mm", "less than"),
    "point off the map": (
        {"view": "front", "x": str(CHEST[0]), "y": str(CHEST[1])},
        "injections.0.x",
        "outside the body zones",
    ),
    "point beyond the picture": ({"x": "1.2"}, "injections.0.x", "less than or equal to 1"),
    "unknown field": ({"colour": "red"}, "injections.0.colour", "Unknown field."),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_refused_with_field_and_reason(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]], name: str
) -> None:
    change, field, reason = CASES[name]
    appointment = chartable(world)
    response = client.post(
        "/api/v1/sessions",
        _body(world, appointment, **change),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"bad-input-{name}".replace(" ", "-"),
        **bearer(world.members["nurse"], world.clinic),
    )
    assert response.status_code == 422, response.json()
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert reason in errors.get(field, ""), errors
    assert TreatmentSession.objects.count() == 0
    assert not StockMovement.objects.filter(kind=MovementKind.USED).exists()


def test_another_clinics_lot_and_a_cancelled_appointment_are_refused(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    appointment = chartable(world)
    foreign = minoxidil_lot(world.other_clinic, "US-9")
    headers = bearer(world.members["nurse"], world.clinic)
    body = _body(world, appointment, lot_id=foreign.pk)
    response = client.post(
        "/api/v1/sessions", body, content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="foreign-lot-1", **headers,
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "injections.0.components.0.lot_id",
            "message": f"No lot with id {foreign.pk} in this clinic.",
        }
    ]
    Appointment.objects.filter(pk=appointment.pk).update(status="cancelled", cancel_reason="Ill")
    body["injections"][0]["components"][0]["lot_id"] = minoxidil_lot(world.clinic, "MX-C").pk
    response = client.post(
        "/api/v1/sessions", body, content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="cancelled-1", **headers,
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "appointment_id"
    assert "cancelled" in response.json()["errors"][0]["message"]


def test_the_api_charts_reads_signs_amends_and_stores_photos(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    from mesotrace.consent.services import grant_photo_consent
    from tests.conftest import SYSTEM

    appointment = chartable(world)
    mine = bearer(world.members["practitioner"], world.clinic)
    created = client.post(
        "/api/v1/sessions", _body(world, appointment), content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="full-run-1", **mine,
    )  # fmt: skip
    assert created.status_code == 201
    session_id = created.json()["id"]
    assert created.json()["injections"][0]["zone_snomed_code"] == "41695006"
    assert client.get(f"/api/v1/sessions/{session_id}", **mine).json()["status"] == "draft"
    signed = client.post(f"/api/v1/sessions/{session_id}/sign", **mine)
    assert signed.json()["status"] == "signed"
    amended = client.post(
        f"/api/v1/sessions/{session_id}/amendments",
        {"reason": "Typo", "changes": {"notes": "Tolerated well"}},
        content_type="application/json",
        **mine,
    )
    assert amended.status_code == 201
    assert amended.json()["changes"] == {"notes": {"before": "", "after": "Tolerated well"}}

    refused = client.post(
        f"/api/v1/sessions/{session_id}/photos", {"file": jpeg_upload(), "view": "front"}, **mine
    )
    assert refused.status_code == 422, refused.json()
    assert refused.json()["errors"][0]["field"] == "consent", refused.json()
    grant_photo_consent(SYSTEM, appointment.patient, "clinical_record")
    stored = client.post(
        f"/api/v1/sessions/{session_id}/photos", {"file": jpeg_upload(), "view": "front"}, **mine
    )
    assert stored.status_code == 201, stored.json()
    listed = client.get(f"/api/v1/sessions/{session_id}/photos", **mine).json()
    assert [p["sha256"] for p in listed] == [stored.json()["sha256"]]
