"""Reads of the consent app: the photo consent covering a day, the plan's document as it is
now, its signatures, and whether charting the plan is covered by consent."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from mesotrace.consent import documents
from mesotrace.consent.models import (
    ConsentDocument,
    ConsentOverride,
    ConsentSignature,
    PhotoConsent,
    PhotoScope,
)
from mesotrace.patients.models import Patient
from mesotrace.treatments.models import TreatmentPlan

if TYPE_CHECKING:
    from mesotrace.accounts.models import Clinic


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


def photo_consents(clinic: Clinic, patient: Patient) -> list[PhotoConsent]:
    """Every photo consent of the patient, latest first, withdrawn ones included."""
    return list(PhotoConsent.objects.for_clinic(clinic).filter(patient=patient))


def current_content(plan: TreatmentPlan) -> tuple[dict[str, Any], str]:
    """The document the plan gives now, with the clinic's evidence statement, and its version."""
    content = documents.build_content(plan)
    return content, documents.version_of(content)


def current_terms(plan: TreatmentPlan) -> str:
    """The version of the plan's terms now: what a signature must match to cover charting."""
    return documents.terms_version(documents.build_content(plan, clinic_evidence=False))


def is_current(consent: ConsentDocument) -> bool:
    """True when the plan has not changed since this document was generated."""
    return documents.terms_version(consent.content) == current_terms(consent.plan)


def plan_documents(clinic: Clinic, plan: TreatmentPlan) -> list[ConsentDocument]:
    """Every version of the plan's document, latest first."""
    return list(ConsentDocument.objects.for_clinic(clinic).filter(plan=plan))


def terms_signed(consent: ConsentDocument) -> bool:
    """Another document with the same terms carries a signature not withdrawn."""
    others = ConsentSignature.objects.filter(
        clinic_id=consent.clinic_id, document__plan_id=consent.plan_id, withdrawn_at__isnull=True
    ).select_related("document")
    terms = documents.terms_version(consent.content)
    return any(documents.terms_version(s.document.content) == terms for s in others)


def latest_signature(consent: ConsentDocument) -> ConsentSignature | None:
    """The latest signature: the standing one, or the last withdrawn when none stands."""
    return (
        ConsentSignature.objects.filter(document=consent).select_related("countersigned_by").first()
    )


def standing_signature(consent: ConsentDocument) -> ConsentSignature | None:
    """The document's signature not withdrawn, if any: the one to countersign or withdraw."""
    return (
        ConsentSignature.objects.filter(document=consent, withdrawn_at__isnull=True)
        .select_related("countersigned_by")
        .first()
    )


def signature_history(consent: ConsentDocument) -> list[ConsentSignature]:
    """Every signature on the document, latest first, withdrawn ones included."""
    return list(
        ConsentSignature.objects.filter(document=consent)
        .select_related("countersigned_by")
        .defer("signed_pdf", "signed_text")
        .order_by("-signed_at", "-id")
    )


def covering_signatures(plan: TreatmentPlan, terms: str) -> list[ConsentSignature]:
    """The plan's signatures on a document with these terms, latest first."""
    signatures = (
        ConsentSignature.objects.filter(clinic_id=plan.clinic_id, document__plan=plan)
        .select_related("document")
        .defer("signed_pdf", "signed_text", "drawn_signature")
        .order_by("-signed_at", "-id")
    )
    return [s for s in signatures if documents.terms_version(s.document.content) == terms]


def consent_problem(plan: TreatmentPlan) -> str | None:
    """Why charting this plan is not covered by consent, or None when it is."""
    terms = current_terms(plan)
    covering = covering_signatures(plan, terms)
    if any(s.is_valid for s in covering):
        return None
    overrides = ConsentOverride.objects.filter(clinic_id=plan.clinic_id, plan=plan)
    if overrides.filter(version=terms).exists():
        return None
    signature = covering[0] if covering else None
    if signature is None:
        if ConsentSignature.objects.filter(clinic_id=plan.clinic_id, document__plan=plan).exists():
            return _("The plan changed since the patient signed: the new version needs signing.")
        return _("The patient has not signed the consent for this plan.")
    if signature.withdrawn_at is not None:
        return _("The patient withdrew consent for this plan.")
    return _("The patient's consent is not countersigned by a clinician yet.")
