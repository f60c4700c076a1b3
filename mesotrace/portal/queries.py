"""Reads of the portal: the link a token names, a patient's links for staff, what the
patient's own pages show, and the audit of each page and download the patient opens."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, NamedTuple

from django.core import signing
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.consent.models import ConsentSignature
from mesotrace.patients.models import Patient
from mesotrace.portal.models import PortalLink
from mesotrace.portal.rules import MAX_DAYS, check_open, expired, nonce_hash, signer, tampered
from mesotrace.treatments.models import Appointment, TreatmentPlan, TreatmentSession


def _named_link(token: str) -> PortalLink:
    """The link a genuine token names, whatever its age; a forged token names none."""
    try:
        value = signer().unsign(token)
    except signing.BadSignature as error:
        raise tampered() from error
    pk, _dot, nonce = value.partition(".")
    link = (
        PortalLink.objects.select_related("patient", "clinic").filter(pk=int(pk)).first()
        if pk.isdigit()
        else None
    )
    if link is None or not constant_time_compare(nonce_hash(nonce), link.nonce_sha256):
        raise tampered()
    return link


def link_of(token: str, max_age: datetime.timedelta | None = None) -> PortalLink:
    """The open link a token names. `max_age` caps the token's age (default: the longest link)."""
    link = _named_link(token)
    try:
        signer().unsign(token, max_age=max_age or datetime.timedelta(days=MAX_DAYS))
    except signing.SignatureExpired as error:
        raise expired(link) from error
    return check_open(link)


def links_shown(actor: Actor, patient: Patient, where: str) -> list[tuple[PortalLink, bool]]:
    """The patient's links, latest first, each with whether it still opens; the listing audited."""
    links = list(
        PortalLink.objects.for_clinic(patient.clinic)
        .filter(patient=patient)
        .select_related("created_by", "revoked_by")
    )
    audit.record_list(
        actor,
        ObjectType.PORTAL_LINK,
        links,
        details={"patient": patient.pk, "on": where},
        clinic=patient.clinic,
        patient_id=patient.pk,
    )
    now = timezone.now()
    return [(link, link.is_open(now)) for link in links]


def record_page(
    actor: Actor,
    link: PortalLink,
    kind: ObjectType,
    details: Mapping[str, Any],
    *,
    export: bool = False,
) -> None:
    """Audits a portal page or download that is not one record, on the link's patient."""
    audit.record(
        actor,
        AuditAction.EXPORT if export else AuditAction.VIEW,
        kind,
        patient_id=link.patient_id,
        details={"portal_link": link.pk, **details},
        clinic=link.clinic,
    )


def own_plans(clinic: Clinic, patient: Patient) -> QuerySet[TreatmentPlan]:
    """The patient's plans to pick one from by id: another patient's is not found."""
    return (
        TreatmentPlan.objects.for_clinic(clinic).filter(patient=patient).select_related("protocol")
    )


def own_signatures(clinic: Clinic, patient: Patient) -> QuerySet[ConsentSignature]:
    """The patient's signatures, with their document (not its content) for the audit row."""
    return (
        ConsentSignature.objects.for_clinic(clinic)
        .filter(document__patient=patient)
        .select_related("document")
        .defer("document__content")
    )


class Home(NamedTuple):
    """What the patient's home page lists, all of it their own."""

    plans: list[TreatmentPlan]
    signed: list[ConsentSignature]  # without the signed files
    appointments: list[Appointment]
    sessions: list[TreatmentSession]  # latest first


def home(clinic: Clinic, patient: Patient) -> Home:
    plans = TreatmentPlan.objects.for_clinic(clinic).filter(patient=patient)
    signed = ConsentSignature.objects.for_clinic(clinic).filter(document__patient=patient)
    appointments = Appointment.objects.for_clinic(clinic).filter(patient=patient)
    sessions = TreatmentSession.objects.for_clinic(clinic).filter(patient=patient)
    return Home(
        list(plans.select_related("protocol", "indication", "practitioner")),
        list(
            signed.select_related("document__plan__protocol").defer(
                "signed_pdf", "signed_text", "drawn_signature", "document__content"
            )
        ),
        list(appointments.select_related("practitioner", "plan__protocol")),
        list(sessions.select_related("practitioner").order_by("-performed_on", "-id")),
    )
