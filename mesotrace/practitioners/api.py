"""`/api/v1/practitioners`: practitioners, their credentials and today's injection decision."""

from __future__ import annotations

import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from mesotrace.accounts.access import TokenAuth
from mesotrace.core.api import ErrorOut
from mesotrace.practitioners.models import Practitioner
from mesotrace.practitioners.services import may_inject

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
def list_practitioners(request: Any) -> list[PractitionerOut]:
    people = Practitioner.objects.for_clinic(request.clinic).select_related(
        "clinic", "supervising_physician"
    )
    return [_out(person) for person in people]


@router.get(
    "/practitioners/{practitioner_id}",
    response={200: PractitionerOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=TokenAuth("practitioner.view"),
)
def get_practitioner(request: Any, practitioner_id: int) -> PractitionerOut:
    queryset = Practitioner.objects.for_clinic(request.clinic).select_related(
        "clinic", "supervising_physician"
    )
    return _out(get_object_or_404(queryset, pk=practitioner_id))
