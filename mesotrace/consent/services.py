"""Every write of the consent app: photo consent, and the patient document's generation,
signature, countersignature, withdrawal and override."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _noop

from mesotrace.accounts.access import Actor
from mesotrace.accounts.roles import Role
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.consent import documents
from mesotrace.consent.models import (
    ConsentDocument,
    ConsentOverride,
    ConsentSignature,
    PhotoConsent,
    PhotoScope,
)
from mesotrace.consent.queries import current_content, current_terms, is_current, terms_signed
from mesotrace.consent.rules import clean_drawn_signature, signature_url
from mesotrace.patients.models import Patient
from mesotrace.treatments.models import TreatmentPlan

CONSENT_FIELDS = [
    "patient",
    "scope",
    "granted_at",
    "expires_on",
    "withdrawn_at",
    "withdrawn_reason",
]
MAX_REASON = 2000
MAX_NAME = 200


@transaction.atomic
def grant_photo_consent(
    actor: Actor,
    patient: Patient,
    scope: str,
    expires_on: datetime.date | None = None,
    granted_at: datetime.datetime | None = None,
) -> PhotoConsent:
    """Records that the patient agreed to photos for `scope`, from now (or `granted_at`)."""
    if scope not in PhotoScope.values:
        raise ValidationError({"scope": _("Choose what the photos may be used for.")})
    granted_at = granted_at or timezone.now()
    if expires_on is not None and expires_on < granted_at.date():
        raise ValidationError({"expires_on": _("The expiry cannot be before the consent.")})
    consent = PhotoConsent.objects.create(
        clinic=patient.clinic,
        patient=patient,
        scope=scope,
        granted_at=granted_at,
        expires_on=expires_on,
        recorded_by=actor.user,
    )
    changes = audit.diff({}, audit.snapshot(consent, CONSENT_FIELDS))
    audit.record(actor, AuditAction.CREATE, consent, changes=changes)
    return consent


@transaction.atomic
def import_photo_consent(
    actor: Actor,
    patient: Patient,
    scope: str,
    granted_at: datetime.datetime,
    expires_on: datetime.date | None = None,
) -> PhotoConsent:
    """The patient's photo consent another system recorded: the one of the same use given
    at the same moment when it came before, else recorded as given there."""
    found = PhotoConsent.objects.for_clinic(patient.clinic).filter(
        patient=patient, scope=scope, granted_at=granted_at
    )
    return found.first() or grant_photo_consent(actor, patient, scope, expires_on, granted_at)


@transaction.atomic
def withdraw_photo_consent(actor: Actor, consent: PhotoConsent, reason: str) -> PhotoConsent:
    """Withdraws a consent for a stated reason; photos already taken stay in the record."""
    consent = PhotoConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ValidationError({"withdrawn_reason": _("This consent is already withdrawn.")})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"withdrawn_reason": _("Give the reason, as the patient said it.")})
    if len(reason) > MAX_REASON:
        raise ValidationError(
            {"withdrawn_reason": _("At most %(n)s characters.") % {"n": MAX_REASON}}
        )
    before = audit.snapshot(consent, CONSENT_FIELDS)
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_reason = reason
    consent.save(update_fields=["withdrawn_at", "withdrawn_reason", "updated_at"])
    changes = audit.diff(before, audit.snapshot(consent, CONSENT_FIELDS))
    audit.record(actor, AuditAction.UPDATE, consent, changes=changes)
    return consent


# --- The patient document and its signature -------------------------------------------

SIGN_STATEMENT = _noop(
    "I have read this document, my questions were answered, and I agree to the treatment."
)


@transaction.atomic
def generate_consent(actor: Actor, plan: TreatmentPlan) -> ConsentDocument:
    """The document for the plan as it is now: the existing row if this version was made."""
    content, version = current_content(plan)
    found = ConsentDocument.objects.for_clinic(plan.clinic).filter(plan=plan, version=version)
    if (existing := found.first()) is not None:
        return existing
    consent = ConsentDocument.objects.create(
        clinic=plan.clinic,
        plan=plan,
        patient=plan.patient,
        version=version,
        content=content,
        generated_by=actor.user,
    )
    audit.record(
        actor, AuditAction.CREATE, consent, details={"plan_id": plan.pk, "version": version}
    )
    return consent


def _check_signable(consent: ConsentDocument, full_name: str, agreed: bool) -> str:
    name = full_name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["full_name"] = _("Type your full name.")
    elif len(name) > MAX_NAME:
        errors["full_name"] = _("At most %(n)s characters.") % {"n": MAX_NAME}
    if not agreed:
        errors["statement"] = _("Tick the statement to show you agree.")
    # A withdrawn signature does not count: the patient may change their mind and sign again.
    if terms_signed(consent):
        errors["document"] = _("This document is already signed.")
    elif not is_current(consent):
        errors["document"] = _("The plan has changed: this version can no longer be signed.")
    if errors:
        raise ValidationError(errors)
    return name


def _checked(
    consent: ConsentDocument, full_name: str, agreed: bool, drawn: str
) -> tuple[str, bytes]:
    """The typed name and the drawn PNG, or every problem with them at once."""
    errors: dict[str, list[str]] = {}
    name, png = "", b""
    try:
        name = _check_signable(consent, full_name, agreed)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        png = clean_drawn_signature(drawn)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return name, png


@transaction.atomic
def sign_consent(
    actor: Actor,
    consent: ConsentDocument,
    full_name: str,
    agreed: bool,
    drawn_signature: str = "",
) -> ConsentSignature:
    """The patient signs this exact version; the text and PDF signed are kept with it.

    `drawn_signature` is the PNG data URL of a signature drawn on the signing page; the
    typed name and the ticked statement are required with it or without it.
    """
    consent = ConsentDocument.objects.select_for_update().get(pk=consent.pk)
    name, png = _checked(consent, full_name, agreed, drawn_signature)
    signed_at = timezone.now()
    with documents.in_language_of(consent.content):
        statement = str(SIGN_STATEMENT)  # what the patient read and ticked
    text = documents.render_text(consent.content, consent.version)
    pdf = documents.render_pdf(
        consent.content,
        consent.version,
        {
            "name": name,
            "statement": statement,
            "signed_at": signed_at,
            "drawn_url": signature_url(png),
        },
    )
    signature = ConsentSignature.objects.create(
        clinic=consent.clinic,
        document=consent,
        patient_name=name,
        statement=statement,
        signed_at=signed_at,
        ip=actor.ip,
        user_agent=actor.user_agent,
        document_sha256=consent.version,
        signed_text=text,
        signed_pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        drawn_signature=png,
    )
    withdrawn = list(
        ConsentSignature.objects.filter(document=consent, withdrawn_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    details: dict[str, Any] = {"signed_by": name, "drawn": bool(png)}
    if withdrawn:
        details["after_withdrawn"] = withdrawn
    _record_signature(actor, AuditAction.CREATE, signature, details)
    return signature


def _record_signature(
    actor: Actor, action: AuditAction, signature: ConsentSignature, details: dict[str, Any]
) -> None:
    audit.record(
        actor,
        action,
        signature,
        patient_id=signature.document.patient_id,
        details={"version": signature.document_sha256, **details},
    )


@transaction.atomic
def countersign_consent(actor: Actor, signature: ConsentSignature) -> ConsentSignature:
    """The clinician countersigns the patient's signature."""
    signature = ConsentSignature.objects.select_for_update().get(pk=signature.pk)
    if signature.countersigned_at is not None:
        raise ValidationError({"document": _("This consent is already countersigned.")})
    if signature.withdrawn_at is not None:
        raise ValidationError({"document": _("This consent was withdrawn.")})
    if actor.user is None:
        raise ValidationError({"document": _("Only a signed-in clinician can countersign.")})
    signature.countersigned_by = actor.user
    signature.countersigned_at = timezone.now()
    signature.save(update_fields=["countersigned_by", "countersigned_at", "updated_at"])
    _record_signature(actor, AuditAction.UPDATE, signature, {"countersigned": True})
    return signature


@transaction.atomic
def withdraw_consent(actor: Actor, signature: ConsentSignature, reason: str) -> ConsentSignature:
    """Records the patient's withdrawal; the signed document itself stays as it was."""
    signature = ConsentSignature.objects.select_for_update().get(pk=signature.pk)
    reason = reason.strip()
    if signature.withdrawn_at is not None:
        raise ValidationError({"withdrawn_reason": _("This consent is already withdrawn.")})
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError({"withdrawn_reason": _("Give the reason, as the patient said it.")})
    signature.withdrawn_at = timezone.now()
    signature.withdrawn_reason = reason
    signature.save(update_fields=["withdrawn_at", "withdrawn_reason", "updated_at"])
    _record_signature(actor, AuditAction.UPDATE, signature, {"withdrawn": reason})
    return signature


@transaction.atomic
def override_consent(actor: Actor, plan: TreatmentPlan, reason: str) -> ConsentOverride:
    """An owner lets the plan's current version be charted without a signed consent."""
    membership = actor.membership
    if membership is None or membership.role != Role.OWNER:
        raise ValidationError({"reason": _("Only the clinic's owner can override consent.")})
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("Give the reason for charting without consent.")})
    override = ConsentOverride.objects.create(
        clinic=plan.clinic,
        plan=plan,
        version=current_terms(plan),
        reason=reason,
        decided_by=membership.user,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        override,
        patient_id=plan.patient_id,
        details={"plan_id": plan.pk, "version": override.version, "reason": reason},
    )
    return override


# --- Importing another system's records -----------------------------------------------------


@dataclass(frozen=True)
class ImportedSignature:
    """A signed document another system exported: its PDF byte for byte and what it says."""

    version: str
    pdf: bytes
    statement: str
    patient_name: str
    signed_at: datetime.datetime
    countersigned: bool
    withdrawn: bool
    # What a Mesotrace export also carries; another system's leaves them empty.
    signed_text: str = ""
    content: dict[str, Any] | None = None
    drawn_signature: bytes = b""
    countersigned_at: datetime.datetime | None = None
    withdrawn_at: datetime.datetime | None = None
    withdrawn_reason: str = ""


@transaction.atomic
def import_signature(
    actor: Actor, plan: TreatmentPlan, data: ImportedSignature
) -> ConsentSignature:
    """Keeps a patient's signature made in another system, with the PDF they signed.

    The document's content stays where it was written: the imported document holds the
    version (the SHA-256 it was known by), its canonical content when given, and the signed
    PDF, never a new rendering. A countersigned consent is countersigned when the sender
    says (else at its signing time), by nobody of this clinic; a withdrawn one is withdrawn
    when and why the sender says (else at its signing, because it was withdrawn there).
    """
    document = ConsentDocument.objects.filter(plan=plan, version=data.version).first()
    if document is None:
        document = ConsentDocument.objects.create(
            clinic=plan.clinic,
            plan=plan,
            patient=plan.patient,
            version=data.version,
            content=data.content or {"imported": True, "version": data.version},
            generated_by=actor.user,
        )
    standing = document.signatures.filter(withdrawn_at__isnull=True).exists()
    if standing and not data.withdrawn:
        raise ValidationError({"document": _("This document is already signed.")})
    signature = ConsentSignature.objects.create(
        clinic=plan.clinic,
        document=document,
        patient_name=data.patient_name[:200],
        statement=data.statement,
        signed_at=data.signed_at,
        document_sha256=data.version,
        signed_text=data.signed_text or data.statement,
        signed_pdf=data.pdf,
        pdf_sha256=hashlib.sha256(data.pdf).hexdigest(),
        drawn_signature=data.drawn_signature,
        countersigned_at=data.countersigned_at or (data.signed_at if data.countersigned else None),
        withdrawn_at=data.withdrawn_at or (data.signed_at if data.withdrawn else None),
        withdrawn_reason=_withdrawn_reason(data),
    )
    _record_signature(actor, AuditAction.CREATE, signature, {"imported": True})
    return signature


def _withdrawn_reason(data: ImportedSignature) -> str:
    if not data.withdrawn and data.withdrawn_at is None:
        return ""
    return data.withdrawn_reason or str(_("Withdrawn in the system it came from."))
