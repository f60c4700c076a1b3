"""The chart page lists every stocked product with its lots: its queries do not grow with
the number of products the clinic stocks."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mesotrace.catalogue.models import Product
from tests.charting.builders import chartable, minoxidil_lot
from tests.conftest import World
from tests.inventory.builders import receive


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url)
    assert answer.status_code == 200
    return len(captured)


def test_more_stocked_products_cost_the_chart_page_no_query(
    world: World, login: Callable[..., Client]
) -> None:
    appointment = chartable(world)
    minoxidil_lot(world.clinic, "MX-1")
    others = list(Product.objects.filter(clinic__isnull=True).exclude(slug="minoxidil-2-generic"))
    assert len(others) >= 7
    receive(world.clinic, "ONE-OTHER", "10", product=others[0])
    client = login(world.members["practitioner"])
    url = f"/charting/appointments/{appointment.pk}/chart/"
    few = _queries(client, url)
    for number, product in enumerate(others[1:7]):
        receive(world.clinic, f"EXTRA-{number}", "10", product=product)
        receive(world.clinic, f"EXTRA-{number}-B", "10", product=product)
    page = client.get(url)
    assert all(f"EXTRA-{n}-B" in page.content.decode() for n in range(6))
    assert _queries(client, url) == few
