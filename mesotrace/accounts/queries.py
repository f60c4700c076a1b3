"""Reads of accounts: the membership behind an API token, one's clinics and tokens, and the
clinic's audit trail as the auditor narrows it."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from mesotrace.accounts.models import ApiToken, Clinic, Membership, User, hash_token
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, AuditEvent, ObjectType
from mesotrace.core.clock import clinic_zone

EXPORT_LIMIT = 100_000


def membership_for_token(raw: str) -> tuple[ApiToken, Membership] | None:
    """The usable token and its active membership for a raw bearer key, or None."""
    token = (
        ApiToken.objects.select_related("membership__clinic", "membership__user")
        .filter(key_hash=hash_token(raw))
        .first()
    )
    if token is None or not token.is_usable:
        return None
    membership = token.membership
    if not membership.is_active or not membership.user.is_active:
        return None
    # Touch at most once a minute so a busy client does not write on every call.
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token, membership


def active_memberships(user: User) -> QuerySet[Membership]:
    """The user's active memberships, each with its clinic."""
    return Membership.objects.filter(user=user, is_active=True).select_related("clinic")


def tokens_of(membership: Membership) -> QuerySet[ApiToken]:
    """The membership's API tokens, newest first."""
    return ApiToken.objects.filter(membership=membership).order_by("-created_at")


def trail(
    clinic: Clinic,
    *,
    patient: int | None = None,
    user: User | None = None,
    action: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """The clinic's audit trail, newest first, narrowed by what is given; days are the clinic's."""
    events = AuditEvent.objects.for_clinic(clinic).select_related("actor")
    zone = clinic_zone(clinic)
    if patient:
        events = events.filter(patient_id=patient)
    if user:
        events = events.filter(actor=user)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__gte=datetime.datetime.combine(date_from, datetime.time(), zone))
    if date_to:
        end = date_to + datetime.timedelta(days=1)
        events = events.filter(at__lt=datetime.datetime.combine(end, datetime.time(), zone))
    return events


def trail_export(
    actor: audit.AuditActor, events: QuerySet[AuditEvent], filters: Mapping[str, str]
) -> QuerySet[AuditEvent]:
    """The first `EXPORT_LIMIT` events for a file; the export is itself audited."""
    audit.record(
        actor,
        AuditAction.EXPORT,
        ObjectType.AUDIT_EVENT,
        details={"filters": dict(filters), "limit": EXPORT_LIMIT},
    )
    return events[:EXPORT_LIMIT]
