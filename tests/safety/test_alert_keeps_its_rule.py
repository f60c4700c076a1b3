"""An alert keeps the cluster rule it was raised with; the banner and alert pages say that
rule, not the clinic's rule of today."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.inventory.models import Lot
from mesotrace.safety.models import SafetyAlert, SafetySettings
from mesotrace.safety.services import alerts
from tests.charting.builders import minoxidil_lot
from tests.conftest import World
from tests.safety.builders import charted_on, infection
from tests.treatments.builders import actor_for


def _outbreak(world: World, number: str = "MX-RULE") -> Lot:
    lot = minoxidil_lot(world.clinic, number)
    infection(world, charted_on(world, lot))
    infection(world, charted_on(world, lot))
    return lot


def _change_rule(world: World, threshold: int, window_days: int) -> None:
    actor = actor_for(world.members["owner"], world.clinic)
    alerts.update_cluster_rule(actor, world.clinic, "infection", threshold, window_days)


def test_the_alert_stores_the_rule_it_was_raised_with(world: World) -> None:
    SafetySettings.objects.create(clinic=world.clinic, threshold=2, window_days=45)
    lot = _outbreak(world)

    alert = SafetyAlert.objects.get(lot=lot)

    assert (alert.threshold, alert.window_days) == (2, 45)


def test_the_banner_keeps_the_rule_after_the_owner_changes_it(
    world: World, login: Callable[[User], Client]
) -> None:
    _outbreak(world)
    _change_rule(world, threshold=4, window_days=30)  # looser: the alert stays as raised

    page = login(world.members["practitioner"]).get("/patients/").content.decode()

    assert "2 infection events in 90 days" in page
    assert "rule when raised: 2 events within 90 days" in page
    assert "30 days" not in page


def test_the_alert_list_and_the_event_list_say_the_rule_of_each_alert(
    world: World, login: Callable[[User], Client]
) -> None:
    _outbreak(world, "MX-OLD")
    _change_rule(world, threshold=3, window_days=180)
    lot = minoxidil_lot(world.clinic, "MX-NEW")
    for _ in range(3):
        infection(world, charted_on(world, lot))
    owner = login(world.members["owner"])

    for url in ("/safety/alerts/", "/safety/"):
        page = owner.get(url).content.decode()
        assert "rule when raised: 2 events within 90 days" in page, url
        assert "rule when raised: 3 events within 180 days" in page, url
    old, new = SafetyAlert.objects.order_by("pk")
    assert (old.threshold, old.window_days, new.threshold, new.window_days) == (2, 90, 3, 180)
