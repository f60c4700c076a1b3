"""Small builders for consent tests: a plan's document signed by the patient and countersigned."""

from __future__ import annotations

from mesotrace.accounts.models import User
from mesotrace.audit.actor import Actor
from mesotrace.consent import services
from mesotrace.consent.models import ConsentSignature
from mesotrace.treatments.models import TreatmentPlan
from tests.plan_builders import actor_for


def signed_consent(plan: TreatmentPlan, clinician: User | None = None) -> ConsentSignature:
    """The plan's current document, signed by its patient and countersigned by `clinician`."""
    clinician = clinician or plan.practitioner.user
    actor: Actor = actor_for(clinician, plan.clinic) if clinician else Actor.system("test")
    document = services.generate_consent(actor, plan)
    name = f"{plan.patient.given_name} {plan.patient.family_name}"
    signature = services.sign_consent(actor, document, name, agreed=True)
    return services.countersign_consent(actor, signature)
