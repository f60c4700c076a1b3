"""Patient writes and audited reads. Every write is one transaction with its audit row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.core.models import next_number
from mesotrace.patients.models import (
    CLINICAL_FIELDS,
    DEMOGRAPHIC_FIELDS,
    Allergy,
    Medication,
    Patient,
)

ALLERGY_FIELDS = ["substance", "reaction", "severity"]
MEDICATION_FIELDS = ["name", "dose", "is_anticoagulant"]


def _state(patient: Patient) -> dict[str, Any]:
    state = audit.snapshot(patient, DEMOGRAPHIC_FIELDS + CLINICAL_FIELDS)
    state["allergies"] = [audit.snapshot(a, ALLERGY_FIELDS) for a in patient.allergies.all()]
    state["medications"] = [audit.snapshot(m, MEDICATION_FIELDS) for m in patient.medications.all()]
    return state


def _assign(patient: Patient, values: Mapping[str, Any], allowed: Sequence[str]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Unknown field."))
    for name, value in values.items():
        setattr(patient, name, value)


def _replace_rows(
    patient: Patient,
    model: type[Allergy] | type[Medication],
    rows: Iterable[Mapping[str, Any]],
    label: str,
) -> None:
    model.objects.for_clinic(patient.clinic).filter(patient=patient).delete()
    for index, row in enumerate(rows):
        item = model(clinic=patient.clinic, patient=patient, **row)
        try:
            item.full_clean(exclude=["clinic", "patient"])
        except ValidationError as error:
            raise ValidationError(
                {
                    f"{label}[{index}].{field}": messages
                    for field, messages in error.message_dict.items()
                }
            ) from None
        item.save()


@transaction.atomic
def create_patient(
    actor: Actor,
    clinic: Clinic,
    demographics: Mapping[str, Any],
    clinical: Mapping[str, Any] | None = None,
    allergies: Iterable[Mapping[str, Any]] = (),
    medications: Iterable[Mapping[str, Any]] = (),
) -> Patient:
    patient = Patient(clinic=clinic)
    _assign(patient, demographics, DEMOGRAPHIC_FIELDS)
    _assign(patient, clinical or {}, CLINICAL_FIELDS)
    patient.full_clean(exclude=["clinic", "record_number"])
    patient.record_number = f"{clinic.slug[:3].upper()}-{next_number(clinic, 'patient'):06d}"
    patient.save()
    _replace_rows(patient, Allergy, allergies, "allergies")
    _replace_rows(patient, Medication, medications, "medications")
    audit.record(
        actor,
        AuditAction.CREATE,
        ObjectType.PATIENT,
        object_id=patient.pk,
        patient_id=patient.pk,
        changes=audit.diff({}, _state(patient)),
        clinic=clinic,
    )
    return patient


@transaction.atomic
def update_patient(
    actor: Actor,
    patient: Patient,
    demographics: Mapping[str, Any] | None = None,
    clinical: Mapping[str, Any] | None = None,
    allergies: Iterable[Mapping[str, Any]] | None = None,
    medications: Iterable[Mapping[str, Any]] | None = None,
) -> Patient:
    """Changes what is given: `None` leaves a part alone; a list replaces allergies/medications."""
    before = _state(patient)
    _assign(patient, demographics or {}, DEMOGRAPHIC_FIELDS)
    _assign(patient, clinical or {}, CLINICAL_FIELDS)
    patient.full_clean(exclude=["clinic", "record_number"])
    patient.save()
    if allergies is not None:
        _replace_rows(patient, Allergy, allergies, "allergies")
    if medications is not None:
        _replace_rows(patient, Medication, medications, "medications")
    changes = audit.diff(before, _state(patient))
    if changes:
        audit.record(
            actor,
            AuditAction.UPDATE,
            ObjectType.PATIENT,
            object_id=patient.pk,
            patient_id=patient.pk,
            changes=changes,
            clinic=patient.clinic,
        )
    return patient


def record_read(actor: Actor, patient: Patient, part: str) -> None:
    """Audits that `part` ("demographics" or "clinical") of a patient's record was read."""
    # The row gives type, id, patient and clinic id: no query for the clinic on every read.
    audit.record(actor, AuditAction.VIEW, patient, details={"part": part})


def record_list(actor: Actor, query: str, shown: Sequence[int], total: int) -> None:
    """Audits a list or search: what was asked and which patients were shown."""
    audit.record(
        actor,
        AuditAction.SEARCH if query else AuditAction.LIST,
        ObjectType.PATIENT,
        details={"query": query, "shown": list(shown), "total": total},
    )
