"""`/api/v1/practitioners`: practitioners, their credentials and today's injection decision."""

from __future__ import annotations

import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from mesotrace.accounts.access import ApiRequest, TokenAuth
from mesotrace.core.api import ErrorOut
from mesotrace.practitioners.models import Practitioner
from mesotrace.practitioners.queries import may_inject, practitioners_of

router = Router(tags=["practitioners"])


class PractitionerOut(Schema):
    id: int
    full_name: str
    qualification: str
    licence_number: str
    licence_jurisdiction: str
    licence_expiry: datetime.date | None
    licence_expired: bool
    training_certificate: str
    training_date: datetime.date | None
    supervising_physician_id: int | None
    is_active: bool
    may_inject_today: bool
    may_inject_reason: str


def _out(person: Practitioner) -> PractitionerOut:
    today = timezone.localdate()
    decision = may_inject(person, person.clinic, today)
    return PractitionerOut(
        id=person.pk,
        full_name=person.full_name,
        qualification=person.qualification,
        licence_number=person.licence_number,
        licence_jurisdiction=person.licence_jurisdiction,
        licence_expiry=person.licence_expiry,
        licence_expired=person.licence_expired_on(today),
        training_certificate=person.training_certificate,
        training_date=person.training_date,
        supervising_physician_id=person.supervising_physician_id,
        is_active=person.is_active,
        may_inject_today=decision.allowed,
        may_inject_reason=decision.reason,
    )


@router.get(
    "/practitioners",
    response={200: list[PractitionerOut], 401: ErrorOut, 403: ErrorOut},
    auth=TokenAuth("practitioner.view"),
)
def list_practitioners(request: ApiRequest) -> list[PractitionerOut]:
    return [_out(person) for person in practitioners_of(request.clinic)]


@router.get(
    "/practitioners/{practitioner_id}",
    response={200: PractitionerOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=TokenAuth("practitioner.view"),
)
def get_practitioner(request: ApiRequest, practitioner_id: int) -> PractitionerOut:
    return _out(get_object_or_404(practitioners_of(request.clinic), pk=practitioner_id))
