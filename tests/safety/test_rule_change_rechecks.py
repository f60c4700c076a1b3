"""Saving a cluster rule that catches more re-checks the lots with events at once, audited;
a looser rule never releases a lot (that stays the owner's decision)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.inventory.models import Lot, LotStatus
from mesotrace.safety.models import SafetyAlert
from mesotrace.safety.services import alerts
from mesotrace.treatments.models import TreatmentSession
from tests.charting.builders import minoxidil_lot
from tests.conftest import World
from tests.safety.builders import charted_on, infection
from tests.treatments.builders import actor_for

URL = "/safety/settings/"
RULE = {"category": "infection", "threshold": "2", "window_days": "90"}


def _status(lot: Lot) -> str:
    lot.refresh_from_db()
    return lot.status


def _one_infection(world: World, number: str, **fields: str) -> Lot:
    lot = minoxidil_lot(world.clinic, number)
    infection(world, charted_on(world, lot), **fields)
    return lot


def test_a_lower_threshold_puts_lots_under_investigation_at_once_and_says_how_many(
    world: World, login: Callable[[User], Client]
) -> None:
    first, second = _one_infection(world, "MX-A"), _one_infection(world, "MX-B")
    bruised = _one_infection(world, "MX-C", term="haematoma")
    owner = login(world.members["owner"])

    response = owner.post(URL, {**RULE, "threshold": "1"}, follow=True)

    page = response.content.decode()
    assert "2 lots newly put under investigation" in page
    assert "Lot MX-A of Minoxidil 2%" in page
    assert "is now under investigation" in page
    assert (_status(first), _status(second)) == (LotStatus.UNDER_INVESTIGATION,) * 2
    assert _status(bruised) == LotStatus.AVAILABLE
    alert = SafetyAlert.objects.get(lot=first)
    assert (alert.threshold, alert.window_days, alert.event_count) == (1, 90, 1)
    saved = AuditEvent.objects.get(object_type="safety_settings")
    assert saved.details == {
        "rechecked": True,
        "newly_under_investigation": sorted([first.pk, second.pk]),
    }
    assert saved.actor == world.members["owner"]
    assert AuditEvent.objects.filter(object_type="safety_alert", action="create").count() == 2
    assert AuditEvent.objects.filter(
        object_type="lot", object_id=str(first.pk), changes__status__after="under_investigation"
    ).exists()


def test_a_longer_window_catches_infections_further_apart(world: World) -> None:
    lot = minoxidil_lot(world.clinic, "MX-SLOW")
    early = charted_on(world, lot)
    TreatmentSession.objects.filter(pk=early.pk).update(
        performed_on=early.performed_on - datetime.timedelta(days=150)
    )
    early.refresh_from_db()
    infection(world, early, onset_date=early.performed_on + datetime.timedelta(days=5))
    infection(world, charted_on(world, lot))
    assert _status(lot) == LotStatus.AVAILABLE  # 145 days apart: outside 90 days

    actor = actor_for(world.members["owner"], world.clinic)
    change = alerts.update_cluster_rule(actor, world.clinic, "infection", 2, 180)

    assert [x.pk for x in change.newly_under_investigation] == [lot.pk]
    assert _status(lot) == LotStatus.UNDER_INVESTIGATION
    assert "within 180 days" in SafetyAlert.objects.get(lot=lot).message


def test_another_category_is_checked_on_the_lots_with_its_events(world: World) -> None:
    lot = minoxidil_lot(world.clinic, "MX-BRUISE")
    infection(world, charted_on(world, lot), term="haematoma")
    infection(world, charted_on(world, lot), term="haematoma")
    assert _status(lot) == LotStatus.AVAILABLE

    actor = actor_for(world.members["owner"], world.clinic)
    change = alerts.update_cluster_rule(actor, world.clinic, "vascular", 2, 90)

    assert change.rechecked
    assert [x.pk for x in change.newly_under_investigation] == [lot.pk]
    alert = SafetyAlert.objects.get(lot=lot)
    assert (alert.category, alert.event_count) == ("vascular", 2)


def test_a_lot_already_under_investigation_is_not_counted_again(
    world: World, login: Callable[[User], Client]
) -> None:
    flagged = minoxidil_lot(world.clinic, "MX-FLAGGED")
    infection(world, charted_on(world, flagged))
    infection(world, charted_on(world, flagged))
    assert _status(flagged) == LotStatus.UNDER_INVESTIGATION

    page = login(world.members["owner"]).post(URL, {**RULE, "threshold": "1"}, follow=True)

    assert "0 lots newly put under investigation" in page.content.decode()
    assert SafetyAlert.objects.filter(lot=flagged, closed_at__isnull=True).count() == 1


@pytest.mark.parametrize(("threshold", "window_days"), [("3", "90"), ("2", "30"), ("5", "10")])
def test_a_looser_rule_releases_nothing_and_the_page_says_so(
    world: World, login: Callable[[User], Client], threshold: str, window_days: str
) -> None:
    lot = minoxidil_lot(world.clinic, "MX-KEPT")
    infection(world, charted_on(world, lot))
    infection(world, charted_on(world, lot))
    owner = login(world.members["owner"])

    response = owner.post(URL, {**RULE, "threshold": threshold, "window_days": window_days})
    page = owner.get(response["Location"]).content.decode()

    assert "A looser rule releases no lot by itself" in page
    assert "stays so until an owner releases it from the alerts page" in page
    assert _status(lot) == LotStatus.UNDER_INVESTIGATION
    assert SafetyAlert.objects.get(lot=lot).closed_at is None
    saved = AuditEvent.objects.get(object_type="safety_settings")
    assert saved.details == {"rechecked": False, "newly_under_investigation": []}


def test_a_refused_rule_rechecks_nothing(world: World, login: Callable[[User], Client]) -> None:
    lot = _one_infection(world, "MX-QUIET")

    response = login(world.members["owner"]).post(URL, {**RULE, "threshold": "0"})

    assert response.status_code == 422
    assert _status(lot) == LotStatus.AVAILABLE
    assert not SafetyAlert.objects.exists()
