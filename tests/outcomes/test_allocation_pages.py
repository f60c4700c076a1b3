"""The plan's outcomes page: allocate the treated side at random, reveal it, and keep it
from blinded assessors on every page they measure from."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mesotrace.audit.models import AuditEvent
from mesotrace.outcomes import rules, services
from mesotrace.outcomes.models import Measurement, SplitBodyAllocation
from mesotrace.outcomes.queries.measurements import measurement_type
from mesotrace.treatments.models import TreatmentPlan
from mesotrace.treatments.services import plans
from tests.charting.builders import chartable
from tests.conftest import SYSTEM, World
from tests.outcomes.builders import HEAVY_LEGS, LEGS_COURSE
from tests.treatments.builders import make_plan

pytestmark = pytest.mark.django_db(databases=["default"])


def _plan(world: World) -> TreatmentPlan:
    # The plan's charting practitioner is the world's practitioner member.
    return chartable(world, protocol=HEAVY_LEGS, **LEGS_COURSE).plan


def _pick(side: str) -> Any:
    """A fixed draw for `rules.draw_side` (patching `secrets` itself would also fix the
    session keys Django draws with it)."""

    def draw() -> str:
        return side

    return draw


def test_practitioner_allocates_the_treated_side_with_the_button(
    world: World, client: Client, monkeypatch: Any
) -> None:
    plan = _plan(world)
    monkeypatch.setattr(rules, "draw_side", _pick("right"))
    client.force_login(world.members["practitioner"])
    detail = client.get(f"/treatments/plans/{plan.pk}/").content.decode()
    assert f'href="/outcomes/plans/{plan.pk}/"' in detail
    page = client.get(f"/outcomes/plans/{plan.pk}/").content.decode()
    assert "Allocate treated side at random" in page
    response = client.post(f"/outcomes/plans/{plan.pk}/allocate/", {"blinding": "on"})
    assert response.status_code == 302
    allocation = SplitBodyAllocation.objects.get(plan=plan)
    assert allocation.treated_side == "right"
    assert allocation.blinding
    assert allocation.allocated_by == world.members["practitioner"]
    event = AuditEvent.objects.get(object_type="split_body_allocation", action="create")
    assert event.actor == world.members["practitioner"]
    assert event.details["generator"] == "secrets.choice"
    page = client.get(response["Location"]).content.decode()
    assert "Treated side allocated at random" in page
    assert "at random by practitioner@alpha.test on" in page
    assert '<dd id="treated-side">Right</dd>' in page  # the charting practitioner sees it
    assert "Allocate treated side at random" not in page
    again = client.post(f"/outcomes/plans/{plan.pk}/allocate/", follow=True)
    assert "already has its side allocated" in again.content.decode()
    assert SplitBodyAllocation.objects.count() == 1


@pytest.mark.parametrize("role", ["nurse", "front_desk", "researcher"])
def test_only_owner_and_practitioner_may_allocate_or_reveal(
    world: World, client: Client, role: str
) -> None:
    plan = _plan(world)
    client.force_login(world.members[role])
    assert client.post(f"/outcomes/plans/{plan.pk}/allocate/").status_code == 403
    assert not SplitBodyAllocation.objects.exists()
    services.allocate_split_body(SYSTEM, plan)
    assert client.post(f"/outcomes/plans/{plan.pk}/reveal/").status_code == 403
    assert SplitBodyAllocation.objects.get().revealed_at is None


def test_owner_may_allocate_but_is_blinded_until_the_reveal(
    world: World, client: Client, monkeypatch: Any
) -> None:
    plan = _plan(world)
    monkeypatch.setattr(rules, "draw_side", _pick("left"))
    client.force_login(world.members["owner"])
    page = client.post(
        f"/outcomes/plans/{plan.pk}/allocate/", {"blinding": "on"}, follow=True
    ).content.decode()
    assert '<dd id="treated-side">hidden from you (assessor blinding)</dd>' in page
    page = client.post(f"/outcomes/plans/{plan.pk}/reveal/", follow=True).content.decode()
    allocation = SplitBodyAllocation.objects.get(plan=plan)
    assert allocation.revealed_by == world.members["owner"]
    assert allocation.revealed_at is not None
    assert "Treated side revealed" in page
    assert '<dd id="treated-side">Left</dd>' in page
    assert "by owner@alpha.test on" in page
    assert "Reveal the treated side" not in page
    reveal = AuditEvent.objects.get(object_type="split_body_allocation", action="view")
    assert reveal.details == {"revealed": True}
    assert reveal.actor == world.members["owner"]


def test_allocation_without_blinding_shows_every_clinician_the_side(
    world: World, client: Client, monkeypatch: Any
) -> None:
    plan = _plan(world)
    monkeypatch.setattr(rules, "draw_side", _pick("left"))
    client.force_login(world.members["owner"])
    client.post(f"/outcomes/plans/{plan.pk}/allocate/")  # the box left unticked
    assert not SplitBodyAllocation.objects.get(plan=plan).blinding
    client.force_login(world.members["nurse"])
    page = client.get(f"/outcomes/plans/{plan.pk}/").content.decode()
    assert '<dd id="treated-side">Left</dd>' in page


def test_a_stopped_plan_cannot_be_allocated(world: World, client: Client) -> None:
    plan = plans.stop_plan(SYSTEM, make_plan(world.clinic), "Patient moved away.")
    client.force_login(world.members["practitioner"])
    page = client.get(f"/outcomes/plans/{plan.pk}/").content.decode()
    assert "Allocate treated side at random" not in page
    refused = client.post(f"/outcomes/plans/{plan.pk}/allocate/", follow=True)
    assert "too late to allocate" in refused.content.decode()
    assert not SplitBodyAllocation.objects.exists()


def test_blinded_nurse_measures_both_sides_without_learning_the_treated_one(
    world: World, client: Client
) -> None:
    plan = _plan(world)
    services.allocate_split_body(SYSTEM, plan, blinding=True)
    calf = measurement_type("calf-circumference")
    client.force_login(world.members["nurse"])
    url = f"/outcomes/patients/{plan.patient_id}/measurements/new/"
    form = client.get(url, {"plan": plan.pk}).content.decode()
    assert "the treated side is hidden from you" in form
    assert 'name="assessor_blinded" id="id_assessor_blinded" checked' in form
    for side in ("left", "right"):
        data = {
            "type": calf.pk,
            "value": "38.5",
            "unit": "cm",
            "side": side,
            "measured_at": "2026-03-02T09:30",
            "plan": plan.pk,
            "assessor_blinded": "on",
        }
        assert client.post(url, data).status_code == 302
    refused = client.post(url, {**data, "side": "control"})
    assert "You are blinded to this plan" in refused.content.decode()
    assert Measurement.objects.filter(plan=plan, assessor_blinded=True).count() == 2
    for page_url in (f"/outcomes/patients/{plan.patient_id}/", f"/outcomes/plans/{plan.pk}/"):
        page = client.get(page_url).content.decode()
        assert "(treated)" not in page, page_url
        assert "(control)" not in page, page_url
        assert "Left" in page
        assert "Right" in page
    client.force_login(world.members["practitioner"])
    page = client.get(f"/outcomes/plans/{plan.pk}/").content.decode()
    assert "(treated)" in page
    assert "(control)" in page


def test_letter_labels_show_blinded_viewers_coded_sides(
    world: World, client: Client, monkeypatch: Any
) -> None:
    plan = _plan(world)
    drawn = iter(["left", "right"])  # treated side, then side A
    monkeypatch.setattr(rules, "draw_side", lambda: next(drawn))
    client.force_login(world.members["practitioner"])
    client.post(f"/outcomes/plans/{plan.pk}/allocate/", {"blinding": "on", "letter_labels": "on"})
    allocation = SplitBodyAllocation.objects.get(plan=plan)
    assert (allocation.treated_side, allocation.side_a) == ("left", "right")
    calf = measurement_type("calf-circumference")
    for side in ("left", "right"):
        services.record_measurement(SYSTEM, plan.patient, calf, 38, "cm", plan=plan, side=side)
    client.force_login(world.members["nurse"])
    page = client.get(f"/outcomes/patients/{plan.patient_id}/").content.decode()
    assert "Right (side A)" in page
    assert "Left (side B)" in page
    assert "(treated)" not in page
    client.force_login(world.members["practitioner"])
    page = client.get(f"/outcomes/patients/{plan.patient_id}/").content.decode()
    assert "Left (treated)" in page
    assert "side A" not in page
