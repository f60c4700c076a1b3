"""`/api/v1/sessions` (chart, read, sign, amend, photos) and `/api/v1/lots/{id}/trace`.

Creating a session needs an idempotency key (the Idempotency-Key header or the body's
`idempotency_key`): a retry with the same key returns the first session unchanged.
"""

from __future__ import annotations

import datetime
from dataclasses import astuple
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from mesotrace.accounts.access import ApiRequest, TokenAuth
from mesotrace.catalogue.models import BodyZone
from mesotrace.charting import queries, services
from mesotrace.charting.models import PhotoView, SessionAmendment, SessionPhoto
from mesotrace.charting.rules import MAX_REASON
from mesotrace.charting.schemas import SessionIn
from mesotrace.core.api import ERRORS, InSchema, field_error
from mesotrace.inventory.models import Lot
from mesotrace.treatments.models import Appointment, TreatmentSession

router = Router(tags=["charting"])


class InjectionComponentOut(Schema):
    product_id: int
    product: str
    lot_id: int
    lot_number: str
    volume_ml: Decimal


class InjectionOut(Schema):
    number: int
    view: str
    x: Decimal
    y: Decimal
    zone: str
    zone_snomed_code: str
    volume_ml: Decimal
    depth_mm: Decimal
    needle_gauge: int
    needle_length_mm: Decimal
    technique: str
    components: list[InjectionComponentOut]


class AmendmentOut(Schema):
    id: int
    reason: str
    by: str
    at: datetime.datetime
    changes: dict[str, Any]


class LotOverrideOut(Schema):
    lot_id: int
    lot_number: str
    reason: str
    by: str
    at: datetime.datetime


class SessionOut(Schema):
    id: int
    appointment_id: int
    plan_id: int
    patient_id: int
    practitioner_id: int
    performed_on: datetime.date
    anaesthetic: str
    anaesthetic_note: str
    pain_score: int | None
    immediate_reactions: str
    notes: str
    charges: Decimal
    currency: str
    status: str
    signed_at: datetime.datetime | None
    idempotency_key: str
    injections: list[InjectionOut]
    amendments: list[AmendmentOut]
    lot_overrides: list[LotOverrideOut]


class AmendmentIn(InSchema):
    reason: str | None = Field(None, max_length=MAX_REASON)
    changes: dict[str, Any] | None = Field(
        None,
        description='Session fields (e.g. "pain_score") or "injections.<point>.<field>" '
        "(depth_mm, needle_gauge, needle_length_mm, technique) to their corrected values.",
    )


class PhotoOut(Schema):
    id: int
    session_id: int
    view: str
    zone: str | None
    width: int
    height: int
    sha256: str
    taken_at: datetime.datetime


# A trace's row as the API serves it: the fields of `queries.Exposure`, under the API's name.
class ExposureOut(queries.Exposure):
    pass


class TraceOut(Schema):
    lot_id: int
    lot_number: str
    product: str
    status: str
    patients: int
    exposures: list[ExposureOut]


def session_out(session: TreatmentSession) -> SessionOut:
    components: dict[int, list[InjectionComponentOut]] = {}
    for c in queries.mix_lines(session):
        components.setdefault(c.injection_id, []).append(
            InjectionComponentOut(
                product_id=c.product_id,
                product=c.product.name,
                lot_id=c.lot_id,
                lot_number=c.lot.lot_number,
                volume_ml=c.volume_ml,
            )
        )
    return SessionOut(
        id=session.pk,
        appointment_id=session.appointment_id,
        plan_id=session.plan_id,
        patient_id=session.patient_id,
        practitioner_id=session.practitioner_id,
        performed_on=session.performed_on,
        anaesthetic=session.anaesthetic,
        anaesthetic_note=session.anaesthetic_note,
        pain_score=session.pain_score,
        immediate_reactions=session.immediate_reactions,
        notes=session.notes,
        charges=session.charges,
        currency=session.currency,
        status=session.status,
        signed_at=session.signed_at,
        idempotency_key=session.idempotency_key,
        injections=[
            InjectionOut(
                number=i.number,
                view=i.view,
                x=i.x,
                y=i.y,
                zone=i.zone.slug,
                zone_snomed_code=i.zone.snomed_code,
                volume_ml=i.volume_ml,
                depth_mm=i.depth_mm,
                needle_gauge=i.needle_gauge,
                needle_length_mm=i.needle_length_mm,
                technique=i.technique,
                components=components.get(i.pk, []),
            )
            for i in queries.points(session)
        ],
        amendments=[
            _amendment_out(a) for a in session.amendments.select_related("by").order_by("at")
        ],
        lot_overrides=[
            LotOverrideOut(
                lot_id=o.lot_id,
                lot_number=o.lot.lot_number,
                reason=o.reason,
                by=o.by.email,
                at=o.at,
            )
            for o in session.lot_overrides.select_related("lot", "by")
        ],
    )


def _amendment_out(amendment: SessionAmendment) -> AmendmentOut:
    return AmendmentOut(
        id=amendment.pk,
        reason=amendment.reason,
        by=amendment.by.email,
        at=amendment.at,
        changes=amendment.changes,
    )


@router.post("/sessions", response={201: SessionOut, **ERRORS}, auth=TokenAuth("session.chart"))
def create_session(request: ApiRequest, payload: SessionIn) -> Status[SessionOut]:
    key = request.headers.get("Idempotency-Key") or payload.idempotency_key
    if not key:
        raise field_error("idempotency_key", "Send an Idempotency-Key header (or idempotency_key).")
    if payload.appointment_id is None:
        raise field_error("appointment_id", "This field is required.")
    appointment = (
        Appointment.objects.for_clinic(request.clinic)
        .filter(pk=payload.appointment_id)
        .select_related("clinic")
        .first()
    )
    if appointment is None:
        raise field_error(
            "appointment_id", f"No appointment with id {payload.appointment_id} here."
        )
    session = services.record_session(request.actor, appointment, payload, key)
    return Status(201, session_out(session))


@router.get(
    "/sessions/{session_id}", response={200: SessionOut, **ERRORS}, auth=TokenAuth("session.view")
)
def get_session(request: ApiRequest, session_id: int) -> SessionOut:
    return session_out(queries.read_session(request.actor, request.clinic, session_id, "session"))


@router.post(
    "/sessions/{session_id}/sign",
    response={200: SessionOut, **ERRORS},
    auth=TokenAuth("session.sign"),
)
def sign_session(request: ApiRequest, session_id: int) -> SessionOut:
    session = get_object_or_404(queries.sessions(request.clinic), pk=session_id)
    return session_out(services.sign_session(request.actor, session))


@router.post(
    "/sessions/{session_id}/amendments",
    response={201: AmendmentOut, **ERRORS},
    auth=TokenAuth("session.chart"),
)
def amend_session(
    request: ApiRequest, session_id: int, payload: AmendmentIn
) -> Status[AmendmentOut]:
    session = get_object_or_404(queries.sessions(request.clinic), pk=session_id)
    if payload.reason is None:
        raise field_error("reason", "This field is required.")
    if not payload.changes:
        raise field_error("changes", "Give at least one field to correct.")
    corrections = [services.Correction(key, value) for key, value in payload.changes.items()]
    amendment = services.amend_session(request.actor, session, payload.reason, corrections)
    return Status(201, _amendment_out(amendment))


def _photo_out(photo: SessionPhoto) -> PhotoOut:
    return PhotoOut(
        id=photo.pk,
        session_id=photo.session_id,
        view=photo.view,
        zone=photo.zone.slug if photo.zone else None,
        width=photo.width,
        height=photo.height,
        sha256=photo.sha256,
        taken_at=photo.taken_at,
    )


@router.get(
    "/sessions/{session_id}/photos",
    response={200: list[PhotoOut], **ERRORS},
    auth=TokenAuth("photo.view"),
)
def list_photos(request: ApiRequest, session_id: int) -> list[PhotoOut]:
    session = queries.read_session(request.actor, request.clinic, session_id, "photos")
    return [_photo_out(p) for p in queries.session_photos(session)]


@router.post(
    "/sessions/{session_id}/photos",
    response={201: PhotoOut, **ERRORS},
    auth=TokenAuth("photo.upload"),
)
def upload_photo(
    request: ApiRequest,
    session_id: int,
    file: File[UploadedFile | None] = None,
    view: Form[PhotoView | None] = None,
    zone: Form[str | None] = None,
) -> Status[PhotoOut]:
    session = get_object_or_404(
        queries.sessions(request.clinic).select_related("patient", "clinic"), pk=session_id
    )
    if file is None:
        raise field_error("file", "Send the photo as multipart/form-data field `file`.")
    if view is None:
        raise field_error("view", "This field is required.")
    found_zone = None
    if zone:
        found_zone = BodyZone.objects.filter(slug=zone).first()
        if found_zone is None:
            raise field_error("zone", f"Unknown body zone “{zone}”.")
    photo = services.add_photo(request.actor, session, file, view, found_zone)
    return Status(201, _photo_out(photo))


@router.get("/lots/{lot_id}/trace", response={200: TraceOut, **ERRORS}, auth=TokenAuth("lot.trace"))
def lot_trace(request: ApiRequest, lot_id: int) -> TraceOut:
    lot = get_object_or_404(
        Lot.objects.for_clinic(request.clinic).select_related("product", "clinic"), pk=lot_id
    )
    exposures = queries.read_trace(request.actor, lot, export="api")
    return TraceOut(
        lot_id=lot.pk,
        lot_number=lot.lot_number,
        product=lot.product.name,
        status=lot.status,
        patients=len({e.patient_id for e in exposures}),
        exposures=[ExposureOut(*astuple(e)) for e in exposures],
    )
