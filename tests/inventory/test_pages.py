"""Inventory pages: lots with their stock, the near-expiry and low-stock lists, receiving,
and a lot's actions; bad input shows the reason and saves nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mesotrace.accounts.models import User
from mesotrace.inventory.models import Lot, LotStatus, MovementKind, StockMovement
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.inventory.services import stock
from tests.conftest import SYSTEM, World
from tests.inventory.builders import days_from_today, receive, shipped_product

Login = Callable[[User], Client]


def _as(login: Login, world: World, role: str = "nurse") -> Client:
    return login(world.members[role])


def test_the_lot_list_shows_each_lot_with_its_stock_on_hand(world: World, login: Login) -> None:
    lot = receive(world.clinic, "LIST-1", quantity="10")
    stock.draw(SYSTEM, lot, "2.25", timezone.now())
    receive(world.clinic, "KYB-1", product="kybella")
    receive(world.other_clinic, "ELSEWHERE-1")

    page = _as(login, world).get("/inventory/").content.decode()
    assert "LIST-1" in page
    assert "7.75" in page
    assert "KYB-1" in page
    assert "ELSEWHERE-1" not in page

    kybella = shipped_product("kybella").pk
    filtered = _as(login, world).get(f"/inventory/?product={kybella}").content.decode()
    assert "KYB-1" in filtered
    assert "LIST-1" not in filtered


def test_the_lot_list_filters_by_status(world: World, login: Login) -> None:
    held = receive(world.clinic, "HELD-1")
    stock.set_lot_status(SYSTEM, held, "under_investigation", "Infections reported")
    receive(world.clinic, "FREE-1")

    page = _as(login, world).get("/inventory/?status=under_investigation").content.decode()
    assert "HELD-1" in page
    assert "FREE-1" not in page


def test_the_lot_list_costs_the_same_queries_for_three_lots_or_thirty(
    world: World, login: Login
) -> None:
    client = _as(login, world)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/inventory/").status_code == 200
        return len(queries)

    for index in range(3):
        receive(world.clinic, f"Q-{index}")
    few = count()
    for index in range(3, 30):
        receive(world.clinic, f"Q-{index}")
    assert count() == few


def test_near_expiry_and_low_stock_lists_show_the_right_lots(world: World, login: Login) -> None:
    receive(world.clinic, "SOON-1", expiry=days_from_today(20))
    receive(world.clinic, "LATER-1", expiry=days_from_today(200))
    receive(world.clinic, "LOW-1", quantity="2")

    near = _as(login, world).get("/inventory/near-expiry/").content.decode()
    assert "SOON-1" in near
    assert "LATER-1" not in near
    assert "in 20 days" in near
    wider = _as(login, world).get("/inventory/near-expiry/?days=365").content.decode()
    assert "LATER-1" in wider

    low = _as(login, world).get("/inventory/low-stock/").content.decode()
    assert "LOW-1" in low
    assert "SOON-1" not in low
    assert "SOON-1" in _as(login, world).get("/inventory/low-stock/?threshold=20").content.decode()
    assert _as(login, world).get("/inventory/low-stock/?threshold=abc").status_code == 200


def _receipt(**overrides: Any) -> dict[str, Any]:
    data = {
        "product": shipped_product().pk,
        "lot_number": "RCV-1",
        "expiry_date": days_from_today(365).isoformat(),
        "quantity_ml": "25",
        "received_on": days_from_today(0).isoformat(),
        "supplier": "Pharma Sud",
        "multi_dose": "",
        "discard_after_hours": "",
    }
    data.update(overrides)
    return data


def test_front_desk_receives_a_lot_from_the_form(world: World, login: Login) -> None:
    response = _as(login, world, "front_desk").post("/inventory/lots/new/", _receipt())

    lot = Lot.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/inventory/lots/{lot.pk}/"
    assert (lot.lot_number, lot.supplier, lot.received_by) == (
        "RCV-1",
        "Pharma Sud",
        world.members["front_desk"],
    )
    assert on_hand(lot) == Decimal("25")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"quantity_ml": "0"}, "The volume must be more than zero."),
        ({"quantity_ml": "-5"}, "greater than or equal to 0"),
        ({"lot_number": ""}, "This field is required."),
        (
            {"expiry_date": days_from_today(-10).isoformat(), "received_on": days_from_today(-1)},
            "is before the date received",
        ),
        ({"received_on": days_from_today(3).isoformat()}, "cannot be in the future"),
        ({"product": "999999"}, "Select a valid choice"),
        ({"multi_dose": "yes"}, "the product does not say"),
    ],
)
def test_a_bad_receipt_shows_the_reason_and_saves_nothing(
    world: World, login: Login, overrides: dict[str, Any], message: str
) -> None:
    response = _as(login, world).post("/inventory/lots/new/", _receipt(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Lot.objects.exists()
    assert not StockMovement.objects.exists()


def test_another_clinics_own_product_cannot_be_received(world: World, login: Login) -> None:
    from tests.catalogue.builders import own_entries

    theirs = own_entries(world.other_clinic, "Beta")["product_id"]
    response = _as(login, world).post("/inventory/lots/new/", _receipt(product=theirs))
    assert "Select a valid choice" in response.content.decode()
    assert not Lot.objects.exists()


def test_the_lot_page_shows_its_movements_and_why_it_cannot_be_charted(
    world: World, login: Login
) -> None:
    lot = receive(world.clinic, "DET-1")
    stock.draw(SYSTEM, lot, "1.5", timezone.now(), "session 42")
    stock.set_lot_status(SYSTEM, lot, "under_investigation", "Abscess cluster")

    page = _as(login, world).get(f"/inventory/lots/{lot.pk}/").content.decode()
    assert "session 42" in page
    assert "8.5 mL" in page
    assert "Cannot be charted now: Lot DET-1 is under investigation (Abscess cluster)." in page


def test_a_nurse_records_waste_from_the_lot_page(world: World, login: Login) -> None:
    lot = receive(world.clinic)
    body = {"kind": "wasted", "quantity_ml": "1.2", "reason": "Vial cracked", "reference": ""}
    response = _as(login, world).post(f"/inventory/lots/{lot.pk}/movements/", body)

    assert response.status_code == 302
    movement = StockMovement.objects.get(lot=lot, kind=MovementKind.WASTED)
    assert (movement.quantity_ml, movement.by) == (Decimal("-1.2"), world.members["nurse"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "wasted", "quantity_ml": "50", "reason": "Too much"}, "has only 10 mL left"),
        ({"kind": "wasted", "quantity_ml": "1", "reason": ""}, "Give the reason"),
        ({"kind": "returned", "quantity_ml": "-1", "reason": "x"}, "as a positive number"),
        ({"kind": "adjusted", "quantity_ml": "-11", "reason": "Count"}, "cannot go below zero"),
        ({"kind": "adjusted", "quantity_ml": "0", "reason": "Count"}, "more than zero"),
        ({"kind": "used", "quantity_ml": "1", "reason": "x"}, "Select a valid choice"),
    ],
)
def test_a_bad_movement_shows_the_reason_and_changes_nothing(
    world: World, login: Login, body: dict[str, str], message: str
) -> None:
    lot = receive(world.clinic)
    response = _as(login, world).post(f"/inventory/lots/{lot.pk}/movements/", body)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert StockMovement.objects.filter(lot=lot).count() == 1
    assert on_hand(lot) == Decimal("10")


def test_a_practitioner_recalls_a_lot_from_its_page(world: World, login: Login) -> None:
    lot = receive(world.clinic)
    response = _as(login, world, "practitioner").post(
        f"/inventory/lots/{lot.pk}/status/", {"status": "recalled", "reason": "Maker recall"}
    )
    assert response.status_code == 302
    assert Lot.objects.get(pk=lot.pk).status == LotStatus.RECALLED
    assert on_hand(lot) == 0


def test_a_nurse_may_not_recall_a_lot(world: World, login: Login) -> None:
    lot = receive(world.clinic)
    response = _as(login, world).post(
        f"/inventory/lots/{lot.pk}/status/", {"status": "recalled", "reason": "Maker recall"}
    )
    assert response.status_code == 403
    assert Lot.objects.get(pk=lot.pk).status == LotStatus.AVAILABLE
    assert (
        "Change status" not in _as(login, world).get(f"/inventory/lots/{lot.pk}/").content.decode()
    )


def test_a_status_change_without_a_reason_is_refused_on_the_page(
    world: World, login: Login
) -> None:
    lot = receive(world.clinic)
    response = _as(login, world, "owner").post(
        f"/inventory/lots/{lot.pk}/status/", {"status": "recalled", "reason": ""}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Lot.objects.get(pk=lot.pk).status == LotStatus.AVAILABLE


def test_another_clinics_lot_page_is_not_found(world: World, login: Login) -> None:
    theirs = receive(world.other_clinic)
    client = _as(login, world, "owner")
    assert client.get(f"/inventory/lots/{theirs.pk}/").status_code == 404
    body = {"kind": "wasted", "quantity_ml": "1", "reason": "x"}
    assert client.post(f"/inventory/lots/{theirs.pk}/movements/", body).status_code == 404
    assert on_hand(theirs) == Decimal("10")
