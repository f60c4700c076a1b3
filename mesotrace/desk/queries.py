"""Reads of the pages composed from several apps: the patient record, its reading audited."""

from __future__ import annotations

from mesotrace.accounts.access import Actor, clinic_object_or_404
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.catalogue.models import Allergen
from mesotrace.patients.models import Allergy, Patient
from mesotrace.treatments.queries.plans import allergy_codes
from mesotrace.treatments.rules.screening import coded_allergens


def read_patient_record(
    actor: Actor, clinic: Clinic, patient_id: int, *, clinical: bool
) -> Patient:
    """The clinic's patient (else 404); the reading of the parts shown is audited."""
    patient = clinic_object_or_404(Patient.objects.all(), clinic, pk=patient_id)
    part = "demographics+clinical" if clinical else "demographics"
    audit.record_read(actor, patient, details={"part": part})
    return patient


def allergy_coding(patient: Patient) -> list[tuple[Allergy, list[Allergen]]]:
    """Each recorded allergy with the catalogue substances or classes its words name; an
    empty list is an allergy not matched to a substance, which screening asks to review."""
    allergies = list(patient.allergies.all())
    codes = allergy_codes() if allergies else []
    return [(allergy, coded_allergens(allergy.substance, codes)) for allergy in allergies]
