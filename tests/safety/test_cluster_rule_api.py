"""`/api/v1/safety/cluster-rule`: the owner reads and sets the cluster rule; bad input is a
422 naming the field and changes nothing; a rule that catches more re-checks the lots."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesotrace.accounts.models import Clinic, User
from mesotrace.audit.models import AuditEvent
from mesotrace.inventory.models import LotStatus
from mesotrace.safety.models import SafetySettings
from mesotrace.safety.queries.alerts import settings_for
from tests.charting.builders import minoxidil_lot
from tests.conftest import World
from tests.safety.builders import charted_on, infection

URL = "/api/v1/safety/cluster-rule"
Bearer = Callable[[User, Clinic], dict[str, Any]]


def _put(client: Client, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    return client.put(URL, data=json.dumps(body), content_type="application/json", **headers)


def test_the_owner_reads_the_default_rule(world: World, client: Client, bearer: Bearer) -> None:
    response = client.get(URL, **bearer(world.members["owner"], world.clinic))

    assert response.status_code == 200
    assert response.json() == {
        "category": "infection",
        "threshold": 2,
        "window_days": 90,
        "is_default": True,
    }


def test_put_saves_the_rule_audited_and_rechecks_the_lots(
    world: World, client: Client, bearer: Bearer
) -> None:
    lot = minoxidil_lot(world.clinic, "MX-API")
    infection(world, charted_on(world, lot))
    headers = bearer(world.members["owner"], world.clinic)

    response = _put(client, headers, {"category": "infection", "threshold": 1, "window_days": 60})

    assert response.status_code == 200
    assert response.json() == {
        "category": "infection",
        "threshold": 1,
        "window_days": 60,
        "is_default": False,
        "rechecked": True,
        "newly_under_investigation": [lot.pk],
    }
    lot.refresh_from_db()
    assert lot.status == LotStatus.UNDER_INVESTIGATION
    audit = AuditEvent.objects.get(object_type="safety_settings")
    assert (audit.via, audit.actor) == ("api", world.members["owner"])
    assert audit.changes["threshold"] == {"before": None, "after": 1}
    assert client.get(URL, **headers).json()["threshold"] == 1


def test_a_looser_rule_by_api_releases_nothing(
    world: World, client: Client, bearer: Bearer
) -> None:
    lot = minoxidil_lot(world.clinic, "MX-API")
    infection(world, charted_on(world, lot))
    infection(world, charted_on(world, lot))
    headers = bearer(world.members["owner"], world.clinic)

    body = _put(client, headers, {"category": "infection", "threshold": 5, "window_days": 30})

    assert body.json()["rechecked"] is False
    assert body.json()["newly_under_investigation"] == []
    lot.refresh_from_db()
    assert lot.status == LotStatus.UNDER_INVESTIGATION


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"threshold": 0}, "threshold"),
        ({"threshold": 101}, "threshold"),
        ({"threshold": "two"}, "threshold"),
        ({"threshold": True}, "threshold"),
        ({"window_days": 0}, "window_days"),
        ({"window_days": 366}, "window_days"),
        ({"category": "sunburn"}, "category"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(
    world: World, client: Client, bearer: Bearer, change: dict[str, Any], field: str
) -> None:
    body = {"category": "infection", "threshold": 2, "window_days": 90, **change}

    response = _put(client, bearer(world.members["owner"], world.clinic), body)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert response.json()["errors"][0]["message"]
    assert not SafetySettings.objects.exists()
    assert not AuditEvent.objects.filter(object_type="safety_settings").exists()


def test_a_missing_field_is_named(world: World, client: Client, bearer: Bearer) -> None:
    response = _put(client, bearer(world.members["owner"], world.clinic), {"threshold": 3})

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"category", "window_days"}
    assert not SafetySettings.objects.exists()


@pytest.mark.parametrize("role", ["practitioner", "nurse", "researcher", "front_desk", "auditor"])
def test_only_the_owner_reads_or_sets_the_rule(
    world: World, client: Client, bearer: Bearer, role: str
) -> None:
    headers = bearer(world.members[role], world.clinic)

    assert client.get(URL, **headers).status_code == 403
    body = {"category": "infection", "threshold": 1, "window_days": 30}
    assert _put(client, headers, body).status_code == 403
    assert not SafetySettings.objects.exists()


def test_another_clinics_owner_sets_only_their_own_rule(
    world: World, client: Client, bearer: Bearer
) -> None:
    body = {"category": "infection", "threshold": 4, "window_days": 30}

    assert _put(client, bearer(world.outsider, world.other_clinic), body).status_code == 200

    assert settings_for(world.clinic).pk is None
    assert settings_for(world.other_clinic).threshold == 4
