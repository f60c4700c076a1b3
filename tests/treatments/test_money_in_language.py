"""A plan's prices read as the reader's language writes money: "1 200,00 €" in French,
"€1,200.00" in English, "$1,200.00" for a clinic that bills in dollars."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from django.test import Client

from mesotrace.accounts.models import User
from tests.conftest import World, speaks
from tests.treatments.builders import make_plan


def _spaces(text: str) -> str:
    """Babel writes French money with narrow and plain no-break spaces; compare them as spaces."""
    return re.sub(r"[\s\u202f\u00a0]+", " ", text)


def _total(page: str) -> str:
    found = re.search(r'<strong id="plan-total">(.*?)</strong>', page)
    assert found is not None
    return _spaces(found.group(1))


def test_plan_total_in_french_and_english(world: World, login: Callable[[User], Client]) -> None:
    plan = make_plan(world.clinic, price_per_session=Decimal("120.00"), planned_sessions=10)
    client = login(world.members["owner"])
    url = f"/treatments/plans/{plan.pk}/"

    speaks(world.members["owner"], "fr")
    french = client.get(url).content.decode()
    speaks(world.members["owner"], "en")
    english = client.get(url).content.decode()

    assert _total(french) == "1 200,00 €"
    assert "120,00 €" in _spaces(french)
    assert _total(english) == "€1,200.00"
    assert "€120.00" in english


def test_a_dollar_clinic_shows_dollars(world: World, login: Callable[[User], Client]) -> None:
    plan = make_plan(world.other_clinic, price_per_session=Decimal("120.00"), planned_sessions=10)
    page = login(world.outsider).get(f"/treatments/plans/{plan.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert _total(page.content.decode()) == "$1,200.00"
