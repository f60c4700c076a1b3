"""Demo plans: each demo clinic gets opening hours and plans through screening to booked courses."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from mesotrace.accounts.models import Clinic
from mesotrace.demo.generator import generate_demo
from mesotrace.demo.treatments import DemoRefused, give_demo_plans
from mesotrace.treatments.models import (
    Appointment,
    OpeningHours,
    PlanStatus,
    ScreeningAcknowledgement,
    TreatmentPlan,
)
from mesotrace.treatments.queries.plans import screening_for
from mesotrace.treatments.rules.screening import open_warnings


def _plans_for(seed: int) -> list[tuple[str, str, str, str]]:
    with transaction.atomic():
        generate_demo(seed=seed, patients_per_clinic=20)
        # Sorted whole: a patient may hold two plans, which no column orders between runs.
        plans = sorted(
            (p.clinic.slug, p.patient.record_number, p.protocol.slug, str(p.price_per_session))
            for p in TreatmentPlan.objects.select_related("clinic", "patient", "protocol")
        )
        transaction.set_rollback(True)
    return plans


def test_each_demo_clinic_gets_hours_plans_and_booked_courses(db: Any) -> None:
    summary = generate_demo(seed=7, patients_per_clinic=20)
    assert [(c.slug, c.plans) for c in summary.clinics] == [("lumiere", 6), ("vita", 6)]
    assert all(c.appointments > 0 for c in summary.clinics)
    for clinic in Clinic.objects.all():
        assert OpeningHours.objects.for_clinic(clinic).exists()
        plans = TreatmentPlan.objects.for_clinic(clinic)
        # Five from the plans demo; the safety demo may start one more course to plant its
        # lot cluster (a second patient on the same lot), through the same services.
        assert plans.filter(status=PlanStatus.ACTIVE).count() in (5, 6)
        draft = plans.get(status=PlanStatus.DRAFT)
        assert open_warnings(screening_for(draft))  # left open to show the screening
        for plan in plans.filter(status=PlanStatus.ACTIVE):
            assert not open_warnings(screening_for(plan))
            assert Appointment.objects.filter(plan=plan).count() == plan.planned_sessions
    assert ScreeningAcknowledgement.objects.exists()
    france = Clinic.objects.get(slug="lumiere")
    banned = {"gynoid-fat-pc-dc", "submental-deoxycholic-acid"}
    assert not TreatmentPlan.objects.for_clinic(france).filter(protocol__slug__in=banned).exists()


def test_demo_plans_are_the_same_for_the_same_seed(db: Any) -> None:
    assert _plans_for(11) == _plans_for(11)


def test_a_clinic_with_plans_is_left_alone(db: Any) -> None:
    generate_demo(seed=3, patients_per_clinic=12)
    clinic = Clinic.objects.get(slug="vita")
    give_demo_plans(clinic, seed=3)
    before = TreatmentPlan.objects.count()
    assert give_demo_plans(clinic, seed=3).plans == 0
    assert TreatmentPlan.objects.count() == before


def test_demo_plans_are_refused_in_production(db: Any, settings: Any) -> None:
    generate_demo(seed=3, patients_per_clinic=12)
    settings.ENVIRONMENT = "production"
    with pytest.raises(DemoRefused):
        give_demo_plans(Clinic.objects.get(slug="vita"))
