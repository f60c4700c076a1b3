"""`/api/v1/lots`: receive, list with filters, read, movements and status through the API."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mesotrace.accounts.models import Clinic, User
from mesotrace.inventory.models import Lot, LotStatus
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.inventory.services import stock
from tests.conftest import SYSTEM, World
from tests.inventory.builders import days_from_today, receive, shipped_product

Headers = Callable[[User, Clinic], dict[str, Any]]


@pytest.fixture
def api(world: World, client: Client, bearer: Headers) -> Callable[..., Any]:
    """Calls the API as a member of clinic A (the nurse unless told) and returns the response."""

    def call(method: str, path: str, body: Any = None, role: str = "nurse") -> Any:
        headers = bearer(world.members[role], world.clinic)
        send = getattr(client, method.lower())
        if body is None:
            return send("/api/v1" + path, **headers)
        return send(
            "/api/v1" + path, data=json.dumps(body), content_type="application/json", **headers
        )

    return call


def test_receiving_a_lot_returns_it_with_its_stock(api: Callable[..., Any]) -> None:
    body = {
        "product_id": shipped_product().pk,
        "lot_number": "API-1",
        "expiry_date": days_from_today(300).isoformat(),
        "quantity_ml": "12.5",
        "supplier": "Pharma Sud",
    }
    response = api("POST", "/lots", body, role="front_desk")

    assert response.status_code == 201, response.json()
    lot = response.json()
    assert (lot["lot_number"], lot["on_hand_ml"], lot["status"]) == ("API-1", "12.500", "available")
    assert (lot["usable_now"], lot["problem"], lot["multi_dose"]) == (True, None, False)
    assert lot["received_on"] == days_from_today(0).isoformat()
    assert api("GET", f"/lots/{lot['id']}").json()["on_hand_ml"] == "12.500"


def test_the_lot_list_filters_by_product_status_and_near_expiry(
    world: World, api: Callable[..., Any]
) -> None:
    soon = receive(world.clinic, "SOON", expiry=days_from_today(10))
    receive(world.clinic, "LATER", expiry=days_from_today(500))
    kybella = receive(world.clinic, "KYB", product="kybella", expiry=days_from_today(20))
    stock.set_lot_status(SYSTEM, kybella, "under_investigation", "Cluster")
    receive(world.other_clinic, "THEIRS")

    def numbers(query: str) -> list[str]:
        response = api("GET", "/lots" + query)
        assert response.status_code == 200, response.json()
        return [item["lot_number"] for item in response.json()["items"]]

    assert numbers("") == ["SOON", "KYB", "LATER"]
    assert numbers(f"?product_id={soon.product_id}") == ["SOON", "LATER"]
    assert numbers("?status=under_investigation") == ["KYB"]
    assert numbers("?near_expiry_days=30") == ["SOON", "KYB"]
    item = api("GET", "/lots?status=under_investigation").json()["items"][0]
    assert (item["usable_now"], item["problem"]) == (
        False,
        "Lot KYB is under investigation (Cluster).",
    )


def test_movements_add_up_to_the_stock_on_hand(world: World, api: Callable[..., Any]) -> None:
    lot = receive(world.clinic, quantity="10")
    stock.draw(SYSTEM, lot, "1", timezone.now(), "session 5")

    wasted = api(
        "POST",
        f"/lots/{lot.pk}/movements",
        {"kind": "wasted", "quantity_ml": "0.5", "reason": "Spilt"},
    )
    assert wasted.status_code == 201, wasted.json()
    assert (wasted.json()["quantity_ml"], wasted.json()["by"]) == ("-0.500", "nurse@alpha.test")
    adjusted = api(
        "POST",
        f"/lots/{lot.pk}/movements",
        {"kind": "adjusted", "quantity_ml": "-0.25", "reason": "Count"},
    )
    assert adjusted.status_code == 201
    returned = api(
        "POST",
        f"/lots/{lot.pk}/movements",
        {"kind": "returned", "quantity_ml": 2, "reason": "Short dated", "reference": "RMA-1"},
    )
    assert returned.status_code == 201
    more = api("POST", f"/lots/{lot.pk}/movements", {"kind": "received", "quantity_ml": "5"})
    assert more.status_code == 201

    listed = api("GET", f"/lots/{lot.pk}/movements").json()
    assert [m["kind"] for m in listed["items"]] == [
        "received",
        "used",
        "wasted",
        "adjusted",
        "returned",
        "received",
    ]
    total = sum(Decimal(m["quantity_ml"]) for m in listed["items"])
    assert total == Decimal(listed["on_hand_ml"]) == Decimal("11.25") == on_hand(lot)
    used = api("GET", f"/lots/{lot.pk}/movements?kind=used").json()
    assert [m["reference"] for m in used["items"]] == ["session 5"]


def test_a_practitioner_recalls_a_lot_through_the_api(
    world: World, api: Callable[..., Any]
) -> None:
    lot = receive(world.clinic, "RC-API")

    response = api(
        "POST",
        f"/lots/{lot.pk}/status",
        {"status": "recalled", "reason": "Supplier recall notice"},
        role="practitioner",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["on_hand_ml"], body["usable_now"]) == ("recalled", "0.000", False)
    assert body["problem"] == "Lot RC-API is recalled (Supplier recall notice)."
    assert Lot.objects.get(pk=lot.pk).status == LotStatus.RECALLED


def test_a_nurse_may_not_change_a_lots_status(world: World, api: Callable[..., Any]) -> None:
    lot = receive(world.clinic)
    response = api("POST", f"/lots/{lot.pk}/status", {"status": "recalled", "reason": "x"})
    assert response.status_code == 403
    assert Lot.objects.get(pk=lot.pk).status == LotStatus.AVAILABLE


def test_the_lot_list_costs_the_same_queries_for_three_lots_or_thirty(
    world: World, api: Callable[..., Any]
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api("GET", "/lots").status_code == 200
        return len(queries)

    for index in range(3):
        receive(world.clinic, f"Q-{index}")
    few = count()
    for index in range(3, 30):
        receive(world.clinic, f"Q-{index}")
    assert count() == few
