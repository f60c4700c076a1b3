"""A clinic's own entries stay in the clinic; shipped entries are seen by everyone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.catalogue.models import Compound, Protocol
from tests.catalogue.builders import own_entries, shipped_compound
from tests.conftest import World

SECRET = "Qwertzsecret"


def test_outsider_gets_404_for_another_clinics_own_entries(
    world: World, login: Callable[[User], Client]
) -> None:
    ids = own_entries(world.clinic, SECRET)
    client = login(world.outsider)
    for path in ("compounds", "products", "indications", "protocols"):
        entry_id = ids[f"{path[:-1]}_id"]
        assert client.get(f"/catalogue/{path}/{entry_id}/").status_code == 404
        assert client.get(f"/catalogue/{path}/{entry_id}/clone/").status_code == 404
    listing = client.get("/catalogue/?q=lidocaine").content.decode()
    assert SECRET not in listing
    assert "Lidocaine" in listing


def test_outsider_api_gets_404_json_for_another_clinics_entries(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    ids = own_entries(world.clinic, SECRET)
    headers = bearer(world.outsider, world.other_clinic)
    response = client.get(f"/api/v1/protocols/{ids['protocol_id']}", **headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    listed = client.get("/api/v1/compounds?q=lidocaine", **headers).json()
    assert [c["name"] for c in listed["items"]] == ["Lidocaine"]


def test_everyone_sees_the_shipped_entries(world: World, login: Callable[[User], Client]) -> None:
    lidocaine = shipped_compound("lidocaine")
    for user in (world.outsider, world.members["front_desk"], world.members["researcher"]):
        assert login(user).get(f"/catalogue/compounds/{lidocaine.pk}/").status_code == 200


def test_a_clinic_sees_its_own_entries_beside_the_shipped_ones(
    world: World, login: Callable[[User], Client]
) -> None:
    ids = own_entries(world.clinic, SECRET)
    client = login(world.members["nurse"])
    listing = client.get("/catalogue/?q=lidocaine").content.decode()
    assert SECRET in listing
    assert "your clinic" in listing
    assert Compound.objects.visible_to(world.clinic).filter(pk=ids["compound_id"]).exists()
    assert (
        not Compound.objects.visible_to(world.other_clinic).filter(pk=ids["compound_id"]).exists()
    )
    assert Protocol.objects.for_clinic(world.clinic).count() == 1


def test_the_auditor_does_not_see_the_catalogue(
    world: World, login: Callable[[User], Client]
) -> None:
    assert login(world.members["auditor"]).get("/catalogue/").status_code == 403
