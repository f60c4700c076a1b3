"""Bad input to `/api/v1/lots` is a 422 naming the field, or a 404 for another clinic's lot,
and nothing is saved."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from mesotrace.accounts.models import Clinic, User
from mesotrace.inventory.models import Lot, StockMovement
from mesotrace.inventory.queries.stock import on_hand
from tests.catalogue.builders import own_entries
from tests.conftest import World
from tests.inventory.builders import days_from_today, receive, shipped_product

Headers = Callable[[User, Clinic], dict[str, Any]]


@pytest.fixture
def api(world: World, client: Client, bearer: Headers) -> Callable[..., Any]:
    def call(method: str, path: str, body: Any = None, role: str = "owner") -> Any:
        headers = bearer(world.members[role], world.clinic)
        send = getattr(client, method.lower())
        if body is None:
            return send("/api/v1" + path, **headers)
        return send(
            "/api/v1" + path, data=json.dumps(body), content_type="application/json", **headers
        )

    return call


def _fields(response: Any) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


def _lot_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "product_id": shipped_product().pk,
        "lot_number": "BAD-1",
        "expiry_date": days_from_today(200).isoformat(),
        "quantity_ml": "10",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity_ml": "0"}, "quantity_ml"),
        ({"quantity_ml": "-3"}, "quantity_ml"),
        ({"quantity_ml": "0.0001"}, "quantity_ml"),
        ({"quantity_ml": "1e9"}, "quantity_ml"),
        ({"quantity_ml": "lots"}, "quantity_ml"),
        (
            {
                "expiry_date": days_from_today(-5).isoformat(),
                "received_on": days_from_today(-1).isoformat(),
            },
            "expiry_date",
        ),
        ({"received_on": days_from_today(2).isoformat()}, "received_on"),
        ({"expiry_date": "2026-02-30"}, "expiry_date"),
        ({"product_id": 999999}, "product_id"),
        ({"lot_number": ""}, "lot_number"),
        ({"lot_number": "   "}, "lot_number"),
        ({"lot_number": "x" * 61}, "lot_number"),
        ({"discard_after_hours": 12}, "discard_after_hours"),
        ({"multi_dose": True}, "discard_after_hours"),
        ({"favourite_colour": "teal"}, "favourite_colour"),
    ],
)
def test_a_bad_lot_is_a_422_naming_the_field_and_saves_nothing(
    api: Callable[..., Any], overrides: dict[str, Any], field: str
) -> None:
    response = api("POST", "/lots", _lot_body(**overrides))
    assert response.status_code == 422, response.json()
    assert field in _fields(response), response.json()
    assert not Lot.objects.exists()
    assert not StockMovement.objects.exists()


def test_another_clinics_own_product_is_unknown_here(world: World, api: Callable[..., Any]) -> None:
    theirs = own_entries(world.other_clinic, "Beta")["product_id"]
    response = api("POST", "/lots", _lot_body(product_id=theirs))
    assert response.status_code == 422
    assert _fields(response) == {"product_id"}
    assert not Lot.objects.exists()


def test_a_lot_number_received_twice_is_refused(world: World, api: Callable[..., Any]) -> None:
    receive(world.clinic, "TWICE")
    response = api("POST", "/lots", _lot_body(lot_number=" TWICE "))
    assert response.status_code == 422
    assert "already" in response.json()["errors"][0]["message"]
    assert Lot.objects.count() == 1


def test_another_clinics_lot_is_not_found_for_every_operation(
    world: World, api: Callable[..., Any]
) -> None:
    theirs = receive(world.other_clinic)
    for method, path, body in [
        ("GET", f"/lots/{theirs.pk}", None),
        ("GET", f"/lots/{theirs.pk}/movements", None),
        ("POST", f"/lots/{theirs.pk}/movements", {"kind": "wasted", "quantity_ml": "10"}),
        ("POST", f"/lots/{theirs.pk}/status", {"status": "recalled", "reason": "x"}),
    ]:
        response = api(method, path, body)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"detail": "Not found."}
    assert on_hand(theirs) == Decimal("10")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "used", "quantity_ml": "1", "reason": "x"}, "kind"),
        ({"kind": "recalled", "quantity_ml": "1", "reason": "x"}, "kind"),
        ({"kind": "wasted", "quantity_ml": "1"}, "reason"),
        ({"kind": "wasted", "quantity_ml": "0", "reason": "x"}, "quantity_ml"),
        ({"kind": "wasted", "quantity_ml": "-1", "reason": "x"}, "quantity_ml"),
        ({"kind": "wasted", "quantity_ml": "11", "reason": "x"}, "quantity_ml"),
        ({"kind": "adjusted", "quantity_ml": "-10.001", "reason": "x"}, "quantity_ml"),
        ({"kind": "returned", "reason": "x"}, "quantity_ml"),
        ({"quantity_ml": "1", "reason": "x"}, "kind"),
        ({"kind": "stolen", "quantity_ml": "1", "reason": "x"}, "kind"),
        ({"kind": "wasted", "quantity_ml": "1", "reason": "x", "extra": 1}, "extra"),
    ],
)
def test_a_bad_movement_is_a_422_and_changes_nothing(
    world: World, api: Callable[..., Any], body: dict[str, Any], field: str
) -> None:
    lot = receive(world.clinic)
    response = api("POST", f"/lots/{lot.pk}/movements", body)
    assert response.status_code == 422, response.json()
    assert field in _fields(response), response.json()
    assert StockMovement.objects.filter(lot=lot).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "recalled"}, "reason"),
        ({"status": "recalled", "reason": "  "}, "reason"),
        ({"reason": "x"}, "status"),
        ({"status": "destroyed", "reason": "x"}, "status"),
        ({"status": "available", "reason": "x"}, "status"),
    ],
)
def test_a_bad_status_change_is_a_422_and_changes_nothing(
    world: World, api: Callable[..., Any], body: dict[str, Any], field: str
) -> None:
    lot = receive(world.clinic)
    response = api("POST", f"/lots/{lot.pk}/status", body)
    assert response.status_code == 422, response.json()
    assert field in _fields(response), response.json()
    assert Lot.objects.get(pk=lot.pk).status == "available"


@pytest.mark.parametrize(
    "query",
    ["?colour=red", "?status=lost", "?near_expiry_days=-1", "?page=0", "?page_size=1000"],
)
def test_a_bad_list_query_is_a_422(api: Callable[..., Any], query: str) -> None:
    assert api("GET", "/lots" + query).status_code == 422


def test_an_unknown_movement_query_is_a_422(world: World, api: Callable[..., Any]) -> None:
    lot = receive(world.clinic)
    assert api("GET", f"/lots/{lot.pk}/movements?sort=at").status_code == 422
