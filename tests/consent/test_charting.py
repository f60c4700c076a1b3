"""Charting needs the patient's signed consent for the plan's current version, or an owner's
audited override."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mesotrace.audit.models import AuditEvent
from mesotrace.consent import queries, services
from mesotrace.consent.models import ConsentOverride
from mesotrace.treatments.models import TreatmentPlan, TreatmentSession
from tests.charting.builders import appointment_today, minoxidil_lot, payload, point, record
from tests.conftest import World, make_patient
from tests.consent.builders import signed_consent
from tests.treatments.builders import HAIR, active_plan, actor_for, practitioner_of


def _plan(world: World) -> TreatmentPlan:
    user = world.members["practitioner"]
    practitioner = practitioner_of(world.clinic, user=user, full_name="Dr Jeanne Martin")
    return active_plan(
        world.clinic,
        user,
        patient=make_patient(world.clinic),
        protocol=HAIR,
        practitioner=practitioner,
    )


def _charting_refused(world: World, plan: TreatmentPlan) -> str:
    lot = minoxidil_lot(world.clinic)
    with pytest.raises(ValidationError) as refused:
        record(appointment_today(plan), payload(point(lot)), world.members["practitioner"])
    assert not TreatmentSession.objects.exists()
    return " ".join(refused.value.message_dict["consent"])


def test_charting_is_refused_without_signed_consent(world: World) -> None:
    plan = _plan(world)

    assert "has not signed" in _charting_refused(world, plan)


def test_charting_is_refused_until_a_clinician_countersigns(world: World) -> None:
    plan = _plan(world)
    actor = actor_for(world.members["front_desk"], world.clinic)
    document = services.generate_consent(actor, plan)
    services.sign_consent(actor, document, "Camille Durand", agreed=True)

    assert "countersigned" in _charting_refused(world, plan)


def test_charting_is_allowed_with_signed_consent(world: World) -> None:
    plan = _plan(world)
    signed_consent(plan, world.members["practitioner"])
    lot = minoxidil_lot(world.clinic)

    session = record(appointment_today(plan), payload(point(lot)), world.members["practitioner"])

    assert session.pk is not None


def test_a_changed_plan_invalidates_the_old_consent_for_charting(world: World) -> None:
    plan = _plan(world)
    signed_consent(plan, world.members["practitioner"])
    TreatmentPlan.objects.filter(pk=plan.pk).update(interval_days=plan.interval_days + 7)

    assert "new version needs signing" in _charting_refused(world, plan)


def test_withdrawn_consent_stops_charting(world: World) -> None:
    plan = _plan(world)
    signature = signed_consent(plan, world.members["practitioner"])
    services.withdraw_consent(
        actor_for(world.members["nurse"], world.clinic), signature, "Patient stopped"
    )

    assert "withdrew" in _charting_refused(world, plan)


def test_owner_override_allows_charting_and_is_audited(world: World) -> None:
    plan = _plan(world)
    owner = actor_for(world.members["owner"], world.clinic)

    services.override_consent(owner, plan, "Signed on paper; scanner down")
    lot = minoxidil_lot(world.clinic)
    session = record(appointment_today(plan), payload(point(lot)), world.members["practitioner"])

    assert session.pk is not None
    event = AuditEvent.objects.get(object_type="consent_override")
    assert event.actor == world.members["owner"]
    assert event.details["reason"] == "Signed on paper; scanner down"


@pytest.mark.parametrize(("role", "reason"), [("practitioner", "Urgent"), ("owner", "  ")])
def test_override_by_non_owner_or_without_reason_changes_nothing(
    world: World, role: str, reason: str
) -> None:
    plan = _plan(world)

    with pytest.raises(ValidationError):
        services.override_consent(actor_for(world.members[role], world.clinic), plan, reason)

    assert not ConsentOverride.objects.exists()
    assert not AuditEvent.objects.filter(object_type="consent_override").exists()
    assert queries.consent_problem(plan) is not None
