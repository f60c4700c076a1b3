"""Patient writes. Every write is one transaction with its audit row.

Input is one `PatientInput`: on a change, a part left `None` stays as it is.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.catalogue.models import Allergen
from mesotrace.catalogue.rules import coded_allergens
from mesotrace.core.models import next_number
from mesotrace.patients.models import (
    CLINICAL_FIELDS,
    DEMOGRAPHIC_FIELDS,
    Allergy,
    Medication,
    Patient,
    Severity,
    clinic_language,
)

ALLERGY_FIELDS = ["substance", "reaction", "severity"]
MEDICATION_FIELDS = ["name", "dose", "is_anticoagulant"]


@dataclass(frozen=True)
class AllergyInput:
    substance: str
    reaction: str = ""
    severity: str = Severity.UNKNOWN


@dataclass(frozen=True)
class MedicationInput:
    name: str
    dose: str = ""
    is_anticoagulant: bool = False


@dataclass(frozen=True)
class PatientInput:
    """A patient's demographics, clinical record, allergies and medications.

    On registration a field left `None` takes the record's default; on a change it stays
    as it is. Allergies and medications, when given, replace the patient's whole list.
    """

    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: datetime.date | None = None
    sex: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    medical_history: str | None = None
    pregnancy_status: str | None = None
    preferred_language: str | None = None
    allergies: Sequence[AllergyInput] | None = None
    medications: Sequence[MedicationInput] | None = None


def _state(patient: Patient) -> dict[str, Any]:
    state = audit.snapshot(patient, DEMOGRAPHIC_FIELDS + CLINICAL_FIELDS)
    state["allergies"] = [
        _allergy_state(a) for a in patient.allergies.prefetch_related("allergens")
    ]
    state["medications"] = [audit.snapshot(m, MEDICATION_FIELDS) for m in patient.medications.all()]
    return state


def _allergy_state(allergy: Allergy) -> dict[str, Any]:
    state = audit.snapshot(allergy, ALLERGY_FIELDS)
    state["coded_as"] = sorted(a.slug for a in allergy.allergens.all())
    return state


def _assign(patient: Patient, data: PatientInput) -> None:
    for name in DEMOGRAPHIC_FIELDS + CLINICAL_FIELDS:
        value = getattr(data, name)
        if value is not None:
            setattr(patient, name, value)


def _values(row: AllergyInput | MedicationInput) -> dict[str, Any]:
    return {field.name: getattr(row, field.name) for field in fields(row)}


def _replace_rows(
    patient: Patient,
    model: type[Allergy] | type[Medication],
    rows: Iterable[AllergyInput | MedicationInput],
    label: str,
) -> None:
    kept = _codes_by_text(patient) if model is Allergy else {}
    codes: list[Allergen] = []
    model.objects.for_clinic(patient.clinic).filter(patient=patient).delete()
    for index, row in enumerate(rows):
        item = model(clinic=patient.clinic, patient=patient, **_values(row))
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
        if isinstance(item, Allergy):
            codes = codes or list(Allergen.objects.only("id", "terms"))
            _code(item, kept, codes)


def _codes_by_text(patient: Patient) -> dict[str, list[int]]:
    """The stored codes of the patient's allergies by their words, so rewriting the list keeps
    a code chosen by hand for an allergy whose words did not change."""
    rows = Allergy.objects.for_clinic(patient.clinic).filter(patient=patient)
    return {
        a.substance: [c.pk for c in a.allergens.all()] for a in rows.prefetch_related("allergens")
    }


def _code(allergy: Allergy, kept: dict[str, list[int]], codes: list[Allergen]) -> None:
    """Codes a saved allergy: as it was before when its words are unchanged, else by the
    catalogue substances and classes its words name (none: not matched to a substance)."""
    if allergy.substance in kept:
        allergy.allergens.set(kept[allergy.substance])
    else:
        allergy.allergens.set(coded_allergens(allergy.substance, codes))


def _replace_lists(patient: Patient, data: PatientInput) -> None:
    if data.allergies is not None:
        _replace_rows(patient, Allergy, data.allergies, "allergies")
    if data.medications is not None:
        _replace_rows(patient, Medication, data.medications, "medications")


@transaction.atomic
def create_patient(actor: Actor, clinic: Clinic, data: PatientInput) -> Patient:
    # As stored now: the clinic's language may have changed since `clinic` was read.
    patient = Patient(clinic=clinic, preferred_language=clinic_language(clinic.pk))
    _assign(patient, data)
    patient.full_clean(exclude=["clinic", "record_number"])
    patient.record_number = f"{clinic.slug[:3].upper()}-{next_number(clinic, 'patient'):06d}"
    patient.save()
    _replace_lists(patient, data)
    audit.record(actor, AuditAction.CREATE, patient, changes=audit.diff({}, _state(patient)))
    return patient


@transaction.atomic
def update_patient(actor: Actor, patient: Patient, data: PatientInput) -> Patient:
    """Changes what is given; a part left `None` stays as it is."""
    before = _state(patient)
    _assign(patient, data)
    patient.full_clean(exclude=["clinic", "record_number"])
    patient.save()
    _replace_lists(patient, data)
    changes = audit.diff(before, _state(patient))
    if changes:
        audit.record(actor, AuditAction.UPDATE, patient, changes=changes)
    return patient


@transaction.atomic
def code_allergy(actor: Actor, allergy: Allergy, allergens: Sequence[Allergen]) -> Allergy:
    """Codes an allergy by hand to catalogue substances or classes (none: not matched)."""
    before = _allergy_state(allergy)
    allergy.allergens.set(allergens)
    after = _allergy_state(allergy)
    if before != after:
        changes = {"allergy_coding": {"before": before, "after": after}}
        details = {"allergy": allergy.pk}
        audit.record(actor, AuditAction.UPDATE, allergy.patient, changes=changes, details=details)
    return allergy
