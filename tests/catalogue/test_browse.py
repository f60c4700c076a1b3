"""Browsing the catalogue: live search, filters by indication and class, every page renders."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.catalogue.models import Indication, Product, Protocol
from tests.catalogue.builders import shipped_compound
from tests.conftest import World


def test_live_search_returns_only_the_results_part(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["front_desk"])
    response = client.get("/catalogue/?q=procaine", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Procaine" in html
    assert "Lidocaine" not in html
    assert "<html" not in html


def test_filters_by_class_and_indication(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.members["nurse"])
    anaesthetics = client.get("/catalogue/?compound_class=anaesthetic").content.decode()
    assert "Procaine" in anaesthetics
    assert "Minoxidil" not in anaesthetics
    hair = Indication.objects.shipped().get(slug="hair-loss")
    html = client.get(f"/catalogue/?indication={hair.pk}").content.decode()
    assert "Minoxidil" in html
    assert "Procaine" not in html


def test_a_bad_filter_is_reported_not_crashed(
    world: World, login: Callable[[User], Client]
) -> None:
    response = login(world.members["nurse"]).get("/catalogue/?indication=abc")
    assert response.status_code == 200
    assert "was not understood" in response.content.decode()


def test_every_shipped_detail_page_renders(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.members["researcher"])
    for compound in shipped_compound("lidocaine").__class__.objects.shipped():
        assert client.get(f"/catalogue/compounds/{compound.pk}/").status_code == 200
    for product in Product.objects.shipped():
        assert client.get(f"/catalogue/products/{product.pk}/").status_code == 200
    for indication in Indication.objects.shipped():
        assert client.get(f"/catalogue/indications/{indication.pk}/").status_code == 200
    for protocol in Protocol.objects.shipped():
        assert client.get(f"/catalogue/protocols/{protocol.pk}/").status_code == 200
    for page in ("products/", "indications/", "protocols/", "rules/"):
        assert client.get(f"/catalogue/{page}").status_code == 200


def test_a_lipolytic_mix_with_a_local_anaesthetic_carries_a_caution(
    world: World, login: Callable[[User], Client]
) -> None:
    protocol = Protocol.objects.shipped().get(slug="thigh-aminophylline-buflomedil-lidocaine")
    html = login(world.members["nurse"]).get(f"/catalogue/protocols/{protocol.pk}/")
    assert "inhibits the intended lipolysis" in html.content.decode()
