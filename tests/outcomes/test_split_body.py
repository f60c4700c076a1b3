"""Split-body plans: the side is drawn with secrets and recorded, blinded assessors do not
see it, and charting the untreated control side is refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from mesotrace.audit.models import AuditEvent
from mesotrace.outcomes import services
from mesotrace.outcomes.models import SplitBodyAllocation
from mesotrace.outcomes.queries.measurements import measurement_type
from tests.charting.builders import chartable, payload, point, record
from tests.conftest import SYSTEM, World
from tests.inventory.builders import receive
from tests.outcomes.builders import HEAVY_LEGS, LEGS_COURSE

pytestmark = pytest.mark.django_db(databases=["default"])
# The lower-leg region on the front view (mesotrace/treatments/rules/bodymap.py): screen left is
# the patient's right.
SCREEN_LEFT_LEG = (Decimal("0.425"), Decimal("0.84"))
SCREEN_RIGHT_LEG = (Decimal("0.575"), Decimal("0.84"))


def test_allocation_uses_secrets_and_is_recorded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[list[str]] = []

    def choice(options: list[str]) -> str:
        drawn.append(list(options))
        return options[1]

    monkeypatch.setattr("mesotrace.outcomes.rules.secrets.choice", choice)
    plan = chartable(world, protocol=HEAVY_LEGS, **LEGS_COURSE).plan
    allocation = services.allocate_split_body(SYSTEM, plan)
    assert drawn == [["left", "right"]]
    assert SplitBodyAllocation.objects.get(plan=plan).treated_side == "right"
    assert allocation.control_side == "left"
    assert allocation.blinding
    event = AuditEvent.objects.get(object_type="split_body_allocation")
    assert event.details["generator"] == "secrets.choice"
    with pytest.raises(ValidationError):
        services.allocate_split_body(SYSTEM, plan)


def _measured(world: World) -> Any:
    plan = chartable(world, protocol=HEAVY_LEGS, **LEGS_COURSE).plan
    allocation = services.allocate_split_body(SYSTEM, plan, blinding=True)
    kind = measurement_type("calf-circumference")
    for side in ("left", "right"):
        services.record_measurement(
            SYSTEM, plan.patient, kind, 38.5, "cm", plan=plan, side=side, assessor_blinded=True
        )
    return plan, allocation


def test_blinded_assessor_is_not_shown_the_treated_side(world: World, client: Client) -> None:
    plan, _allocation = _measured(world)
    client.force_login(world.members["nurse"])
    page = client.get(f"/outcomes/patients/{plan.patient_id}/").content.decode()
    assert "Left" in page
    assert "Right" in page
    assert "treated" not in page
    assert "control" not in page
    client.force_login(world.members["practitioner"])  # the charting practitioner
    page = client.get(f"/outcomes/patients/{plan.patient_id}/").content.decode()
    assert "(treated)" in page
    assert "(control)" in page


def test_blinded_assessor_gets_no_arm_from_the_api(
    world: World, client: Client, bearer: Any
) -> None:
    plan, _allocation = _measured(world)
    nurse = client.get(
        f"/api/v1/measurements?patient_id={plan.patient_id}",
        **bearer(world.members["nurse"], world.clinic),
    ).json()
    assert {m["arm"] for m in nurse} == {None}
    practitioner = client.get(
        f"/api/v1/measurements?patient_id={plan.patient_id}",
        **bearer(world.members["practitioner"], world.clinic),
    ).json()
    # The plan's measurements have an arm; the body weight taken before charting has none.
    assert {m["arm"] for m in practitioner if m["plan_id"]} == {"treated", "control"}


def test_charting_on_the_control_side_is_refused(world: World) -> None:
    appointment = chartable(world, protocol=HEAVY_LEGS, **LEGS_COURSE)
    allocation = services.allocate_split_body(SYSTEM, appointment.plan)
    control = SCREEN_LEFT_LEG if allocation.control_side == "right" else SCREEN_RIGHT_LEG
    treated = SCREEN_RIGHT_LEG if control == SCREEN_LEFT_LEG else SCREEN_LEFT_LEG
    lot = receive(world.clinic, "TX-1", "10", product="troxerutin-generic")
    with pytest.raises(ValidationError) as refused:
        record(appointment, payload(point(lot, where=control, view="front")))
    assert "control side" in refused.value.message_dict["injections.0.x"][0]
    session = record(appointment, payload(point(lot, where=treated, view="front")))
    assert session.injections.count() == 1
