"""Small builders for outcomes tests: a split-body plan and a measured demo-like cohort."""

from __future__ import annotations

from mesotrace.accounts.models import Clinic
from mesotrace.audit.actor import Actor
from mesotrace.catalogue.models import Protocol
from mesotrace.outcomes.demo import DemoCohort, give_demo_cohort
from tests.conftest import World, make_patient, make_practitioner
from tests.plan_builders import ensure_starter_catalogue

HEAVY_LEGS = "heavy-legs-troxerutin-melilotus"  # lower-leg, allowed in France


def demo_cohort(clinic: Clinic, patients: int = 30, seed: int = 7) -> tuple[DemoCohort, Protocol]:
    ensure_starter_catalogue()
    make_practitioner(clinic)
    for index in range(patients):
        make_patient(clinic, given_name=f"Synthetic{index}", family_name="Zyxcohort")
    cohort = give_demo_cohort(clinic, seed, Actor.system("test"), patients=patients)
    return cohort, Protocol.objects.get(pk=cohort.protocol_id)


def sweep_entries(world: World) -> dict[str, int]:
    return {}


LEGS_COURSE = {"planned_sessions": 4, "interval_days": 21}  # the protocol gives none
