"""An unverified fact is shown labelled "unverified", never as plain fact."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.catalogue.shipped.data import NOT_FOUND
from tests.catalogue.builders import shipped_compound
from tests.conftest import World


def _row_with(html: str, text: str) -> str:
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if text in row]
    assert rows, text
    return rows[0]


def test_unverified_facts_are_labelled_on_the_compound_page(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["nurse"])
    compound = shipped_compound("dexpanthenol")
    html = client.get(f"/catalogue/compounds/{compound.pk}/").content.decode()
    assert "unverified" in _row_with(html, NOT_FOUND)


def test_a_verified_fact_is_not_labelled_unverified(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["nurse"])
    compound = shipped_compound("deoxycholic-acid")
    html = client.get(f"/catalogue/compounds/{compound.pk}/").content.decode()
    row = _row_with(html, "Marginal mandibular nerve injury")
    assert "verified" in row
    assert "unverified" not in row
    assert "https://www.refineaestheticsllc.com/injectables/kybella-safety-info/" in row


def test_a_missing_icd10_code_is_shown_unverified(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["front_desk"])
    html = client.get("/catalogue/indications/").content.decode()
    assert "unverified" in _row_with(html, "Cellulite")
    assert "unverified" not in _row_with(html, "Local fat")


def test_the_api_marks_unverified_facts(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    compound = shipped_compound("melilotus")
    body = client.get(
        f"/api/v1/compounds/{compound.pk}", **bearer(world.members["researcher"], world.clinic)
    ).json()
    assert body["atc"] == {
        "codes": [],
        "note": body["atc"]["note"],
        "verification": "U",
        "source": None,
    }
    assert [n["verification"] for n in body["notes"]] == ["U"]
