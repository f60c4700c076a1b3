"""Recording and withdrawing photo consent, and the check photo uploads make."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.audit import services as audit
from mesotrace.audit.actor import Actor
from mesotrace.audit.models import AuditAction
from mesotrace.consent.models import PhotoConsent, PhotoScope
from mesotrace.patients.models import Patient

CONSENT_FIELDS = [
    "patient",
    "scope",
    "granted_at",
    "expires_on",
    "withdrawn_at",
    "withdrawn_reason",
]
MAX_REASON = 2000


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
