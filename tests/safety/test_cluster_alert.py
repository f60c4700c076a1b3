"""Two skin infections on one lot within 90 days put it under investigation and raise an alert."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.inventory.models import Lot, LotStatus
from mesotrace.safety.models import SafetyAlert, SafetySettings
from mesotrace.safety.rules import largest_cluster
from mesotrace.treatments.models import TreatmentSession
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.conftest import World
from tests.safety.builders import charted_on, infection


def _status(lot: Lot) -> str:
    lot.refresh_from_db()
    return lot.status


def test_one_infection_does_not_flag_the_lot(world: World) -> None:
    lot = minoxidil_lot(world.clinic)
    infection(world, charted_on(world, lot))

    assert _status(lot) == LotStatus.AVAILABLE
    assert not SafetyAlert.objects.exists()


def test_two_skin_infections_on_one_lot_put_it_under_investigation_and_charting_refuses_it(
    world: World,
) -> None:
    lot = minoxidil_lot(world.clinic)
    infection(world, charted_on(world, lot))
    infection(world, charted_on(world, lot), term="skin_infection")

    assert _status(lot) == LotStatus.UNDER_INVESTIGATION
    alert = SafetyAlert.objects.get(lot=lot)
    assert alert.event_count == 2
    assert "2 infection events within 90 days" in alert.message
    assert AuditEvent.objects.filter(object_type="lot", object_id=str(lot.pk)).exists()
    with pytest.raises(ValidationError) as refused:
        record(chartable(world), payload(point(lot)), world.members["practitioner"])
    assert "under investigation" in " ".join(refused.value.messages)


def test_infections_further_apart_than_the_window_do_not_flag_the_lot(world: World) -> None:
    lot = minoxidil_lot(world.clinic)
    first = charted_on(world, lot)
    TreatmentSession.objects.filter(pk=first.pk).update(
        performed_on=first.performed_on - datetime.timedelta(days=200)
    )
    first.refresh_from_db()
    infection(world, first, onset_date=first.performed_on + datetime.timedelta(days=10))
    infection(world, charted_on(world, lot))

    assert _status(lot) == LotStatus.AVAILABLE


def test_a_clinic_can_require_three_infections(world: World) -> None:
    SafetySettings.objects.create(clinic=world.clinic, threshold=3)
    lot = minoxidil_lot(world.clinic)
    infection(world, charted_on(world, lot))
    infection(world, charted_on(world, lot))
    assert _status(lot) == LotStatus.AVAILABLE

    infection(world, charted_on(world, lot))
    assert _status(lot) == LotStatus.UNDER_INVESTIGATION


def test_bruises_are_not_counted_as_infections(world: World) -> None:
    lot = minoxidil_lot(world.clinic)
    infection(world, charted_on(world, lot), term="haematoma")
    infection(world, charted_on(world, lot), term="haematoma")

    assert _status(lot) == LotStatus.AVAILABLE


def test_the_largest_cluster_is_found_in_a_sliding_window() -> None:
    day = datetime.date(2026, 1, 1)
    onsets = [day + datetime.timedelta(days=n) for n in (0, 100, 150, 185, 400)]
    assert largest_cluster(onsets, 90) == [1, 2, 3]
    assert largest_cluster([], 90) == []


@pytest.mark.parametrize(
    ("role", "sees"),
    [("owner", True), ("practitioner", True), ("front_desk", False), ("researcher", False)],
)
def test_the_alert_is_shown_to_owners_and_practitioners_only(
    world: World, login: Callable[[User], Client], role: str, sees: bool
) -> None:
    lot = minoxidil_lot(world.clinic, "MX-OUTBREAK")
    infection(world, charted_on(world, lot))
    infection(world, charted_on(world, lot))

    response = login(world.members[role]).get("/safety/alerts/")

    if sees:
        assert response.status_code == 200
        assert b"MX-OUTBREAK" in response.content
        assert f"/charting/lots/{lot.pk}/trace/".encode() in response.content
    else:
        assert response.status_code == 403


def test_the_owner_can_release_the_lot_with_a_reason(
    world: World, login: Callable[[User], Client]
) -> None:
    lot = minoxidil_lot(world.clinic)
    infection(world, charted_on(world, lot))
    infection(world, charted_on(world, lot))
    alert = SafetyAlert.objects.get(lot=lot)
    owner = login(world.members["owner"])

    owner.post(f"/safety/alerts/{alert.pk}/release/", {"reason": ""})
    assert _status(lot) == LotStatus.UNDER_INVESTIGATION

    owner.post(f"/safety/alerts/{alert.pk}/release/", {"reason": "Cultures were community strains"})
    assert _status(lot) == LotStatus.AVAILABLE
    alert.refresh_from_db()
    assert alert.closed_at is not None
