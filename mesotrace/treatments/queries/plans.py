"""Plan reads: the clinic's plans, one plan, its screening, the protocols to choose from, and
the patient a new plan is for. Every read of patient data is audited here."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.catalogue.models import Allergen, Protocol, contraindications_for
from mesotrace.catalogue.queries import lipolytic_protocol_ids, protocol_allowed, rules_for
from mesotrace.catalogue.rules import Decision
from mesotrace.core.api import Paging, paginate
from mesotrace.core.clock import clinic_today
from mesotrace.patients.models import Allergy, Patient
from mesotrace.patients.queries import patient_query
from mesotrace.treatments.models import ScreeningAcknowledgement, TreatmentPlan
from mesotrace.treatments.rules.screening import (
    ScreenedWarning,
    ScreeningFacts,
    ScreeningWarning,
    screen,
)

PAGE_SIZE = 50


def plans(clinic: Clinic) -> QuerySet[TreatmentPlan]:
    """The clinic's plans with everything a plan's page or answer shows, in fixed queries."""
    return (
        TreatmentPlan.objects.for_clinic(clinic)
        .select_related(
            "patient", "protocol", "protocol__indication", "indication", "practitioner", "clinic"
        )
        .prefetch_related("zones", "goals")
    )


def _matching(
    clinic: Clinic, patient_id: int | None, status: str | None
) -> QuerySet[TreatmentPlan]:
    found = plans(clinic)
    if patient_id is not None:
        found = found.filter(patient_id=patient_id)
    return found if status is None else found.filter(status=status)


def plan_page(
    actor: Actor, clinic: Clinic, paging: Paging, *, patient_id: int | None, status: str | None
) -> tuple[list[TreatmentPlan], int]:
    """A page of the clinic's plans (one patient's, in one status), and how many; audited."""
    rows, total = paginate(_matching(clinic, patient_id, status), paging)
    audit.record_list(actor, ObjectType.TREATMENT_PLAN, rows, total=total)
    return rows, total


def plan_list_page(
    actor: Actor, clinic: Clinic, number: str | None, *, patient_id: int | None, status: str | None
) -> Page[TreatmentPlan]:
    """Page `number` of the plan list pages (a bad number gives the nearest page); audited."""
    page = Paginator(_matching(clinic, patient_id, status), PAGE_SIZE).get_page(number)
    audit.record_list(actor, ObjectType.TREATMENT_PLAN, list(page), total=page.paginator.count)
    return page


def read_plan(actor: Actor, clinic: Clinic, plan_id: int, part: str) -> TreatmentPlan:
    """The clinic's plan (404 for any other), its read audited as `part` of the record."""
    plan = get_object_or_404(plans(clinic), pk=plan_id)
    audit.record_read(actor, plan, details={"part": part})
    return plan


def screen_patient(patient: Patient, protocol: Protocol, clinic: Clinic) -> list[ScreeningWarning]:
    """Every warning the patient's record raises against the protocol (`rules.screening`)."""
    allergies = list(patient.allergies.prefetch_related("allergens"))
    facts = ScreeningFacts(
        patient=patient,
        protocol=protocol,
        clinic=clinic,
        compounds=list(protocol.compounds()),
        contraindications=list(contraindications_for(protocol)),
        allergies=allergies,
        medications=list(patient.medications.all()),
        jurisdiction=protocol_allowed(protocol, clinic),
        today=clinic_today(clinic),
        allergens=allergy_codes() if allergies else [],
    )
    return screen(facts)


def allergy_codes() -> list[Allergen]:
    """The catalogue's allergy codes with their compounds and classes, in four queries."""
    return list(
        Allergen.objects.select_related("source", "member_of", "member_of__source")
        .prefetch_related("compounds", "member_of__compounds")
        .order_by("slug")
    )


def screening_for(plan: TreatmentPlan) -> list[ScreenedWarning]:
    """The plan's warnings now, each with its acknowledgement when one matches what is shown."""
    acknowledged = {
        ack.fingerprint: ack
        for ack in ScreeningAcknowledgement.objects.for_clinic(plan.clinic)
        .filter(plan=plan)
        .select_related("acknowledged_by")
    }
    return [
        ScreenedWarning(w, None if w.blocking else acknowledged.get(w.fingerprint))
        for w in screen_patient(plan.patient, plan.protocol, plan.clinic)
    ]


def protocol_choices(clinic: Clinic) -> QuerySet[Protocol]:
    return (
        Protocol.objects.visible_to(clinic)
        .select_related("indication")
        .order_by("indication__name", "name")
    )


def allowed_map(clinic: Clinic, protocols: QuerySet[Protocol]) -> dict[int, Decision]:
    """Each protocol's jurisdiction decision, in a fixed number of queries."""
    rules = rules_for(clinic)
    lipolytic = lipolytic_protocol_ids(protocols)
    return {
        p.pk: protocol_allowed(p, clinic, rules=rules, is_lipolytic=p.pk in lipolytic)
        for p in protocols
    }


def patients_to_plan(actor: Actor, clinic: Clinic, query: str) -> list[Patient]:
    """The clinic's patients a search finds, to start a plan for; the search is audited."""
    found = list(
        Patient.objects.for_clinic(clinic).filter(patient_query(query, clinic))[:PAGE_SIZE]
    )
    audit.record_list(actor, ObjectType.PATIENT, found, total=len(found), query=query)
    return found


def unmatched_allergies(actor: Actor, clinic: Clinic) -> dict[str, int]:
    """The clinic's recorded allergies coded to no catalogue substance or class, as the words
    written with how many records hold them; the read is audited as one export."""
    rows = Allergy.objects.for_clinic(clinic).filter(allergens=None)
    counts: dict[str, int] = {}
    for substance in rows.values_list("substance", flat=True):
        counts[substance] = counts.get(substance, 0) + 1
    details = {"report": "unmatched_allergies", "count": sum(counts.values())}
    audit.record(actor, AuditAction.EXPORT, ObjectType.PATIENT, clinic=clinic, details=details)
    return dict(sorted(counts.items()))
