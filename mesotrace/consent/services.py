"""Photo consent, and the patient document's generation, signature, withdrawal and override."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _noop

from mesotrace.accounts.roles import Role
from mesotrace.audit import services as audit
from mesotrace.audit.actor import Actor
from mesotrace.audit.models import AuditAction
from mesotrace.consent import document
from mesotrace.consent.models import (
    ConsentDocument,
    ConsentOverride,
    ConsentSignature,
    PhotoConsent,
    PhotoScope,
)
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


def _record(actor: Actor, action: str, consent: PhotoConsent, before: dict[str, object]) -> None:
    audit.record(
        actor,
        action,
        object_type="photo_consent",
        object_id=consent.pk,
        patient_id=consent.patient_id,
        changes=audit.diff(before, audit.snapshot(consent, CONSENT_FIELDS)),
        clinic=consent.clinic,
    )


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
    _record(actor, AuditAction.CREATE, consent, {})
    return consent


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
    _record(actor, AuditAction.UPDATE, consent, before)
    return consent


def valid_photo_consent(
    patient: Patient, on: datetime.date, scope: str = PhotoScope.CLINICAL_RECORD
) -> PhotoConsent | None:
    """The patient's consent covering photos for `scope` on that day, or None.

    Each use is consented to on its own: a marketing consent does not stand in for the record.
    """
    candidates = PhotoConsent.objects.for_clinic(patient.clinic).filter(
        patient=patient, scope=scope, withdrawn_at__isnull=True
    )
    return next((c for c in candidates if c.valid_on(on)), None)


# --- The patient document and its signature -------------------------------------------

SIGN_STATEMENT = _noop(
    "I have read this document, my questions were answered, and I agree to the treatment."
)


def current_content(plan: TreatmentPlan) -> tuple[dict[str, Any], str]:
    content = document.build_content(plan)
    return content, document.version_of(content)


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
        actor,
        AuditAction.CREATE,
        object_type="consent_document",
        object_id=consent.pk,
        patient_id=plan.patient_id,
        details={"plan_id": plan.pk, "version": version},
        clinic=plan.clinic,
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
    if ConsentSignature.objects.filter(document=consent).exists():
        errors["document"] = _("This document is already signed.")
    elif current_content(consent.plan)[1] != consent.version:
        errors["document"] = _("The plan has changed: this version can no longer be signed.")
    if errors:
        raise ValidationError(errors)
    return name


@transaction.atomic
def sign_consent(
    actor: Actor, consent: ConsentDocument, full_name: str, agreed: bool
) -> ConsentSignature:
    """The patient signs this exact version; the text and PDF signed are kept with it."""
    consent = ConsentDocument.objects.select_for_update().get(pk=consent.pk)
    name = _check_signable(consent, full_name, agreed)
    text = document.render_text(consent.content, consent.version)
    pdf = document.render_pdf(consent.content, consent.version)
    signature = ConsentSignature.objects.create(
        clinic=consent.clinic,
        document=consent,
        patient_name=name,
        statement=str(SIGN_STATEMENT),
        signed_at=timezone.now(),
        ip=actor.ip,
        user_agent=actor.user_agent,
        document_sha256=consent.version,
        signed_text=text,
        signed_pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
    )
    _record_signature(actor, AuditAction.CREATE, signature, {"signed_by": name})
    return signature


def _record_signature(
    actor: Actor, action: str, signature: ConsentSignature, details: dict[str, Any]
) -> None:
    audit.record(
        actor,
        action,
        object_type="consent_signature",
        object_id=signature.pk,
        patient_id=signature.document.patient_id,
        details={"version": signature.document_sha256, **details},
        clinic=signature.clinic,
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
        version=current_content(plan)[1],
        reason=reason,
        decided_by=membership.user,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type="consent_override",
        object_id=override.pk,
        patient_id=plan.patient_id,
        details={"plan_id": plan.pk, "version": override.version, "reason": reason},
        clinic=plan.clinic,
    )
    return override


def consent_problem(plan: TreatmentPlan) -> str | None:
    """Why charting this plan is not covered by consent, or None when it is."""
    version = current_content(plan)[1]
    signature = (
        ConsentSignature.objects.filter(clinic_id=plan.clinic_id)
        .filter(document__plan=plan, document__version=version)
        .defer("signed_pdf", "signed_text")
        .first()
    )
    if signature is not None and signature.is_valid:
        return None
    overrides = ConsentOverride.objects.filter(clinic_id=plan.clinic_id, plan=plan)
    if overrides.filter(version=version).exists():
        return None
    if signature is None:
        if ConsentSignature.objects.filter(clinic_id=plan.clinic_id, document__plan=plan).exists():
            return _("The plan changed since the patient signed: the new version needs signing.")
        return _("The patient has not signed the consent for this plan.")
    if signature.withdrawn_at is not None:
        return _("The patient withdrew consent for this plan.")
    if signature.countersigned_at is None:
        return _("The patient's consent is not countersigned by a clinician yet.")
    return None
