"""The catalogue API: lists, filters, details and errors for compounds, products, and so on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesotrace.catalogue.models import Compound, Indication, Protocol
from tests.catalogue.builders import shipped_compound, shipped_protocol
from tests.conftest import World


@pytest.fixture
def headers(world: World, bearer: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return bearer(world.members["front_desk"], world.clinic)


def test_compound_list_is_paginated(client: Client, headers: dict[str, Any]) -> None:
    body = client.get("/api/v1/compounds?page_size=10&page=2", **headers).json()
    assert body["count"] == Compound.objects.shipped().count()
    assert (body["page"], body["page_size"], len(body["items"])) == (2, 10, 10)


def test_compounds_filter_by_words_class_and_indication(
    client: Client, headers: dict[str, Any]
) -> None:
    found = client.get("/api/v1/compounds?q=xylocaine", **headers).json()["items"]
    assert [c["slug"] for c in found] == ["lidocaine"]
    vitamins = client.get("/api/v1/compounds?compound_class=vitamin", **headers).json()
    assert {c["slug"] for c in vitamins["items"]} == {"biotin", "dexpanthenol", "vitamin-c"}
    pain = Indication.objects.shipped().get(slug="sports-injuries-pain")
    used = client.get(f"/api/v1/compounds?indication={pain.pk}", **headers).json()
    assert {c["slug"] for c in used["items"]} == {"lidocaine", "ketoprofen", "methylprednisolone"}


def test_compound_detail_has_every_fact_with_mark_and_source(
    client: Client, headers: dict[str, Any]
) -> None:
    dc = shipped_compound("deoxycholic-acid")
    body = client.get(f"/api/v1/compounds/{dc.pk}", **headers).json()
    assert body["atc"]["codes"] == ["D11AX24"]
    assert body["atc"]["verification"] == "V2"
    assert body["max_dose_per_session"] is None  # the label's limits are in drug amount
    limits = {d["kind"]: d for d in body["dose_limits"]}
    assert limits["per_session"]["amount"] == "100.000"
    assert limits["injections"]["amount"] == "50.000"
    assert limits["per_session"]["source"]["url"].startswith("https://dailymed.nlm.nih.gov/")
    us = [s for s in body["regulatory_statuses"] if s["status"] == "approved"]
    assert us[0]["as_of"] == "2015-04-29"
    assert us[0]["regulator"] == "FDA"
    chin = next(u for u in body["uses"] if u["zones"] == ["submental"])
    assert us[0]["use_id"] == chin["id"]
    assert chin["evidence"]["level"] == "high"
    thighs = next(u for u in body["uses"] if "thigh" in u["zones"])
    assert thighs["evidence"]["level"] == "low"
    assert us[0]["source"]["url"].startswith("https://")
    assert {e["frequency_category"] for e in body["adverse_effects"]} >= {"very_common", "common"}
    assert body["evidence"]["level"] == "high"


def test_products_indications_and_protocols_list_and_detail(
    client: Client, headers: dict[str, Any]
) -> None:
    products = client.get("/api/v1/products?q=kybella", **headers).json()["items"]
    assert [p["presentation"] for p in products] == ["single_dose_vial"]
    product = client.get(f"/api/v1/products/{products[0]['id']}", **headers).json()
    assert product["components"][0]["concentration"] == "10.000"
    cellulite = client.get("/api/v1/indications?q=cellulite", **headers).json()["items"][0]
    assert (cellulite["icd10_code"], cellulite["verification"]) == ("", "U")
    indication = client.get(f"/api/v1/indications/{cellulite['id']}", **headers).json()
    assert indication["slug"] == "cellulite"
    hair = Indication.objects.shipped().get(slug="hair-loss")
    protocols = client.get(f"/api/v1/protocols?indication={hair.pk}", **headers).json()
    assert [p["slug"] for p in protocols["items"]] == ["hair-loss-minoxidil"]
    pain = shipped_protocol("low-back-pain-lidocaine-ketoprofen-methylprednisolone")
    detail = client.get(f"/api/v1/protocols/{pain.pk}", **headers).json()
    assert (detail["schedule"]["sessions"], detail["schedule"]["interval_days"]) == (5, 3)
    assert len(detail["mix"]["items"]) == 3
    assert any(c["compound_id"] is None for c in detail["contraindications"])


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/compounds?colour=red", "colour"),
        ("/api/v1/protocols?sort=name", "sort"),
        ("/api/v1/compounds?compound_class=potion", "compound_class"),
        ("/api/v1/compounds?indication=999999", "indication"),
        ("/api/v1/products?page_size=1000", "page_size"),
        ("/api/v1/indications?indication=1", "indication"),
    ],
)
def test_bad_filters_are_refused_with_422(
    client: Client, headers: dict[str, Any], url: str, field: str
) -> None:
    response = client.get(url, **headers)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("kind", ["compounds", "products", "indications", "protocols"])
def test_unknown_ids_are_404_json(client: Client, headers: dict[str, Any], kind: str) -> None:
    response = client.get(f"/api/v1/{kind}/987654321", **headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_the_auditor_token_is_refused(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    response = client.get("/api/v1/protocols", **bearer(world.members["auditor"], world.clinic))
    assert response.status_code == 403
    assert Protocol.objects.exists()
