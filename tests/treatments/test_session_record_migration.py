"""The session record moved from charting to treatments without losing a row or a link.

Charted data is made with today's code, the database is migrated back to before the move
(the tables return to their charting names) and forward again; every row, and every link
from adverse events, measurements and photos to a session, is still there.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from mesotrace.safety.models import AdverseEvent
from mesotrace.treatments.models import Injection, InjectionComponent, TreatmentSession
from tests.charting.builders import minoxidil_lot
from tests.conftest import World
from tests.safety.builders import charted_on, infection
from tests.treatments.builders import ensure_starter_catalogue

BEFORE_THE_MOVE = [
    ("treatments", "0002_default_opening_hours"),
    ("charting", "0002_lot_use_override"),
    ("outcomes", "0003_split_body_letter_labels"),
    ("safety", "0004_alert_keeps_its_rule"),
]
TABLES = ("treatmentsession", "injection", "injectioncomponent")


def _migrate(targets: list[tuple[str, str]] | None) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


def _rows(prefix: str) -> dict[str, int]:
    names = set(connection.introspection.table_names())
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            name = f"{prefix}_{table}"
            if name in names:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
                counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def charted(transactional_db: Any, world: World) -> AdverseEvent:
    ensure_starter_catalogue()  # an earlier transactional test's flush may have removed it
    lot = minoxidil_lot(world.clinic, "MOVE-1", "10")
    session = charted_on(world, lot)
    charted_on(world, lot)
    return infection(world, session)


def test_migrating_back_and_forth_keeps_every_session_row_and_link(
    charted: AdverseEvent,
) -> None:
    expected = {
        "treatmentsession": TreatmentSession.objects.count(),
        "injection": Injection.objects.count(),
        "injectioncomponent": InjectionComponent.objects.count(),
    }
    assert expected["treatmentsession"] == 2
    assert expected["injectioncomponent"] > 0
    linked = list(charted.sessions.values_list("pk", flat=True))
    try:
        _migrate(BEFORE_THE_MOVE)
        assert _rows("charting") == expected
        assert _rows("treatments") == {}
    finally:
        _migrate(None)
    assert _rows("treatments") == expected
    assert _rows("charting") == {}
    event = AdverseEvent.objects.get(pk=charted.pk)
    assert list(event.sessions.values_list("pk", flat=True)) == linked
    assert TreatmentSession.objects.get(pk=linked[0]).injections.exists()
