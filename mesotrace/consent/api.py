"""API for the patient document: generate and read a plan's consent, sign it, get the PDF."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from mesotrace.accounts.access import ApiRequest, TokenAuth
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.consent import documents, queries, services
from mesotrace.consent.models import ConsentDocument, ConsentSignature
from mesotrace.core.api import ERRORS, InSchema
from mesotrace.treatments.models import TreatmentPlan

router = Router(tags=["consent"])


class SignatureOut(Schema):
    id: int
    patient_name: str
    signed_at: datetime.datetime
    document_sha256: str
    pdf_sha256: str
    drawn: bool  # True when the patient drew a signature; its PNG is at drawn_signature_url
    drawn_signature_url: str | None
    countersigned_at: datetime.datetime | None
    withdrawn_at: datetime.datetime | None
    withdrawn_reason: str


class ConsentOut(Schema):
    id: int
    plan_id: int
    version: str
    current: bool
    text: str
    pdf_url: str
    signature: SignatureOut | None  # the latest: the one standing, else the last withdrawn
    signatures: list[SignatureOut]  # every signature, latest first, withdrawn ones included
    charting_problem: str | None


class SignIn(InSchema):
    full_name: str = ""
    statement_accepted: bool = False
    drawn_signature: str = ""  # a PNG data URL, at most 200 kB and 2000x1000 px


def _signature_out(signature: ConsentSignature, latest: bool) -> SignatureOut:
    url = f"/api/v1/consents/{signature.document_id}/signature.png"
    return SignatureOut(
        id=signature.pk,
        patient_name=signature.patient_name,
        signed_at=signature.signed_at,
        document_sha256=signature.document_sha256,
        pdf_sha256=signature.pdf_sha256,
        drawn=signature.drawn,
        drawn_signature_url=url if signature.drawn and latest else None,
        countersigned_at=signature.countersigned_at,
        withdrawn_at=signature.withdrawn_at,
        withdrawn_reason=signature.withdrawn_reason,
    )


def _out(consent: ConsentDocument) -> ConsentOut:
    history = queries.signature_history(consent)
    signatures = [_signature_out(s, latest=i == 0) for i, s in enumerate(history)]
    return ConsentOut(
        id=consent.pk,
        plan_id=consent.plan_id,
        version=consent.version,
        current=queries.is_current(consent),
        text=documents.render_text(consent.content, consent.version),
        pdf_url=f"/api/v1/consents/{consent.pk}.pdf",
        signature=signatures[0] if signatures else None,
        signatures=signatures,
        charting_problem=queries.consent_problem(consent.plan),
    )


def _plan(request: ApiRequest, plan_id: int) -> TreatmentPlan:
    return get_object_or_404(TreatmentPlan.objects.for_clinic(request.clinic), pk=plan_id)


@router.post(
    "/plans/{plan_id}/consent",
    response={201: ConsentOut, **ERRORS},
    auth=TokenAuth("consent.manage"),
)
def generate(request: ApiRequest, plan_id: int) -> Status[ConsentOut]:
    """The document for the plan as it is now (the same version when nothing changed)."""
    consent = services.generate_consent(request.actor, _plan(request, plan_id))
    return Status(201, _out(consent))


@router.get(
    "/plans/{plan_id}/consent", response={200: ConsentOut, **ERRORS}, auth=TokenAuth("consent.view")
)
def latest(request: ApiRequest, plan_id: int) -> ConsentOut:
    """The plan's most recently generated document."""
    plan = _plan(request, plan_id)
    consent = get_object_or_404(
        ConsentDocument.objects.for_clinic(request.clinic).filter(plan=plan).order_by("-id")[:1]
    )
    audit.record_read(request.actor, consent, details={"as": "document"})
    return _out(consent)


@router.post(
    "/plans/{plan_id}/consent/sign",
    response={201: ConsentOut, **ERRORS},
    auth=TokenAuth("consent.manage"),
)
def sign(request: ApiRequest, plan_id: int, payload: SignIn) -> Status[ConsentOut]:
    """The patient signs the plan's current version."""
    plan = _plan(request, plan_id)
    consent = services.generate_consent(request.actor, plan)
    services.sign_consent(
        request.actor,
        consent,
        payload.full_name,
        payload.statement_accepted,
        payload.drawn_signature,
    )
    return Status(201, _out(consent))


def _binary(media_type: str, description: str) -> dict[str, Any]:
    """The OpenAPI answer of an operation that returns a file rather than JSON."""
    content = {media_type: {"schema": {"type": "string", "format": "binary"}}}
    return {"responses": {"200": {"description": description, "content": content}}}


@router.get(
    "/consents/{consent_id}.pdf",
    response=ERRORS,
    auth=TokenAuth("consent.view"),
    openapi_extra=_binary("application/pdf", "The consent document"),
)
def pdf(request: ApiRequest, consent_id: int) -> HttpResponse:
    """The PDF: the exact bytes signed, or a fresh rendering of an unsigned version."""
    consent = get_object_or_404(ConsentDocument.objects.for_clinic(request.clinic), pk=consent_id)
    signature = ConsentSignature.objects.filter(document=consent).defer("drawn_signature").first()
    body = (
        bytes(signature.signed_pdf)
        if signature
        else documents.render_pdf(consent.content, consent.version)
    )
    audit.record_read(request.actor, consent, export=True, details={"as": "pdf"})
    return HttpResponse(body, content_type="application/pdf")


@router.get(
    "/consents/{consent_id}/signature.png",
    response=ERRORS,
    auth=TokenAuth("consent.view"),
    openapi_extra=_binary("image/png", "The signature the patient drew"),
)
def signature_png(request: ApiRequest, consent_id: int) -> HttpResponse:
    """The signature the patient drew on the document's latest signature; 404 when typed only."""
    consent = get_object_or_404(ConsentDocument.objects.for_clinic(request.clinic), pk=consent_id)
    signature = (
        ConsentSignature.objects.filter(document=consent)
        .only("drawn_signature", "signed_at", "clinic")
        .first()
    )
    if signature is None or not signature.drawn:
        raise Http404
    audit.record(
        request.actor,
        AuditAction.EXPORT,
        signature,
        patient_id=consent.patient_id,
        details={"as": "drawn_png", "document": consent.pk},
    )
    return HttpResponse(bytes(signature.drawn_signature), content_type="image/png")
