"""Every write of the portal: links created and revoked by staff, the patient's sessions
opened and left (and refused), and the patient's signature on their plan's document.

The URL carries a TimestampSigner token over the link's id and a random nonce. Only the
nonce's SHA-256 is stored, so the database alone cannot rebuild a working URL.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.consent import services as consent
from mesotrace.consent.models import ConsentSignature
from mesotrace.messaging import services as messaging
from mesotrace.messaging.models import OutboundMessage
from mesotrace.patients.models import Patient
from mesotrace.portal.models import PortalLink
from mesotrace.portal.rules import DEFAULT_DAYS, MAX_DAYS, LinkRefused, nonce_hash, signer
from mesotrace.treatments.models import TreatmentPlan


@transaction.atomic
def create_link(actor: Actor, patient: Patient, days: int = DEFAULT_DAYS) -> tuple[PortalLink, str]:
    """A new link for the patient and the token for its URL (shown once, never stored)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": _("Between 1 and %(n)s days.") % {"n": MAX_DAYS}})
    if actor.user is None:
        raise ValidationError({"days": _("Only a signed-in member of staff can send a link.")})
    nonce = secrets.token_urlsafe(24)
    link = PortalLink.objects.create(
        clinic=patient.clinic,
        patient=patient,
        nonce_sha256=nonce_hash(nonce),
        expires_at=timezone.now() + datetime.timedelta(days=days),
        created_by=actor.user,
    )
    details = {"expires_at": link.expires_at.isoformat(), "days": days}
    audit.record(actor, AuditAction.CREATE, link, details=details)
    return link, signer().sign(f"{link.pk}.{nonce}")


@transaction.atomic
def email_link(
    actor: Actor,
    patient: Patient,
    url_of: Callable[[str], str],
    *,
    days: int = DEFAULT_DAYS,
    consent: bool = False,
) -> OutboundMessage:
    """A new link, e-mailed to the patient by the task worker (as a request to sign when
    `consent`). `url_of` turns the link's token into its full URL. No e-mail address on
    file: no link either."""
    if not patient.email:
        raise ValidationError({"email": _("This patient has no e-mail address on file.")})
    link, token = create_link(actor, patient, days)
    return messaging.send_portal_link(actor, patient, link.pk, url_of(token), consent=consent)


@transaction.atomic
def revoke_link(actor: Actor, link: PortalLink) -> PortalLink:
    """Closes the link at once: the next page the patient opens with it is refused."""
    link = PortalLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is not None:
        raise ValidationError({"link": _("This link is already revoked.")})
    link.revoked_at = timezone.now()
    link.revoked_by = actor.user
    link.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    changes = {"revoked_at": {"before": None, "after": link.revoked_at.isoformat()}}
    audit.record(actor, AuditAction.UPDATE, link, changes=changes)
    return link


@transaction.atomic
def open_session(actor: Actor, link: PortalLink) -> PortalLink:
    """Records that the patient opened the portal with the link, now."""
    link.last_opened_at = timezone.now()
    link.save(update_fields=["last_opened_at", "updated_at"])
    audit.record(actor, AuditAction.LOGIN, link, details={"portal_link": link.pk})
    return link


@transaction.atomic
def leave_session(actor: Actor, link: PortalLink) -> None:
    """Records that the patient left the portal (the page then forgets the link)."""
    audit.record(actor, AuditAction.LOGOUT, link, details={"portal_link": link.pk})


@transaction.atomic
def record_refusal(actor: Actor, refusal: LinkRefused, where: str) -> None:
    """The audit row of a link refused; a forged token names no clinic and no patient."""
    details = {"reason": refusal.reason, "status": refusal.status, "at": where}
    subject = refusal.link if refusal.link is not None else ObjectType.PORTAL_LINK
    audit.record(actor, AuditAction.LOGIN_FAILED, subject, details=details)


@transaction.atomic
def sign_plan_consent(
    actor: Actor,
    plan: TreatmentPlan,
    *,
    version: str,
    full_name: str,
    agreed: bool,
    drawn_signature: str = "",
) -> ConsentSignature:
    """The patient signs the version of the plan's document they read: it is stored, with
    their signature on it; if the plan changed meanwhile, nothing is."""
    read = consent.generate_consent(actor, plan)
    if read.version != version:
        raise ValidationError(
            {"document": _("The document changed while you read it: read it again below.")}
        )
    return consent.sign_consent(actor, read, full_name, agreed, drawn_signature)
