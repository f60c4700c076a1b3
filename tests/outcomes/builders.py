"""Small builders for outcomes tests: a split-body plan and a measured demo-like cohort."""

from __future__ import annotations

import datetime
from collections.abc import Hashable
from typing import Any

import pandas as pd
from django.utils import timezone

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import BodyZone, Protocol
from mesotrace.demo.outcomes import (
    VISIT_DAYS,
    DemoCohort,
    SimulatedCourse,
    give_demo_cohort,
    record_simulated_course,
)
from mesotrace.outcomes import services
from mesotrace.outcomes.models import MeasurementType
from mesotrace.outcomes.queries.measurements import measurement_type
from mesotrace.outcomes.shipped import sync_shipped_types
from mesotrace.treatments.models import TreatmentPlan
from tests.conftest import SYSTEM, World, make_patient, make_practitioner
from tests.treatments.builders import ensure_starter_catalogue, make_plan

HEAVY_LEGS = "heavy-legs-troxerutin-melilotus"  # lower-leg, allowed in France


def ensure_measurement_types() -> None:
    """Reloads the shipped measurement types after a transactional test's flush."""
    if not MeasurementType.objects.exists():
        sync_shipped_types(MeasurementType)


def demo_cohort(clinic: Clinic, patients: int = 30, seed: int = 7) -> tuple[DemoCohort, Protocol]:
    ensure_starter_catalogue()
    make_practitioner(clinic)
    for index in range(patients):
        make_patient(clinic, given_name=f"Synthetic{index}", family_name="Zyxcohort")
    cohort = give_demo_cohort(clinic, seed, Actor.system("test"), patients=patients)
    return cohort, Protocol.objects.get(pk=cohort.protocol_id)


def sweep_entries(world: World) -> dict[str, int]:
    return {}


LEGS_COURSE: dict[str, Any] = {"planned_sessions": 4, "interval_days": 21}  # protocol has none


def split_cohort(
    clinic: Clinic,
    protocol: Protocol,
    frame: pd.DataFrame,
    *,
    outcome: str = "calf-circumference",
    lifestyle: bool = True,
    weight: bool = False,
    label: str = "Cohort",
) -> list[TreatmentPlan]:
    """Records a simulated split-body cohort (`simulate_split_body`) on `protocol`.

    One synthetic patient and plan per simulated patient; the simulated treated side is
    put on the side the plan's allocation drew; values are stored to 0.01 cm. With
    `lifestyle`, one log per visit (diet, exercise and, with `weight`, a synthetic weight).
    """
    ensure_starter_catalogue()
    kind = measurement_type(outcome)
    zone = BodyZone.objects.get(slug="lower-leg")
    visits = int(frame["visit"].max()) + 1
    start = timezone.now() - datetime.timedelta(days=VISIT_DAYS * (visits - 1) + 2)
    course = SimulatedCourse(kind, zone, start, decimals=2)
    plans = []
    for number, (_name, rows) in enumerate(frame.groupby("patient", sort=True)):
        patient = make_patient(clinic, given_name=f"{label}{number}", family_name="Zyxsim")
        plan = make_plan(clinic, patient, protocol, **LEGS_COURSE)
        allocation = services.allocate_split_body(SYSTEM, plan)
        weigh = synthetic_weight if weight else no_weight
        record_simulated_course(
            SYSTEM, plan, allocation, rows, course, weight=weigh if lifestyle else None
        )
        plans.append(plan)
    return plans


def synthetic_weight(row: dict[Hashable, Any]) -> float:
    """70 kg at the start, losing up to 4 kg with diet adherence and a visit wobble."""
    wobble = 0.3 * ((int(row["visit"]) * 7) % 3 - 1)
    return round(70.0 - 4.0 * float(row["diet_adherence"]) * float(row["time"]) + wobble, 1)


def no_weight(row: dict[Hashable, Any]) -> float | None:
    """No weight on the log."""
    return None


def stored(frame: pd.DataFrame) -> pd.DataFrame:
    """The simulated frame as the database holds it: values to 0.01 cm."""
    return frame.assign(value=frame["value"].round(2))
