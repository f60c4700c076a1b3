"""The charting pages: today's list, the chart page's one POST, errors shown, few queries."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mesotrace.inventory.queries.stock import on_hand
from mesotrace.treatments.models import TreatmentSession
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.conftest import World


def _form(page: Any, points: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    key = re.search(r'name="idempotency_key" value="(\w+)"', page.content.decode())
    assert key is not None
    values = {
        "practitioner": str(page.context["form"].initial["practitioner"]),
        "anaesthetic": "topical",
        "pain_score": "3",
        "charges": "180.00",
        "idempotency_key": key.group(1),
        "injections": json.dumps(points),
    }
    values.update(fields)
    return values


def _points(lot_id: int, product_id: int, n: int, **extra: Any) -> list[dict[str, Any]]:
    one = {
        "view": "scalp",
        "x": "0.5",
        "y": "0.5",
        "zone": "scalp",
        "depth_mm": "2.0",
        "needle_gauge": 30,
        "needle_length_mm": "4.0",
        "technique": "nappage",
        "components": [{"product_id": product_id, "lot_id": lot_id, "volume_ml": "0.050"}],
    }
    one.update(extra)
    return [one] * n


def test_todays_appointment_is_charted_from_the_sessions_page(
    world: World, login: Callable[..., Client]
) -> None:
    appointment = chartable(world)
    lot = minoxidil_lot(world.clinic, "MX-P", "5")
    client = login(world.members["practitioner"])

    index = client.get("/charting/")
    assert f"/charting/appointments/{appointment.pk}/chart/" in index.content.decode()
    url = f"/charting/appointments/{appointment.pk}/chart/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["config"]["products"][0]["lots"][0]["number"] == "MX-P"

    response = client.post(url, _form(page, _points(lot.pk, lot.product_id, 40)))
    assert response.status_code == 302, response.content.decode()[:2000]
    session = TreatmentSession.objects.get()
    assert response["Location"] == f"/charting/sessions/{session.pk}/"
    assert on_hand(lot) == 3
    # The same form posted again (a double click) lands on the same session.
    again = client.post(url, _form(page, _points(lot.pk, lot.product_id, 40)))
    assert again["Location"] == f"/charting/sessions/{session.pk}/"
    assert TreatmentSession.objects.count() == 1


def test_a_refused_chart_shows_the_reason_and_keeps_the_points(
    world: World, login: Callable[..., Client]
) -> None:
    appointment = chartable(world)
    lot = minoxidil_lot(world.clinic, "MX-S", "0.1")
    client = login(world.members["practitioner"])
    url = f"/charting/appointments/{appointment.pk}/chart/"
    page = client.get(url)
    points = _points(lot.pk, lot.product_id, 3)

    response = client.post(url, _form(page, points))

    assert response.status_code == 422
    text = response.content.decode()
    assert "Point 1, product 1, lot: Lot MX-S has only 0.1 mL left" in text
    assert ", ," not in text
    assert ": :" not in text
    assert json.loads(response.context["form"]["injections"].value()) == points
    assert TreatmentSession.objects.count() == 0


def test_the_chart_page_says_why_it_cannot_be_saved_yet(
    world: World, login: Callable[..., Client]
) -> None:
    from mesotrace.treatments.models import ScreeningAcknowledgement

    appointment = chartable(world)
    ScreeningAcknowledgement.objects.filter(plan=appointment.plan).delete()
    page = login(world.members["nurse"]).get(f"/charting/appointments/{appointment.pk}/chart/")
    assert "screening warning(s) of the plan are not acknowledged" in page.content.decode()


def test_pages_take_a_fixed_number_of_queries(world: World, login: Callable[..., Client]) -> None:
    appointment = chartable(world)
    lot = minoxidil_lot(world.clinic, "MX-Q", "10")
    session = record(appointment, payload(*[point(lot) for _ in range(40)]))
    client = login(world.members["practitioner"])
    counts = {}
    for url in (
        "/charting/",
        f"/charting/sessions/{session.pk}/",
        f"/charting/lots/{lot.pk}/trace/",
        f"/charting/appointments/{chartable(world).pk}/chart/",
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[url] = len(queries)
    print("\nqueries per page:", counts)
    assert max(counts.values()) <= 60, counts
