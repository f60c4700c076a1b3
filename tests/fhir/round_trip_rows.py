"""The two clinics' database rows after a round trip, paired through `fhir.ImportedRecord` and
compared field by field; each model names the fields allowed to differ, and why."""

from __future__ import annotations

from typing import Any

from django.db import models

from mesotrace.accounts.models import Clinic
from mesotrace.charting.models import SessionPhoto
from mesotrace.consent.models import ConsentDocument, ConsentSignature
from mesotrace.inventory.models import Lot
from mesotrace.outcomes.models import LifestyleLog, Measurement, SplitBodyAllocation
from mesotrace.patients.models import Allergy, Medication, Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.safety.models import AdverseEvent, AdverseEventFollowUp
from mesotrace.treatments.models import (
    Appointment,
    Injection,
    InjectionComponent,
    PlanGoal,
    ScreeningAcknowledgement,
    TreatmentPlan,
    TreatmentSession,
)

# Every row has these: its own id, the clinic holding it, and when it was written there.
BOOKKEEPING = {"id", "clinic", "created_at", "updated_at"}
# What may differ, model by model, beyond BOOKKEEPING, with the reason.
ALLOWED: dict[type[models.Model], dict[str, str]] = {
    Patient: {
        "record_number": "each clinic numbers its own patients",
    },
    Allergy: {},
    Medication: {},
    TreatmentPlan: {
        "created_by": "a user account of the exporting clinic (who clicked)",
        "activated_at": "when the importing clinic set the status, audited as imported",
        "ended_at": "when the importing clinic set the status, audited as imported",
    },
    PlanGoal: {},
    ScreeningAcknowledgement: {
        "acknowledged_by": "a user account (who clicked); the practitioner travels",
    },
    SplitBodyAllocation: {
        "allocated_by": "a user account (who clicked); when it was drawn travels",
        "revealed_by": "a user account (who clicked); when it was revealed travels",
    },
    Appointment: {},
    TreatmentSession: {
        "signed_at": "the importing clinic's signing of the imported chart (audited)",
        "signed_by": "a user account (who clicked)",
        "charted_by": "a user account (who clicked)",
        "idempotency_key": "the request key of the clinic that charted it",
        "request_fingerprint": "the request fingerprint of the clinic that charted it",
    },
    Injection: {},
    InjectionComponent: {
        "movement": "the stock movement is the importing clinic's own draw from the lot",
    },
    Lot: {
        "received_by": "a user account (who clicked)",
        "status_changed_at": "when the importing clinic set the status (audited)",
        "status_changed_by": "a user account (who clicked)",
    },
    Measurement: {
        "assessor": "a user account (who measured); blinding travels",
    },
    LifestyleLog: {
        "entered_by_user": "a user account (who typed it); staff or patient travels",
    },
    AdverseEvent: {
        "recorded_by": "a user account (who clicked)",
    },
    AdverseEventFollowUp: {
        "by": "a user account (who wrote the follow-up)",
    },
    ConsentDocument: {
        "generated_by": "a user account (who clicked)",
    },
    ConsentSignature: {
        "ip": "the signing device's network address stays with the clinic that saw it",
        "user_agent": "the signing device's browser stays with the clinic that saw it",
        "countersigned_by": "a user account; the countersigning time and name travel",
    },
    SessionPhoto: {
        "file": "stored under the importing clinic's own name; the bytes are compared",
        "uploaded_by": "a user account (who clicked)",
        "consent": "the photo consent is the patient's, kept by each clinic",
    },
    Practitioner: {
        "user": "a user account: the importing clinic links its own",
    },
}
# Resource type each model's rows are paired by, in ImportedRecord.
PAIRED_BY = {
    Patient: "Patient",
    Practitioner: "Practitioner",
    TreatmentPlan: "CarePlan",
    Appointment: "Appointment",
    TreatmentSession: "Procedure",
    InjectionComponent: "MedicationAdministration",
    Lot: "Medication",
    Measurement: "Observation",
    LifestyleLog: "QuestionnaireResponse",
    AdverseEvent: "AdverseEvent",
    ConsentSignature: "Consent",
    SessionPhoto: "DocumentReference",
}

Pairs = dict[type[models.Model], dict[int, int]]


def pairs(source: Clinic, ids: dict[tuple[str, str], str]) -> Pairs:
    """Each model's exporting pk → importing pk."""
    found: Pairs = {
        model: {int(pk): int(mine) for (kind, pk), mine in ids.items() if kind == name}
        for model, name in PAIRED_BY.items()
    }
    found[Injection] = _through(InjectionComponent, "injection_id", found[InjectionComponent])
    found[ConsentDocument] = _through(ConsentSignature, "document_id", found[ConsentSignature])
    found[PlanGoal] = _in_order(PlanGoal, "plan_id", found[TreatmentPlan])
    found[ScreeningAcknowledgement] = _by_text(
        ScreeningAcknowledgement, "fingerprint", found[TreatmentPlan], "plan_id"
    )
    found[SplitBodyAllocation] = _in_order(SplitBodyAllocation, "plan_id", found[TreatmentPlan])
    found[AdverseEventFollowUp] = _in_order(AdverseEventFollowUp, "event_id", found[AdverseEvent])
    found[Allergy] = _by_text(Allergy, "substance", found[Patient])
    found[Medication] = _by_text(Medication, "name", found[Patient])
    return found


def _through(model: type[models.Model], name: str, known: dict[int, int]) -> dict[int, int]:
    rows = dict(
        model._default_manager.filter(pk__in=[*known, *known.values()]).values_list("pk", name)
    )
    return {rows[a]: rows[b] for a, b in known.items()}


def _in_order(model: type[models.Model], name: str, owners: dict[int, int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for a, b in owners.items():
        mine = (
            model._default_manager.filter(**{name: a}).order_by("pk").values_list("pk", flat=True)
        )
        theirs = (
            model._default_manager.filter(**{name: b}).order_by("pk").values_list("pk", flat=True)
        )
        found.update(zip(mine, theirs, strict=False))
    return found


def _by_text(
    model: type[models.Model], text: str, owners: dict[int, int], owner: str = "patient_id"
) -> dict[int, int]:
    found: dict[int, int] = {}
    for a, b in owners.items():
        theirs = dict(model._default_manager.filter(**{owner: b}).values_list(text, "pk"))
        for pk, words in model._default_manager.filter(**{owner: a}).values_list("pk", text):
            if words in theirs:
                found[pk] = theirs[words]
    return found


def differences(source: Clinic, target: Clinic, paired: Pairs) -> list[str]:
    """Every field of every model that did not come back, named model.field (row pk)."""
    problems: list[str] = []
    for model, allowed in ALLOWED.items():
        rows = model._default_manager.filter(clinic=source)
        mine = paired[model]
        came = model._default_manager.filter(clinic=target).count()
        if rows.count() != came:
            problems.append(f"{model.__name__}: {rows.count()} rows, {came} came back")
        for row in rows:
            twin = model._default_manager.filter(clinic=target, pk=mine.get(row.pk)).first()
            if twin is None:
                problems.append(f"{model.__name__} {row.pk}: did not come back")
                continue
            problems += _row_differences(row, twin, set(allowed) | BOOKKEEPING, paired)
    return problems


def _row_differences(
    row: models.Model, twin: models.Model, allowed: set[str], paired: Pairs
) -> list[str]:
    found = []
    for field in row._meta.get_fields():
        if not field.concrete or field.name in allowed:
            continue
        a, b = _value(row, field, paired), _value(twin, field, None)
        if a != b:
            found.append(f"{type(row).__name__}.{field.name} ({row.pk}): {a!r} came back {b!r}")
    return found


def _value(row: models.Model, field: Any, paired: Pairs | None) -> Any:
    """The field's value; a reference to a paired model in importing pks when `paired`."""
    if field.many_to_many:
        pks = getattr(row, field.name).values_list("pk", flat=True)
        return sorted(_mapped(field.related_model, pk, paired) for pk in pks)
    if field.is_relation:
        return _mapped(field.related_model, getattr(row, field.attname), paired)
    value = getattr(row, field.attname)
    if isinstance(field, models.FileField):
        return value.open("rb").read() if value else b""
    return bytes(value) if isinstance(value, memoryview) else value


def _mapped(model: Any, pk: Any, paired: Pairs | None) -> Any:
    if paired is None or model not in paired or pk is None:
        return pk
    return paired[model].get(pk, f"unpaired {pk}")
