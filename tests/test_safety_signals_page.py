"""The signals page: the clinic's counts through the evidence functions, CSV export audited."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable

import pytest
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.evidence import rates, signals
from mesotrace.safety.signal_tables import clinic_signals
from tests.charting_builders import minoxidil_lot
from tests.conftest import World
from tests.safety_builders import charted_on, infection


@pytest.fixture
def known(world: World) -> World:
    """Lot L1 in 2 sessions with 2 infections; lot L2 in 3 sessions with 1 haematoma."""
    one, two = minoxidil_lot(world.clinic, "L1"), minoxidil_lot(world.clinic, "L2")
    first = [charted_on(world, one) for _ in range(2)]
    second = [charted_on(world, two) for _ in range(3)]
    infection(world, first[0])
    infection(world, first[1], term="skin_infection")
    infection(world, second[0], term="haematoma")
    return world


def test_lot_rows_match_the_pure_functions(known: World) -> None:
    rows = {(r.unit.split(" · ")[-1], r.category): r for r in clinic_signals(known.clinic)["lot"]}
    l1 = rows[("L1", "infection")]
    assert (l1.a, l1.b, l1.c, l1.d, l1.sessions) == (2, 0, 0, 1, 2)
    rate = rates.incidence(2, 2)
    assert l1.values["per_1000"] == pytest.approx(float(rate.rate))
    assert l1.values["per_1000_lower"] == pytest.approx(float(rate.lower))
    assert l1.values["per_1000_upper"] == pytest.approx(float(rate.upper))
    ratio = rates.compare_with_others([2, 0], [2, 3]).ratio
    assert l1.values["rate_ratio_p_above"] == pytest.approx(float(ratio.p_above[0]))
    assert math.isinf(l1.values["prr"])  # the event is never reported for the other lots
    assert l1.values["ic025"] == pytest.approx(
        float(signals.information_component(2, 0, 0, 1).ic025)
    )
    l2 = rows[("L2", "vascular")]
    assert (l2.a, l2.b, l2.c, l2.d, l2.sessions) == (1, 0, 0, 2, 3)
    l2_infection = rows[("L2", "infection")]
    assert l2_infection.values["prr"] == float(signals.prr(0, 1, 2, 0).estimate) == 0.0


def test_product_rows_count_every_session_of_the_product(known: World) -> None:
    rows = {r.category: r for r in clinic_signals(known.clinic)["product"]}
    assert rows["infection"].sessions == 5
    assert rows["infection"].a == 2
    assert rows["infection"].values["per_1000"] == pytest.approx(400.0)


def test_the_page_shows_infinite_and_undefined_as_such(
    known: World, login: Callable[[User], Client]
) -> None:
    page = login(known.members["owner"]).get("/safety/signals/")
    assert page.status_code == 200
    assert b"infinite" in page.content
    assert b"undefined" in page.content


def test_csv_export_is_audited(known: World, login: Callable[[User], Client]) -> None:
    response = login(known.members["researcher"]).get("/safety/signals.csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["level", "unit", "category"]
    assert any(row[0] == "lot" and row[1].endswith("L1") for row in rows[1:])
    assert AuditEvent.objects.filter(object_type="safety_signals", action="export").count() == 1


def test_front_desk_cannot_see_signals(known: World, login: Callable[[User], Client]) -> None:
    assert login(known.members["front_desk"]).get("/safety/signals/").status_code == 403
