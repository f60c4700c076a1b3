"""The owner closes an alert with a note: the lot is released, the alert closed, both audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.inventory.models import Lot, LotStatus
from mesotrace.safety.models import SafetyAlert
from tests.charting.builders import minoxidil_lot
from tests.conftest import World
from tests.safety.builders import charted_on, infection

NOTE = "Typing showed two community strains; no common source"


def _alert(world: World) -> tuple[Lot, SafetyAlert]:
    lot = minoxidil_lot(world.clinic, "MX-CLOSE")
    infection(world, charted_on(world, lot))
    infection(world, charted_on(world, lot))
    return lot, SafetyAlert.objects.get(lot=lot)


def test_closing_with_a_note_is_audited(world: World, login: Callable[[User], Client]) -> None:
    lot, alert = _alert(world)

    response = login(world.members["owner"]).post(
        f"/safety/alerts/{alert.pk}/release/", {"reason": NOTE}
    )

    assert response.status_code == 302
    alert.refresh_from_db()
    lot.refresh_from_db()
    assert alert.closed_at is not None
    assert (lot.status, lot.status_reason) == (LotStatus.AVAILABLE, NOTE)
    closed = AuditEvent.objects.get(
        object_type="safety_alert", object_id=str(alert.pk), action="update"
    )
    assert closed.details["reason"] == NOTE
    assert closed.actor == world.members["owner"]
    assert AuditEvent.objects.filter(
        object_type="lot", object_id=str(lot.pk), changes__status__after="available"
    ).exists()


def test_closing_without_a_note_changes_nothing(
    world: World, login: Callable[[User], Client]
) -> None:
    lot, alert = _alert(world)

    login(world.members["owner"]).post(f"/safety/alerts/{alert.pk}/release/", {"reason": " "})

    alert.refresh_from_db()
    lot.refresh_from_db()
    assert alert.closed_at is None
    assert lot.status == LotStatus.UNDER_INVESTIGATION
    assert not AuditEvent.objects.filter(object_type="safety_alert", action="update").exists()


@pytest.mark.parametrize("role", ["practitioner", "nurse"])
def test_only_the_owner_closes_an_alert(
    world: World, login: Callable[[User], Client], role: str
) -> None:
    _lot, alert = _alert(world)

    response = login(world.members[role]).post(
        f"/safety/alerts/{alert.pk}/release/", {"reason": NOTE}
    )

    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.closed_at is None
