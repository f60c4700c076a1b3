"""Portal links: created and revoked by staff, opened by the patient; every access audited.

The URL carries a TimestampSigner token over the link's id and a random nonce. Only the
nonce's SHA-256 is stored, so the database alone cannot rebuild a working URL.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.core.http import client_ip, request_id_for
from mesotrace.patients.models import Patient
from mesotrace.portal.models import PortalLink

SALT = "mesotrace.portal.link"
DEFAULT_DAYS = 14
MAX_DAYS = 60
SESSION_KEY = "portal_link_id"


class LinkRefused(Exception):
    """A link that does not open the portal: 403 when it is not ours, 410 when it is over.

    `link` is the link a genuine but expired or revoked token names; None for a forged one.
    """

    def __init__(
        self, status: int, reason: str, message: str, link: PortalLink | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.link = link


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


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
        nonce_sha256=_hash(nonce),
        expires_at=timezone.now() + datetime.timedelta(days=days),
        created_by=actor.user,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        ObjectType.PORTAL_LINK,
        object_id=link.pk,
        patient_id=patient.pk,
        details={"expires_at": link.expires_at.isoformat(), "days": days},
        clinic=patient.clinic,
    )
    return link, _signer().sign(f"{link.pk}.{nonce}")


@transaction.atomic
def revoke_link(actor: Actor, link: PortalLink) -> PortalLink:
    """Closes the link at once: the next page the patient opens with it is refused."""
    link = PortalLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is not None:
        raise ValidationError({"link": _("This link is already revoked.")})
    link.revoked_at = timezone.now()
    link.revoked_by = actor.user
    link.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        ObjectType.PORTAL_LINK,
        object_id=link.pk,
        patient_id=link.patient_id,
        changes={"revoked_at": {"before": None, "after": link.revoked_at.isoformat()}},
        clinic=link.clinic,
    )
    return link


def _tampered() -> LinkRefused:
    return LinkRefused(
        403,
        "invalid",
        _("This link is not valid. Check that you copied all of it, or ask the clinic again."),
    )


def _expired(link: PortalLink) -> LinkRefused:
    message = _("This link has expired. Ask the clinic for a new one.")
    return LinkRefused(410, "expired", message, link)


def check_open(link: PortalLink | None) -> PortalLink:
    """The link when it still opens the portal; else why not."""
    if link is None:
        raise _tampered()
    if link.revoked_at is not None:
        message = _("The clinic has closed this link. Ask the clinic for a new one.")
        raise LinkRefused(410, "revoked", message, link)
    if link.expires_at <= timezone.now():
        raise _expired(link)
    return link


def _named_link(token: str) -> PortalLink:
    """The link a genuine token names, whatever its age; a forged token names none."""
    try:
        value = _signer().unsign(token)
    except signing.BadSignature as error:
        raise _tampered() from error
    pk, _dot, nonce = value.partition(".")
    link = (
        PortalLink.objects.select_related("patient", "clinic").filter(pk=int(pk)).first()
        if pk.isdigit()
        else None
    )
    if link is None or not constant_time_compare(_hash(nonce), link.nonce_sha256):
        raise _tampered()
    return link


def link_of(token: str, max_age: datetime.timedelta | None = None) -> PortalLink:
    """The open link a token names. `max_age` caps the token's age (default: the longest link)."""
    link = _named_link(token)
    try:
        _signer().unsign(token, max_age=max_age or datetime.timedelta(days=MAX_DAYS))
    except signing.SignatureExpired as error:
        raise _expired(link) from error
    return check_open(link)


@transaction.atomic
def open_session(actor: Actor, link: PortalLink) -> PortalLink:
    """Records that the patient opened the portal with the link, now."""
    link.last_opened_at = timezone.now()
    link.save(update_fields=["last_opened_at", "updated_at"])
    record_access(actor, link, AuditAction.LOGIN, ObjectType.PORTAL_LINK, link.pk)
    return link


def record_refusal(actor: Actor, refusal: LinkRefused, where: str) -> None:
    """The audit row of a link refused; a forged token names no clinic and no patient."""
    link = refusal.link
    audit.record(
        actor,
        AuditAction.LOGIN_FAILED,
        ObjectType.PORTAL_LINK,
        object_id=link.pk if link else "",
        patient_id=link.patient_id if link else None,
        details={"reason": refusal.reason, "status": refusal.status, "at": where},
        clinic=link.clinic if link else None,
    )


def refused_actor(request: HttpRequest, refusal: LinkRefused) -> Actor:
    """Whoever holds a link that opens nothing: not known to be the patient."""
    link = refusal.link
    return _request_actor(request, f"holder of portal link {link.pk}" if link else "")


def portal_actor(request: HttpRequest, link: PortalLink) -> Actor:
    """The patient, acting through the link: never the staff user who may share the browser."""
    return _request_actor(request, f"patient via portal link {link.pk}")


def _request_actor(request: HttpRequest, on_behalf_of: str) -> Actor:
    return Actor(
        user=None,
        membership=None,
        request_id=getattr(request, "request_id", "") or request_id_for(request),
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
        via="portal",
        on_behalf_of=on_behalf_of,
    )


def record_access(
    actor: Actor,
    link: PortalLink,
    action: AuditAction,
    object_type: ObjectType,
    object_id: object = "",
    details: dict[str, Any] | None = None,
) -> None:
    """The audit row of one portal page, download or refused opening."""
    audit.record(
        actor,
        action,
        object_type,
        object_id=object_id,
        patient_id=link.patient_id,
        details={"portal_link": link.pk, **(details or {})},
        clinic=link.clinic,
    )


def links_shown(actor: Actor, patient: Patient, where: str) -> list[tuple[PortalLink, bool]]:
    """The patient's links, latest first, each with whether it still opens; the listing audited."""
    links = list(
        PortalLink.objects.for_clinic(patient.clinic)
        .filter(patient=patient)
        .select_related("created_by", "revoked_by")
    )
    audit.record(
        actor,
        AuditAction.LIST,
        ObjectType.PORTAL_LINK,
        patient_id=patient.pk,
        details={"shown": [link.pk for link in links], "on": where},
        clinic=patient.clinic,
    )
    now = timezone.now()
    return [(link, link.is_open(now)) for link in links]
