"""Every plan the demo marks completed has its audit row, written in the same transaction."""

from __future__ import annotations

from typing import Any

import pytest

from mesotrace.audit.models import AuditEvent
from mesotrace.demo.generator import generate_demo
from mesotrace.outcomes.models import SplitBodyAllocation
from mesotrace.treatments.models import PlanStatus, TreatmentPlan
from tests.conftest import World
from tests.outcomes.builders import demo_cohort

pytestmark = pytest.mark.django_db(databases=["default"])


def _unaudited_completions() -> list[int]:
    audited = {
        int(e.object_id)
        for e in AuditEvent.objects.filter(object_type="treatment_plan", action="update")
        if e.changes.get("status", {}).get("after") == PlanStatus.COMPLETED
    }
    completed = TreatmentPlan.objects.filter(status=PlanStatus.COMPLETED)
    return sorted(set(completed.values_list("pk", flat=True)) - audited)


def test_demo_cohort_completes_its_plans_with_an_audit_row(world: World) -> None:
    cohort, _protocol = demo_cohort(world.clinic, patients=6)
    completed = TreatmentPlan.objects.filter(status=PlanStatus.COMPLETED)
    assert completed.count() == cohort.patients == 6
    assert _unaudited_completions() == []
    event = AuditEvent.objects.filter(object_type="treatment_plan", action="update").first()
    assert event is not None
    assert event.changes["status"] == {"before": "draft", "after": "completed"}
    assert set(event.changes) == {"status", "activated_at", "ended_at"}
    plan = completed.first()
    assert plan is not None
    assert plan.activated_at is not None
    assert plan.activated_at < plan.created_at  # the course is dated in the past
    assert SplitBodyAllocation.objects.filter(plan__in=completed).count() == 6


def test_generated_demo_has_no_completed_plan_without_its_audit_row(db: Any) -> None:
    generate_demo(patients_per_clinic=30)
    assert TreatmentPlan.objects.filter(status=PlanStatus.COMPLETED).count() >= 30
    assert _unaudited_completions() == []
