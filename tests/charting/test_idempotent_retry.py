"""Submitting the same session twice charts it once; a reused key with other points is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from mesotrace.inventory.models import MovementKind, StockMovement
from mesotrace.treatments.models import TreatmentSession
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.conftest import World


def test_a_retry_with_the_same_key_returns_the_first_session(world: World) -> None:
    appointment = chartable(world)
    lot = minoxidil_lot(world.clinic)
    body = payload(point(lot), point(lot))

    first = record(appointment, body, key="retry-key-0001")
    again = record(appointment, body, key="retry-key-0001")

    assert again.pk == first.pk
    assert TreatmentSession.objects.count() == 1
    assert StockMovement.objects.filter(kind=MovementKind.USED).count() == 1


def test_the_same_key_with_different_points_is_refused(world: World) -> None:
    appointment = chartable(world)
    lot = minoxidil_lot(world.clinic)
    record(appointment, payload(point(lot)), key="retry-key-0002")

    with pytest.raises(ValidationError) as refused:
        record(appointment, payload(point(lot, "0.3")), key="retry-key-0002")

    assert "already used for a different session" in str(
        refused.value.message_dict["idempotency_key"]
    )


def test_a_double_submitted_api_request_charts_once(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    appointment = chartable(world)
    lot = minoxidil_lot(world.clinic)
    body: dict[str, Any] = payload(point(lot), appointment_id=appointment.pk).model_dump(
        mode="json"
    )
    headers = {**bearer(world.members["nurse"], world.clinic), "HTTP_IDEMPOTENCY_KEY": "api-0001"}

    first = client.post("/api/v1/sessions", body, content_type="application/json", **headers)
    second = client.post("/api/v1/sessions", body, content_type="application/json", **headers)

    assert first.status_code == 201, first.json()
    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert StockMovement.objects.filter(kind=MovementKind.USED).count() == 1


def test_an_api_request_without_a_key_is_refused(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    appointment = chartable(world)
    body = payload(point(minoxidil_lot(world.clinic)), appointment_id=appointment.pk)
    response = client.post(
        "/api/v1/sessions",
        body.model_dump(mode="json"),
        content_type="application/json",
        **bearer(world.members["nurse"], world.clinic),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "idempotency_key"
    assert TreatmentSession.objects.count() == 0
