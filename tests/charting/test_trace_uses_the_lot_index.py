"""The lot trace starts from the (lot, injection) index on the mix lines, on both databases."""

from __future__ import annotations

from django.db import connection

from mesotrace.charting.queries import trace_query
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.conftest import World


def test_the_trace_query_uses_the_lot_index(world: World) -> None:
    lot = minoxidil_lot(world.clinic, "IDX-1")
    record(chartable(world), payload(point(lot)))
    query = trace_query(lot)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows would be scanned
    plan = query.explain()
    print("\n" + plan)
    assert "component_lot_injection" in plan
