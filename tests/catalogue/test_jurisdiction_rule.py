"""France's décret 2011-382 refuses aesthetic injection lipolysis; elsewhere it is allowed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.catalogue import queries, services
from tests.catalogue.builders import shipped_protocol
from tests.conftest import SYSTEM, World

LEGIFRANCE = "http://legifrance.gouv.fr/affichTexte.do?cidTexte=JORFTEXT000023845272"


def test_france_refuses_injection_lipolysis_naming_the_decree_and_its_source(
    world: World,
) -> None:
    assert world.clinic.jurisdiction == "FR"
    decision = queries.protocol_allowed(shipped_protocol("gynoid-fat-pc-dc"), world.clinic)
    assert not decision.allowed
    assert decision.rule is not None
    assert "Décret n° 2011-382 du 11 avril 2011" in decision.reason
    assert LEGIFRANCE in decision.reason


def test_a_us_clinic_may_choose_the_same_protocol(world: World) -> None:
    assert world.other_clinic.jurisdiction == "US"
    decision = queries.protocol_allowed(shipped_protocol("gynoid-fat-pc-dc"), world.other_clinic)
    assert decision.allowed
    assert decision.rule is None


def test_france_also_refuses_lipolytic_mesotherapy_and_approved_deoxycholic_acid(
    world: World,
) -> None:
    for slug in (
        "thigh-aminophylline-buflomedil-lidocaine",
        "cellulite-caffeine-artichoke-silicon",
        "submental-deoxycholic-acid",
    ):
        assert not queries.protocol_allowed(shipped_protocol(slug), world.clinic), slug


def test_france_allows_mesotherapy_that_does_not_dissolve_fat(world: World) -> None:
    for slug in (
        "low-back-pain-lidocaine-ketoprofen-methylprednisolone",
        "hair-loss-minoxidil",
        "heavy-legs-troxerutin-melilotus",
        "skin-ageing-hyaluronic-acid-vitamin-c",
    ):
        assert queries.protocol_allowed(shipped_protocol(slug), world.clinic), slug


def test_a_clinic_copy_of_a_banned_protocol_is_banned_too(world: World) -> None:
    copy = services.clone_protocol(SYSTEM, world.clinic, shipped_protocol("gynoid-fat-pc-dc"))
    assert not queries.protocol_allowed(copy, world.clinic)


def test_the_protocol_page_shows_the_refusal_with_its_rule_and_source(
    world: World, login: Callable[[User], Client]
) -> None:
    protocol = shipped_protocol("gynoid-fat-pc-dc")
    html = login(world.members["practitioner"]).get(f"/catalogue/protocols/{protocol.pk}/")
    text = html.content.decode()
    assert "cannot be chosen in your clinic" in text
    assert "Décret n° 2011-382 du 11 avril 2011" in text
    assert LEGIFRANCE in text
    assert "Conseil d&#x27;État upheld this article" in text


def test_the_us_clinic_page_has_no_refusal(world: World, login: Callable[[User], Client]) -> None:
    protocol = shipped_protocol("gynoid-fat-pc-dc")
    html = login(world.outsider).get(f"/catalogue/protocols/{protocol.pk}/").content.decode()
    assert "cannot be chosen" not in html


def test_the_api_reports_the_decision_for_the_callers_jurisdiction(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    protocol = shipped_protocol("gynoid-fat-pc-dc")
    french = client.get(
        f"/api/v1/protocols/{protocol.pk}", **bearer(world.members["nurse"], world.clinic)
    ).json()["in_my_jurisdiction"]
    assert french["allowed"] is False
    assert french["rule_title"] == "Décret n° 2011-382 du 11 avril 2011"
    assert french["rule_source_url"] == LEGIFRANCE
    american = client.get(
        f"/api/v1/protocols/{protocol.pk}", **bearer(world.outsider, world.other_clinic)
    ).json()["in_my_jurisdiction"]
    assert (american["jurisdiction"], american["allowed"]) == ("US", True)
