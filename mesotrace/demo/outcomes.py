"""The demo split-body cohort: patients on one protocol, measured over four visits, with a
known simulated effect (`simulate_split_body`), so the evidence report shows something real.

Call after the demo patients and practitioners exist. Sides are allocated through
`allocate_split_body` (secrets), and the simulation's treated side is put on the drawn side.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.catalogue.models import BodyZone, Protocol
from mesotrace.catalogue.queries import protocol_allowed
from mesotrace.evidence import simulate_split_body
from mesotrace.outcomes import services
from mesotrace.outcomes.models import MeasurementType, SplitBodyAllocation
from mesotrace.outcomes.queries.measurements import measurement_type
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import PlanStatus, TreatmentPlan
from mesotrace.treatments.services import plans

# The first protocol the clinic's jurisdiction allows, with the side-paired zone measured.
CHOICES = (
    ("cellulite-caffeine-artichoke-silicon", "thigh", "thigh-circumference"),
    ("heavy-legs-troxerutin-melilotus", "lower-leg", "calf-circumference"),
)
PATIENTS = 30
VISITS = 4
VISIT_DAYS = 21
TRUE_EFFECT = -1.5  # cm, treated minus control over the course
LIFESTYLE_CHANGE = -2.0  # cm, shared by both sides
BASE_WEIGHT_KG = 72.0  # synthetic body weight at the first visit, population mean
WEIGHT_LOSS_KG = -3.0  # kg by the end of the course at mean diet adherence (synthetic)


# A recent body weight for every patient on an active plan, so charting a drug limited per
# kg (lidocaine) works in the demo: charting.rules.WEIGHT_WINDOW_DAYS counts back from the
# session, and demo sessions are charted a week ago.
WEIGHED_DAYS_AGO = 10


@transaction.atomic
def give_demo_weights(clinic: Clinic, seed: int, actor: Actor) -> int:
    """A synthetic body weight, WEIGHED_DAYS_AGO days ago, for each patient on an active plan."""
    kind = measurement_type("body-weight")
    when = timezone.now() - datetime.timedelta(days=WEIGHED_DAYS_AGO)
    ids = (
        TreatmentPlan.objects.for_clinic(clinic)
        .filter(status=PlanStatus.ACTIVE)
        .values_list("patient_id", flat=True)
    )
    patients = list(Patient.objects.for_clinic(clinic).filter(pk__in=ids).order_by("pk"))
    weights = np.random.default_rng(seed).normal(BASE_WEIGHT_KG, 10.0, len(patients))
    for patient, kg in zip(patients, weights, strict=True):
        value = round(float(min(max(kg, 48.0), 120.0)), 1)
        services.record_measurement(actor, patient, kind, value, "kg", measured_at=when)
    return len(patients)


@dataclass(frozen=True)
class DemoCohort:
    protocol_id: int
    patients: int
    measurements: int
    true_effect: float
    lifestyle_change: float


@transaction.atomic
def give_demo_cohort(
    clinic: Clinic, seed: int, actor: Actor, patients: int = PATIENTS
) -> DemoCohort:
    protocol, zone_slug, outcome = _allowed_choice(clinic)
    practitioner = Practitioner.objects.for_clinic(clinic).filter(is_active=True).first()
    assert practitioner is not None  # every demo clinic has its practitioners by now
    chosen = list(Patient.objects.for_clinic(clinic).order_by("pk")[:patients])
    frame = simulate_split_body(
        len(chosen), TRUE_EFFECT, LIFESTYLE_CHANGE, 0.5, 4.0, 0.0, visits=VISITS, seed=seed
    )
    weights = np.random.default_rng(seed).normal(BASE_WEIGHT_KG, 8.0, len(chosen))
    zone = BodyZone.objects.get(slug=zone_slug)
    kind = measurement_type(outcome)
    start = timezone.now() - datetime.timedelta(days=VISIT_DAYS * (VISITS - 1) + 1)
    count = 0
    for index, patient in enumerate(chosen):
        chosen_plan = plans.PlanInput(
            protocol=protocol,
            practitioner=practitioner,
            price_per_session=Decimal("90"),
            planned_sessions=VISITS,
            interval_days=VISIT_DAYS,
        )
        plan = plans.create_plan(actor, clinic, patient, chosen_plan)
        allocation = services.allocate_split_body(actor, plan, blinding=True)
        rows = frame[frame["patient"] == f"P{index + 1:04d}"]
        course = SimulatedCourse(kind, zone, start, decimals=1)
        count += record_simulated_course(
            actor, plan, allocation, rows, course, weight=partial(_weight, weights[index])
        )
        _complete_past_course(actor, plan, start)
    return DemoCohort(protocol.pk, len(chosen), count, TRUE_EFFECT, LIFESTYLE_CHANGE)


@dataclass(frozen=True)
class SimulatedCourse:
    """Where and when a simulated course is measured, and to how many decimals (cm)."""

    kind: MeasurementType
    zone: BodyZone
    start: datetime.datetime
    decimals: int


def record_simulated_course(
    actor: Actor,
    plan: TreatmentPlan,
    allocation: SplitBodyAllocation,
    rows: pd.DataFrame,
    course: SimulatedCourse,
    *,
    weight: Callable[[dict[Hashable, Any]], float | None] | None,
) -> int:
    """One simulated patient's visits (`simulate_split_body` rows) as blinded measurements,
    the simulated treated side on the side the allocation drew, with a lifestyle log per
    visit when `weight` is given (it gives the synthetic weight, or None). Returns how many
    measurements were recorded."""
    count = 0
    row: dict[Hashable, Any]
    for row in rows.to_dict("records"):
        when = course.start + datetime.timedelta(days=VISIT_DAYS * int(row["visit"]))
        side = allocation.treated_side if row["side"] == "treated" else allocation.control_side
        services.record_measurement(
            actor,
            plan.patient,
            course.kind,
            round(float(row["value"]), course.decimals),
            "cm",
            measured_at=when,
            plan=plan,
            zone=course.zone,
            side=side,
            assessor_blinded=True,
        )
        count += 1
        if weight is not None and row["side"] == "treated":
            services.log_lifestyle(
                actor,
                plan.patient,
                when.date(),
                round(float(row["diet_adherence"]) * 100),
                round(float(row["exercise_minutes"])),
                weight(row),
            )
    return count


def _weight(base: float, row: dict[Hashable, Any]) -> float:
    """Synthetic body weight: falls with diet adherence over the course."""
    loss = WEIGHT_LOSS_KG * float(row["diet_adherence"]) / 0.75 * float(row["time"])
    return round(float(base) + loss, 1)


def _complete_past_course(actor: Actor, plan: TreatmentPlan, start: datetime.datetime) -> None:
    """The course's visits are in the past: mark it completed, dated, with its audit row.

    `complete_plan` would date it now and needs an active plan; the demo writes the same
    change with the course's real dates, and audits it in the same transaction.
    """
    before = audit.snapshot(plan, ["status", "activated_at", "ended_at"])
    plan.status = PlanStatus.COMPLETED
    plan.activated_at = start
    plan.ended_at = timezone.now()
    plan.save(update_fields=["status", "activated_at", "ended_at", "updated_at"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        plan,
        changes=audit.diff(before, audit.snapshot(plan, ["status", "activated_at", "ended_at"])),
        details={"demo": "split-body course completed in the past"},
    )


def _allowed_choice(clinic: Clinic) -> tuple[Protocol, str, str]:
    for slug, zone, outcome in CHOICES:
        protocol = Protocol.objects.shipped().get(slug=slug)
        if protocol_allowed(protocol, clinic).allowed:
            return protocol, zone, outcome
    raise LookupError(f"No demo split-body protocol is allowed in {clinic.jurisdiction}")
