"""`/api/v1/patients`: list and search, create, read, change."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError

from mesotrace.accounts.access import Actor, TokenAuth, denial_reason
from mesotrace.core.api import ERRORS, InSchema, reject_unknown_query
from mesotrace.patients import services
from mesotrace.patients.models import Patient, PregnancyStatus, Severity, Sex
from mesotrace.patients.search import patient_query

router = Router(tags=["patients"])

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
    substance: str
    reaction: str
    severity: str


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
    created_at: datetime.datetime
    updated_at: datetime.datetime
    clinical: ClinicalOut | None = None


class PatientPage(Schema):
    items: list[PatientOut]
    count: int
    page: int
    page_size: int


class PatientPatch(InSchema):
    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    date_of_birth: datetime.date | None = None
    sex: Sex | None = None
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=300)
    medical_history: str | None = Field(None, max_length=10000)
    pregnancy_status: PregnancyStatus | None = None
    allergies: list[AllergyIn] | None = Field(None, max_length=100)
    medications: list[MedicationIn] | None = Field(None, max_length=100)


class PatientIn(PatientPatch):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: datetime.date
    sex: Sex


class PatientFilters(Schema):
    q: str = Field("", max_length=100, description="Name, date of birth or phone")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(25, ge=1, le=200)
    sort: SortKey = "family_name"


_DEMOGRAPHIC = {"given_name", "family_name", "date_of_birth", "sex", "phone", "email", "address"}
_CLINICAL = {"medical_history", "pregnancy_status"}


def _out(patient: Patient, with_clinical: bool) -> PatientOut:
    out = PatientOut.from_orm(patient)
    if with_clinical:
        out.clinical = ClinicalOut(
            medical_history=patient.medical_history,
            pregnancy_status=patient.pregnancy_status,
            allergies=[AllergyOut.from_orm(a) for a in patient.allergies.all()],
            medications=[MedicationOut.from_orm(m) for m in patient.medications.all()],
        )
    return out


def _split(payload: PatientPatch) -> tuple[dict[str, Any], dict[str, Any], Any, Any]:
    given = payload.dict(exclude_unset=True)
    demographics = {k: v for k, v in given.items() if k in _DEMOGRAPHIC and v is not None}
    clinical = {k: v for k, v in given.items() if k in _CLINICAL and v is not None}
    return demographics, clinical, given.get("allergies"), given.get("medications")


def _require_clinical_right(request: Any, payload: PatientPatch) -> None:
    touched = payload.model_fields_set & (_CLINICAL | {"allergies", "medications"})
    if touched and not request.membership.may("patient.change_clinical"):
        raise PermissionDenied(
            denial_reason(request.membership, "patient.change_clinical")
            + f" Clinical fields sent: {', '.join(sorted(touched))}."
        )


@router.get("/patients", response={200: PatientPage, **ERRORS}, auth=TokenAuth("patient.view"))
def list_patients(request: Any, filters: Query[PatientFilters]) -> PatientPage:
    reject_unknown_query(request, set(PatientFilters.model_fields))
    field = filters.sort.lstrip("-")
    order = [("-" + key if filters.sort.startswith("-") else key) for key in _ORDER[field]]
    queryset: QuerySet[Patient] = Patient.objects.for_clinic(request.clinic).filter(
        patient_query(filters.q, request.clinic)
    )
    total = queryset.count()
    start = (filters.page - 1) * filters.page_size
    page = list(queryset.order_by(*order)[start : start + filters.page_size])
    services.record_list(Actor.from_request(request, "api"), filters.q, [p.pk for p in page], total)
    return PatientPage(
        items=[_out(p, False) for p in page],
        count=total,
        page=filters.page,
        page_size=filters.page_size,
    )


@router.post("/patients", response={201: PatientOut, **ERRORS}, auth=TokenAuth("patient.create"))
def create_patient(request: Any, payload: PatientIn) -> Status[PatientOut]:
    _require_clinical_right(request, payload)
    demographics, clinical, allergies, medications = _split(payload)
    patient = services.create_patient(
        Actor.from_request(request, "api"),
        request.clinic,
        demographics,
        clinical,
        allergies or (),
        medications or (),
    )
    return Status(201, _out(patient, request.membership.may("patient.view_clinical")))


def _patient(request: Any, patient_id: int) -> Patient:
    return get_object_or_404(Patient.objects.for_clinic(request.clinic), pk=patient_id)


@router.get(
    "/patients/{patient_id}", response={200: PatientOut, **ERRORS}, auth=TokenAuth("patient.view")
)
def get_patient(request: Any, patient_id: int) -> PatientOut:
    patient = _patient(request, patient_id)
    clinical = request.membership.may("patient.view_clinical")
    services.record_read(
        Actor.from_request(request, "api"),
        patient,
        "demographics+clinical" if clinical else "demographics",
    )
    return _out(patient, clinical)


@router.get(
    "/patients/{patient_id}/clinical",
    response={200: ClinicalOut, **ERRORS},
    auth=TokenAuth("patient.view_clinical"),
)
def get_clinical(request: Any, patient_id: int) -> ClinicalOut:
    patient = _patient(request, patient_id)
    services.record_read(Actor.from_request(request, "api"), patient, "clinical")
    out = _out(patient, True).clinical
    assert out is not None
    return out


@router.patch(
    "/patients/{patient_id}", response={200: PatientOut, **ERRORS}, auth=TokenAuth("patient.change")
)
def patch_patient(request: Any, patient_id: int, payload: PatientPatch) -> PatientOut:
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
    demographics, clinical, allergies, medications = _split(payload)
    actor = Actor.from_request(request, "api")
    patient = services.update_patient(
        actor, patient, demographics, clinical, allergies, medications
    )
    clinical_view = request.membership.may("patient.view_clinical")
    # The answer carries the whole record: that is a read, even when nothing changed.
    services.record_read(actor, patient, "clinical" if clinical_view else "demographics")
    return _out(patient, clinical_view)
