"""A patient's measurements, lifestyle logs and split-body plans, as pages, the API and
charting read them; the shipped measurement types by slug.

Rows dated outside the clinic's years (stored before dates were checked, or imported) are
left out of every read: a time in year 9999 cannot even be shown in the clinic's timezone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from mesotrace.core.inputs import plausible_days, plausible_times
from mesotrace.outcomes.models import (
    LifestyleLog,
    Measurement,
    MeasurementType,
    SplitBodyAllocation,
)
from mesotrace.outcomes.rules import PointCheck, control_side_check
from mesotrace.outcomes.shipped import sync_shipped_types
from mesotrace.treatments.models import TreatmentPlan

if TYPE_CHECKING:
    from mesotrace.accounts.models import Clinic
    from mesotrace.patients.models import Patient

API_LIMIT = 1000  # the measurements one API answer lists at most


def measurement_type(slug: str) -> MeasurementType:
    """A shipped type by slug; reloads the shipped rows if a test flush took them away."""
    found = MeasurementType.objects.filter(slug=slug).first()
    if found is None:
        sync_shipped_types(MeasurementType)
        found = MeasurementType.objects.get(slug=slug)
    return found


def allocation_of(plan: TreatmentPlan | None) -> SplitBodyAllocation | None:
    if plan is None:
        return None
    return SplitBodyAllocation.objects.filter(plan=plan).first()


def split_body_rule(plan: TreatmentPlan) -> PointCheck:
    """For charting: a check of each point, refusing the control side of a split-body plan.

    One query per session; a plan that is not split-body gets a check that allows all.
    """
    return control_side_check(allocation_of(plan))


def patient_allocations(clinic: Clinic, patient: Patient) -> dict[int, SplitBodyAllocation]:
    """The patient's split-body allocations by plan id."""
    return {
        a.plan_id: a
        for a in SplitBodyAllocation.objects.for_clinic(clinic)
        .filter(plan__patient=patient)
        .select_related("plan__practitioner", "plan__protocol")
    }


def _readable(rows: QuerySet[Measurement]) -> QuerySet[Measurement]:
    return rows.filter(measured_at__range=plausible_times())


def patient_measurements(clinic: Clinic, patient: Patient) -> list[Measurement]:
    """The patient's measurements, oldest first."""
    return list(
        _readable(Measurement.objects.for_clinic(clinic).filter(patient=patient)).select_related(
            "type", "zone", "plan__practitioner"
        )
    )


def lifestyle_logs(clinic: Clinic, patient: Patient) -> list[LifestyleLog]:
    """The patient's lifestyle logs, oldest first."""
    logs = LifestyleLog.objects.for_clinic(clinic).filter(patient=patient)
    return list(logs.filter(date__range=plausible_days()))


def patient_plans(clinic: Clinic, patient: Patient) -> list[TreatmentPlan]:
    """The patient's plans, latest first, for the progress page."""
    return list(
        TreatmentPlan.objects.for_clinic(clinic)
        .filter(patient=patient)
        .select_related("protocol")
        .order_by("-created_at")
    )


def plan_allocation(clinic: Clinic, plan: TreatmentPlan) -> SplitBodyAllocation | None:
    """The plan's allocation with who allocated and revealed it, or None."""
    return (
        SplitBodyAllocation.objects.for_clinic(clinic)
        .filter(plan=plan)
        .select_related("plan__practitioner", "allocated_by", "revealed_by")
        .first()
    )


def plan_measurements(clinic: Clinic, plan: TreatmentPlan) -> list[Measurement]:
    return list(
        _readable(Measurement.objects.for_clinic(clinic).filter(plan=plan)).select_related(
            "type", "zone"
        )
    )


def listed_measurements(
    clinic: Clinic, patient_id: int | None
) -> tuple[list[Measurement], dict[int, SplitBodyAllocation]]:
    """The clinic's measurements (of one patient when given), up to `API_LIMIT`, and the
    split-body allocations of their plans by plan id."""
    rows = _readable(Measurement.objects.for_clinic(clinic)).select_related("type", "zone")
    if patient_id is not None:
        rows = rows.filter(patient_id=patient_id)
    found = list(rows[:API_LIMIT])
    allocations = {
        a.plan_id: a
        for a in SplitBodyAllocation.objects.for_clinic(clinic)
        .filter(plan_id__in={m.plan_id for m in found if m.plan_id})
        .select_related("plan__practitioner")
    }
    return found, allocations
