"""Treatment plans: defaults from the protocol, prices, activation after screening, stopping."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.catalogue.models import BodyZone, Compound, JurisdictionRule
from mesotrace.treatments.models import (
    Appointment,
    AppointmentStatus,
    PlanGoal,
    PlanStatus,
    ScreeningAcknowledgement,
    TreatmentPlan,
)
from mesotrace.treatments.queries.plans import screening_for
from mesotrace.treatments.rules.screening import open_warnings
from mesotrace.treatments.services import plans as services
from mesotrace.treatments.services.plans import GoalInput, PlanInput
from tests.conftest import SYSTEM, World, make_patient, make_practitioner
from tests.treatments.builders import (
    HAIR,
    PAIN,
    PC_DC,
    acknowledge_all,
    active_plan,
    actor_for,
    book,
    clinic_protocol,
    make_plan,
    next_weekday,
    shipped,
)


def test_a_new_plan_takes_sessions_interval_indication_and_zones_from_its_protocol(
    world: World,
) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    protocol = shipped(HAIR)
    assert plan.status == PlanStatus.DRAFT
    assert (plan.planned_sessions, plan.interval_days) == (
        protocol.sessions,
        protocol.interval_days,
    )
    assert plan.indication == protocol.indication
    assert {z.slug for z in plan.zones.all()} == {"scalp"}
    assert plan.currency == "EUR"
    event = AuditEvent.objects.get(object_type="treatment_plan", object_id=str(plan.pk))
    assert event.action == "create"
    assert event.patient_id == plan.patient_id


def test_the_protocol_can_be_adapted_in_the_plan(world: World) -> None:
    plan = make_plan(world.clinic, planned_sessions=8, interval_days=21)
    assert (plan.planned_sessions, plan.interval_days) == (8, 21)


@pytest.mark.parametrize(
    ("values", "total"),
    [
        ({"price_per_session": Decimal("250")}, Decimal("2500.00")),
        (
            {"price_per_session": Decimal("199.99"), "discount_percent": Decimal("10")},
            Decimal("1799.91"),
        ),
        (
            {"price_per_session": Decimal("250"), "package_price": Decimal("2000")},
            Decimal("2000.00"),
        ),
        ({"price_per_session": Decimal("0")}, Decimal("0.00")),
        (
            {"price_per_session": Decimal("250"), "discount_percent": Decimal("100")},
            Decimal("0.00"),
        ),
    ],
)
def test_total_is_sessions_times_price_less_discount_or_the_package_price(
    world: World, values: dict[str, Any], total: Decimal
) -> None:
    plan = make_plan(world.clinic, **values)  # 10 sessions
    assert plan.total == total


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"price_per_session": Decimal("-1")}, "price_per_session"),
        ({"price_per_session": Decimal("1000000")}, "price_per_session"),
        ({"planned_sessions": 0}, "planned_sessions"),
        ({"planned_sessions": 51}, "planned_sessions"),
        ({"interval_days": 0}, "interval_days"),
        ({"interval_days": 366}, "interval_days"),
        ({"discount_percent": Decimal("100.01")}, "discount_percent"),
        ({"discount_percent": Decimal("-5")}, "discount_percent"),
        ({"package_price": Decimal("-10")}, "package_price"),
        ({"package_price": Decimal("900"), "discount_percent": Decimal("5")}, "discount_percent"),
        ({"calorie_target_kcal": 200}, "calorie_target_kcal"),
        ({"exercise_minutes_per_week": 5000}, "exercise_minutes_per_week"),
        ({"zones": []}, "zones"),
    ],
)
def test_absurd_values_are_refused_by_field_and_nothing_is_saved(
    world: World, values: dict[str, Any], field: str
) -> None:
    patient = make_patient(world.clinic)
    zones = values.pop("zones", None)
    fields: dict[str, Any] = {
        "protocol": shipped(HAIR),
        "practitioner": make_practitioner(world.clinic),
        "price_per_session": Decimal("250"),
        **values,
    }
    with pytest.raises(ValidationError) as refused:
        services.create_plan(SYSTEM, world.clinic, patient, PlanInput(**fields, zones=zones))
    assert field in refused.value.message_dict
    assert not TreatmentPlan.objects.exists()
    assert not AuditEvent.objects.filter(object_type="treatment_plan").exists()


def test_a_plan_has_no_field_the_caller_could_make_up() -> None:
    with pytest.raises(TypeError):
        PlanInput(colour="blue")  # type: ignore[call-arg]


def test_a_protocol_banned_in_the_jurisdiction_is_refused_naming_the_rule(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        make_plan(world.clinic, protocol=PC_DC)
    message = " ".join(refused.value.message_dict["protocol"])
    assert "Décret n° 2011-382" in message
    assert "legifrance.gouv.fr" in message
    assert not TreatmentPlan.objects.exists()
    # the same protocol is fine in the US clinic
    assert make_plan(world.other_clinic, protocol=PC_DC).status == PlanStatus.DRAFT


def test_another_clinics_patient_practitioner_or_protocol_is_refused(world: World) -> None:
    theirs = clinic_protocol(world.other_clinic, [], slug="beta-mix")
    cases: dict[str, dict[str, Any]] = {
        "patient": {"patient": make_patient(world.other_clinic)},
        "practitioner": {"practitioner": make_practitioner(world.other_clinic)},
        "protocol": {"protocol": theirs},
    }
    for field, override in cases.items():
        with pytest.raises(ValidationError) as refused:
            make_plan(world.clinic, **override)
        assert field in refused.value.message_dict, field
    assert not TreatmentPlan.objects.exists()


def test_a_clinics_own_protocol_can_be_planned(world: World) -> None:
    own = clinic_protocol(
        world.clinic, [Compound.objects.shipped().get(slug="biotin")], slug="alpha-hair"
    )
    plan = make_plan(world.clinic, protocol=own, zones=[BodyZone.objects.get(slug="scalp")])
    assert plan.protocol == own


def test_goals_are_kept_with_their_structured_target(world: World) -> None:
    plan = services.create_plan(
        SYSTEM,
        world.clinic,
        make_patient(world.clinic),
        PlanInput(
            protocol=shipped(HAIR),
            practitioner=make_practitioner(world.clinic),
            price_per_session=Decimal("100"),
            goals=[
                GoalInput(
                    text="Fuller crown",
                    measure="hair_density",
                    change=Decimal("15"),
                    unit="hairs/cm2",
                    weeks=24,
                ),
                GoalInput(text="Feel confident", measure="", change=None, unit="", weeks=None),
            ],
        ),
    )
    goals = list(plan.goals.all())
    assert [g.text for g in goals] == ["Fuller crown", "Feel confident"]
    assert goals[0].target.startswith("Hair density +15 ")


def test_a_half_given_goal_target_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_plan(
            SYSTEM,
            world.clinic,
            make_patient(world.clinic),
            PlanInput(
                protocol=shipped(HAIR),
                practitioner=make_practitioner(world.clinic),
                price_per_session=Decimal("100"),
                goals=[
                    GoalInput(text="Waist", measure="waist_circumference", change=Decimal("-3"))
                ],
            ),
        )
    assert "goals[0]" in refused.value.message_dict
    assert not PlanGoal.objects.exists()
    assert not TreatmentPlan.objects.exists()


def test_activation_is_refused_while_any_warning_is_unacknowledged(world: World) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "lidocaine"}])
    plan = make_plan(world.clinic, patient=patient, protocol=PAIN)
    practitioner = world.members["practitioner"]
    with pytest.raises(ValidationError) as refused:
        services.activate_plan(actor_for(practitioner, world.clinic), plan)
    unacknowledged = len(open_warnings(screening_for(plan)))
    said = refused.value.message_dict["screening"][0]
    assert said == f"{unacknowledged} screening warnings are not acknowledged yet."

    acknowledge_all(plan, practitioner)
    plan = services.activate_plan(actor_for(practitioner, world.clinic), plan)
    assert plan.status == PlanStatus.ACTIVE
    assert plan.activated_at is not None
    event = AuditEvent.objects.filter(object_type="treatment_plan", action="update").get()
    assert event.changes["status"] == {"before": "draft", "after": "active"}


def test_activation_is_refused_when_a_rule_bans_the_protocol_after_planning(world: World) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    acknowledge_all(plan, world.members["practitioner"])
    rule = JurisdictionRule.objects.create(
        slug="fr-test-ban",
        jurisdiction="FR",
        effect="banned",
        purpose="any",
        title="Arrêté de test",
        summary="Bans this protocol for the test.",
    )
    rule.protocols.add(shipped(HAIR))
    with pytest.raises(ValidationError) as refused:
        services.activate_plan(actor_for(world.members["practitioner"], world.clinic), plan)
    assert "Arrêté de test" in " ".join(refused.value.message_dict["protocol"])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_the_protocol_of_an_active_plan_cannot_change(world: World) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    with pytest.raises(ValidationError) as refused:
        services.update_plan(SYSTEM, plan, PlanInput(protocol=shipped(PAIN)))
    assert "protocol" in refused.value.message_dict


def test_stopping_needs_a_reason_and_frees_the_future_sessions(world: World) -> None:
    plan = active_plan(world.clinic, world.members["practitioner"])
    book(plan, next_weekday(0))
    with pytest.raises(ValidationError):
        services.stop_plan(SYSTEM, plan, "  ")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE

    services.stop_plan(SYSTEM, plan, "Patient moved abroad.")
    plan.refresh_from_db()
    assert (plan.status, plan.stop_reason) == (PlanStatus.STOPPED, "Patient moved abroad.")
    statuses = set(Appointment.objects.filter(plan=plan).values_list("status", flat=True))
    assert statuses == {AppointmentStatus.CANCELLED}
    with pytest.raises(ValidationError):
        services.update_plan(SYSTEM, plan, PlanInput(price_per_session=Decimal("1")))


# --- Pages ------------------------------------------------------------------------------


def test_practitioner_plans_from_the_patient_chooses_a_protocol_and_sees_warnings(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    practitioner = make_practitioner(world.clinic)
    patient = make_patient(world.clinic, allergies=[{"substance": "Lidocaine"}])
    choose = client.get(f"/treatments/patients/{patient.pk}/plans/new/")
    assert choose.status_code == 200
    assert "Not allowed here" in choose.content.decode()  # lipolysis in France
    pain = shipped(PAIN)
    form = client.get(f"/treatments/patients/{patient.pk}/plans/new/?protocol={pain.pk}")
    assert "Screening preview" in form.content.decode()
    assert "Allergy recorded to “Lidocaine”" in form.content.decode()
    response = client.post(
        f"/treatments/patients/{patient.pk}/plans/new/",
        {
            "protocol": pain.pk,
            "practitioner": practitioner.pk,
            "zones": [BodyZone.objects.get(slug="lower-back").pk],
            "planned_sessions": 5,
            "interval_days": 3,
            "price_per_session": "120.00",
            "diet_type": "",
            "goals-TOTAL_FORMS": 1,
            "goals-INITIAL_FORMS": 0,
            "goals-0-text": "Pain below 3/10",
            "goals-0-measure": "pain_score",
            "goals-0-change": "-4",
            "goals-0-unit": "points",
            "goals-0-weeks": "4",
        },
    )
    plan = TreatmentPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/treatments/plans/{plan.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "Acknowledge" in detail
    assert "€600.00" in detail
    assert plan.goals.get().text == "Pain below 3/10"


def test_the_plan_form_shows_field_errors_and_saves_nothing(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    patient = make_patient(world.clinic)
    hair = shipped(HAIR)
    response = client.post(
        f"/treatments/patients/{patient.pk}/plans/new/",
        {
            "protocol": hair.pk,
            "practitioner": make_practitioner(world.clinic).pk,
            "zones": [BodyZone.objects.get(slug="scalp").pk],
            "planned_sessions": 500,
            "interval_days": 14,
            "price_per_session": "-3",
            "goals-TOTAL_FORMS": 0,
            "goals-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "nothing was saved" in response.content.decode()
    assert set(response.context["form"].errors) == {"planned_sessions", "price_per_session"}
    assert not TreatmentPlan.objects.exists()


def test_a_banned_protocol_posted_anyway_is_refused_on_the_form(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    patient = make_patient(world.clinic)
    banned = shipped(PC_DC)
    response = client.post(
        f"/treatments/patients/{patient.pk}/plans/new/",
        {
            "protocol": banned.pk,
            "practitioner": make_practitioner(world.clinic).pk,
            "zones": [BodyZone.objects.get(slug="thigh").pk],
            "planned_sessions": 4,
            "interval_days": 56,
            "price_per_session": "300",
            "goals-TOTAL_FORMS": 0,
            "goals-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "2011-382" in str(response.context["form"].errors["protocol"])
    assert not TreatmentPlan.objects.exists()


def test_acknowledging_on_the_page_needs_a_reason(
    world: World, login: Callable[[User], Client]
) -> None:
    plan = make_plan(world.clinic)
    item = screening_for(plan)[0]
    client = login(world.members["practitioner"])
    url = f"/treatments/plans/{plan.pk}/acknowledge/"
    data = {"code": item.warning.code, "fingerprint": item.warning.fingerprint}
    refused = client.post(url, {**data, "reason": ""})
    assert refused.status_code == 200
    assert "Give the reason treatment may go ahead." in refused.content.decode()
    assert not ScreeningAcknowledgement.objects.exists()
    accepted = client.post(url, {**data, "reason": "Scalp inspected, no infection."})
    assert accepted.status_code == 302
    assert ScreeningAcknowledgement.objects.get().acknowledged_by == world.members["practitioner"]


def test_a_nurse_sees_the_warnings_but_cannot_acknowledge_them(
    world: World, login: Callable[[User], Client]
) -> None:
    plan = make_plan(world.clinic)
    item = screening_for(plan)[0]
    client = login(world.members["nurse"])
    page = client.get(f"/treatments/plans/{plan.pk}/").content.decode()
    assert item.warning.message.split(".")[0] in page
    assert 'name="reason"' not in page
    response = client.post(
        f"/treatments/plans/{plan.pk}/acknowledge/",
        {"code": item.warning.code, "fingerprint": item.warning.fingerprint, "reason": "Fine."},
    )
    assert response.status_code == 403
    assert not ScreeningAcknowledgement.objects.exists()


def test_front_desk_sees_the_plan_but_no_screening(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic, pregnancy_status="pregnant")
    plan = make_plan(world.clinic, patient=patient)
    page = login(world.members["front_desk"]).get(f"/treatments/plans/{plan.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Hair loss: minoxidil" in body
    assert "pregnant" not in body
    assert "Screening" not in body


def test_activate_on_the_page_explains_the_refusal(
    world: World, login: Callable[[User], Client]
) -> None:
    plan = make_plan(world.clinic)
    client = login(world.members["practitioner"])
    response = client.post(f"/treatments/plans/{plan.pk}/activate/", follow=True)
    assert "not acknowledged" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    acknowledge_all(plan, world.members["practitioner"])
    response = client.post(f"/treatments/plans/{plan.pk}/activate/", follow=True)
    assert "Plan activated" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


def test_stop_page_requires_a_reason(world: World, login: Callable[[User], Client]) -> None:
    plan = make_plan(world.clinic)
    client = login(world.members["nurse"])
    assert client.post(f"/treatments/plans/{plan.pk}/stop/", {"stop_reason": ""}).status_code == 200
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    response = client.post(f"/treatments/plans/{plan.pk}/stop/", {"stop_reason": "Changed mind."})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.STOPPED


def test_plan_pages_are_audited_as_reads(world: World, login: Callable[[User], Client]) -> None:
    plan = make_plan(world.clinic)
    client = login(world.members["nurse"])
    client.get(f"/treatments/plans/{plan.pk}/")
    client.get(f"/treatments/patients/{plan.patient_id}/plans/")
    view = AuditEvent.objects.get(object_type="treatment_plan", action="view")
    assert (view.patient_id, view.details["part"]) == (plan.patient_id, "plan+screening")
    listing = AuditEvent.objects.get(object_type="treatment_plan", action="list")
    assert listing.details["shown"] == [plan.pk]


def test_plan_list_pages_do_not_grow_with_plans(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["front_desk"])

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/treatments/plans/").status_code == 200
        return len(captured)

    make_plan(world.clinic)
    few = count()
    for n in range(6):
        make_plan(world.clinic, patient=make_patient(world.clinic, family_name=f"Roux{n}"))
    assert count() == few
