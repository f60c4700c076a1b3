"""`/api/v1/patients`: list and search, create, read, change."""

from __future__ import annotations

import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError

from mesotrace.accounts.access import ApiRequest, TokenAuth, denial_reason
from mesotrace.audit import services as audit
from mesotrace.audit.models import ObjectType
from mesotrace.catalogue.models import Allergen
from mesotrace.core.api import (
    ERRORS,
    InSchema,
    Page,
    Paging,
    field_error,
    paginate,
    reject_unknown_query,
)
from mesotrace.patients import queries, services
from mesotrace.patients.models import (
    CLINICAL_FIELDS,
    DEMOGRAPHIC_FIELDS,
    Allergy,
    Patient,
    PregnancyStatus,
    Severity,
    Sex,
)
from mesotrace.patients.services import AllergyInput, MedicationInput, PatientInput

router = Router(tags=["patients"])

# The codes of settings.LANGUAGES, language-neutral in the API.
Language = Literal["en", "fr"]

SortKey = Literal[
    "family_name",
    "-family_name",
    "date_of_birth",
    "-date_of_birth",
    "created_at",
    "-created_at",
    "record_number",
    "-record_number",
]
_ORDER = {
    "family_name": ["family_key", "given_key", "id"],
    "date_of_birth": ["date_of_birth", "id"],
    "created_at": ["created_at", "id"],
    "record_number": ["record_number"],
}


class AllergyIn(InSchema):
    substance: str = Field(min_length=1, max_length=200)
    reaction: str = Field("", max_length=200)
    severity: Severity = Severity.UNKNOWN


class MedicationIn(InSchema):
    name: str = Field(min_length=1, max_length=200)
    dose: str = Field("", max_length=100)
    is_anticoagulant: bool = False


class AllergyOut(Schema):
    id: int
    substance: str
    reaction: str
    severity: str
    coded_as: list[str] = Field(
        description="Slugs of the catalogue substances or classes the allergy is coded to; "
        "empty: not matched to a substance (screening warns until it is coded)."
    )

    @staticmethod
    def of(allergy: Allergy) -> AllergyOut:
        codes = sorted(code.slug for code in allergy.allergens.all())
        return AllergyOut(
            id=allergy.pk,
            substance=allergy.substance,
            reaction=allergy.reaction,
            severity=allergy.severity,
            coded_as=codes,
        )


class AllergyCodingIn(InSchema):
    coded_as: list[str] = Field(
        default_factory=list,
        max_length=30,
        description="Slugs of the catalogue substances or classes; empty: not matched.",
    )


class MedicationOut(Schema):
    name: str
    dose: str
    is_anticoagulant: bool


class ClinicalOut(Schema):
    medical_history: str
    pregnancy_status: str
    allergies: list[AllergyOut]
    medications: list[MedicationOut]


class PatientOut(Schema):
    id: int
    record_number: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    sex: str
    phone: str
    email: str
    address: str
    preferred_language: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    clinical: ClinicalOut | None = None


class PatientPage(Page[PatientOut]):
    pass


class PatientPatch(InSchema):
    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    date_of_birth: datetime.date | None = None
    sex: Sex | None = None
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=300)
    preferred_language: Language | None = Field(
        None, description="What the patient reads is written in it; new patients: the clinic's"
    )
    medical_history: str | None = Field(None, max_length=10000)
    pregnancy_status: PregnancyStatus | None = None
    allergies: list[AllergyIn] | None = Field(None, max_length=100)
    medications: list[MedicationIn] | None = Field(None, max_length=100)


class PatientIn(PatientPatch):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: datetime.date
    sex: Sex


class PatientFilters(Paging):
    q: str = Field("", max_length=100, description="Name, date of birth or phone")
    sort: SortKey = "family_name"


_CLINICAL = {"medical_history", "pregnancy_status"}


def _out(patient: Patient, with_clinical: bool) -> PatientOut:
    out = PatientOut.from_orm(patient)
    if with_clinical:
        out.clinical = ClinicalOut(
            medical_history=patient.medical_history,
            pregnancy_status=patient.pregnancy_status,
            allergies=[AllergyOut.of(a) for a in patient.allergies.prefetch_related("allergens")],
            medications=[MedicationOut.from_orm(m) for m in patient.medications.all()],
        )
    return out


def _input(payload: PatientPatch) -> PatientInput:
    """What was sent; a field not sent (or null) is left as it is."""
    fields = {name: getattr(payload, name) for name in DEMOGRAPHIC_FIELDS + CLINICAL_FIELDS}
    allergies = medications = None
    if payload.allergies is not None:
        allergies = [AllergyInput(**a.dict()) for a in payload.allergies]
    if payload.medications is not None:
        medications = [MedicationInput(**m.dict()) for m in payload.medications]
    return PatientInput(**fields, allergies=allergies, medications=medications)


def _require_clinical_right(request: ApiRequest, payload: PatientPatch) -> None:
    touched = payload.model_fields_set & (_CLINICAL | {"allergies", "medications"})
    if touched and not request.membership.may("patient.change_clinical"):
        raise PermissionDenied(
            denial_reason(request.membership, "patient.change_clinical")
            + f" Clinical fields sent: {', '.join(sorted(touched))}."
        )


@router.get("/patients", response={200: PatientPage, **ERRORS}, auth=TokenAuth("patient.view"))
def list_patients(request: ApiRequest, filters: Query[PatientFilters]) -> PatientPage:
    reject_unknown_query(request, set(PatientFilters.model_fields))
    field = filters.sort.lstrip("-")
    order = [("-" + key if filters.sort.startswith("-") else key) for key in _ORDER[field]]
    found = queries.search(request.clinic, filters.q).order_by(*order)
    page, total = paginate(found, filters)
    audit.record_list(request.actor, ObjectType.PATIENT, page, total=total, query=filters.q)
    return PatientPage(
        items=[_out(p, False) for p in page],
        count=total,
        page=filters.page,
        page_size=filters.page_size,
    )


@router.post("/patients", response={201: PatientOut, **ERRORS}, auth=TokenAuth("patient.create"))
def create_patient(request: ApiRequest, payload: PatientIn) -> Status[PatientOut]:
    _require_clinical_right(request, payload)
    patient = services.create_patient(request.actor, request.clinic, _input(payload))
    return Status(201, _out(patient, request.membership.may("patient.view_clinical")))


def _patient(request: ApiRequest, patient_id: int) -> Patient:
    return get_object_or_404(Patient.objects.for_clinic(request.clinic), pk=patient_id)


@router.get(
    "/patients/{patient_id}", response={200: PatientOut, **ERRORS}, auth=TokenAuth("patient.view")
)
def get_patient(request: ApiRequest, patient_id: int) -> PatientOut:
    patient = _patient(request, patient_id)
    clinical = request.membership.may("patient.view_clinical")
    part = "demographics+clinical" if clinical else "demographics"
    audit.record_read(request.actor, patient, details={"part": part})
    return _out(patient, clinical)


@router.get(
    "/patients/{patient_id}/clinical",
    response={200: ClinicalOut, **ERRORS},
    auth=TokenAuth("patient.view_clinical"),
)
def get_clinical(request: ApiRequest, patient_id: int) -> ClinicalOut:
    patient = _patient(request, patient_id)
    audit.record_read(request.actor, patient, details={"part": "clinical"})
    out = _out(patient, True).clinical
    assert out is not None
    return out


@router.patch(
    "/patients/{patient_id}", response={200: PatientOut, **ERRORS}, auth=TokenAuth("patient.change")
)
def patch_patient(request: ApiRequest, patient_id: int, payload: PatientPatch) -> PatientOut:
    patient = _patient(request, patient_id)
    _require_clinical_right(request, payload)
    explicit_nulls = sorted(k for k, v in payload.dict(exclude_unset=True).items() if v is None)
    if explicit_nulls:
        raise ValidationError(
            [
                {"loc": ("body", name), "msg": "May not be null.", "type": "null"}
                for name in explicit_nulls
            ]
        )
    patient = services.update_patient(request.actor, patient, _input(payload))
    clinical_view = request.membership.may("patient.view_clinical")
    # The answer carries the whole record: that is a read, even when nothing changed.
    part = "clinical" if clinical_view else "demographics"
    audit.record_read(request.actor, patient, details={"part": part})
    return _out(patient, clinical_view)


@router.put(
    "/patients/{patient_id}/allergies/{allergy_id}/coding",
    response={200: AllergyOut, **ERRORS},
    auth=TokenAuth("patient.change_clinical"),
)
def code_allergy(
    request: ApiRequest, patient_id: int, allergy_id: int, payload: AllergyCodingIn
) -> AllergyOut:
    """Codes an allergy by hand to the catalogue's substances or classes (audited)."""
    patient = _patient(request, patient_id)
    allergy = get_object_or_404(
        Allergy.objects.for_clinic(request.clinic), pk=allergy_id, patient=patient
    )
    found = {a.slug: a for a in Allergen.objects.filter(slug__in=payload.coded_as)}
    unknown = sorted(set(payload.coded_as) - set(found))
    if unknown:
        reason = _("No catalogue substance or class: %(slugs)s.") % {"slugs": ", ".join(unknown)}
        raise field_error("coded_as", reason)
    services.code_allergy(request.actor, allergy, list(found.values()))
    return AllergyOut.of(allergy)
