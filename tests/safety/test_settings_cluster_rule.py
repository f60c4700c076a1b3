"""The owner sets the clinic's cluster rule on a page; bad values are refused and change nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.inventory.models import LotStatus
from mesotrace.safety.models import SafetySettings
from mesotrace.safety.queries.alerts import settings_for
from mesotrace.safety.services import alerts
from tests.charting.builders import minoxidil_lot
from tests.conftest import World
from tests.safety.builders import charted_on, infection
from tests.treatments.builders import actor_for

URL = "/safety/settings/"


def test_the_owner_saves_a_rule_and_the_alert_code_uses_it(
    world: World, login: Callable[[User], Client]
) -> None:
    owner = login(world.members["owner"])
    assert b"2 infection events linked to one lot within 90 days" in owner.get(URL).content

    response = owner.post(URL, {"category": "infection", "threshold": "3", "window_days": "30"})

    assert response.status_code == 302
    rule = settings_for(world.clinic)
    assert (rule.category, rule.threshold, rule.window_days) == ("infection", 3, 30)
    audit = AuditEvent.objects.get(object_type="safety_settings")
    assert audit.changes["threshold"] == {"before": None, "after": 3}
    lot = minoxidil_lot(world.clinic)
    infection(world, charted_on(world, lot))
    infection(world, charted_on(world, lot))
    lot.refresh_from_db()
    assert lot.status == LotStatus.AVAILABLE  # two are no longer enough


def test_a_second_change_is_audited_with_before_and_after(
    world: World, login: Callable[[User], Client]
) -> None:
    owner = login(world.members["owner"])
    owner.post(URL, {"category": "infection", "threshold": "3", "window_days": "30"})
    owner.post(URL, {"category": "inflammation", "threshold": "3", "window_days": "60"})

    assert SafetySettings.objects.filter(clinic=world.clinic).count() == 1
    latest = AuditEvent.objects.filter(object_type="safety_settings").order_by("-id").first()
    assert latest is not None
    assert latest.changes == {
        "category": {"before": "infection", "after": "inflammation"},
        "window_days": {"before": 30, "after": 60},
    }


@pytest.mark.parametrize(
    ("values", "field", "reason"),
    [
        ({"threshold": "0"}, "threshold", b"greater than or equal to 1"),
        ({"window_days": "0"}, "window_days", b"greater than or equal to 1"),
        ({"window_days": "366"}, "window_days", b"less than or equal to 365"),
        ({"category": "sunburn"}, "category", b"Select a valid choice"),
        ({"threshold": "two"}, "threshold", b"Enter a whole number"),
    ],
)
def test_out_of_range_values_are_shown_in_the_page_and_change_nothing(
    world: World, login: Callable[[User], Client], values: dict[str, str], field: str, reason: bytes
) -> None:
    owner = login(world.members["owner"])
    body = {"category": "infection", "threshold": "2", "window_days": "90", **values}

    response = owner.post(URL, body)

    assert response.status_code == 422
    assert reason in response.content
    assert b"Nothing was saved" in response.content
    assert not SafetySettings.objects.exists()
    assert not AuditEvent.objects.filter(object_type="safety_settings").exists()


@pytest.mark.parametrize(
    ("category", "threshold", "window", "field"),
    [
        ("sunburn", 2, 90, "category"),
        ("infection", 0, 90, "threshold"),
        ("infection", 2, 0, "window_days"),
        ("infection", 2, 366, "window_days"),
    ],
)
def test_the_service_refuses_what_the_form_would(
    world: World, category: str, threshold: int, window: int, field: str
) -> None:
    actor = actor_for(world.members["owner"], world.clinic)
    with pytest.raises(ValidationError) as refused:
        alerts.update_cluster_rule(actor, world.clinic, category, threshold, window)
    assert list(refused.value.message_dict) == [field]
    assert not SafetySettings.objects.exists()


@pytest.mark.parametrize("role", ["practitioner", "nurse", "researcher", "front_desk"])
def test_only_the_owner_may_change_the_rule(
    world: World, login: Callable[[User], Client], role: str
) -> None:
    client = login(world.members[role])
    assert client.get(URL).status_code == 403
    body = {"category": "infection", "threshold": "5", "window_days": "10"}
    assert client.post(URL, body).status_code == 403
    assert not SafetySettings.objects.exists()
