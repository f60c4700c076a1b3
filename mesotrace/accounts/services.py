"""Writes for clinics, members and API tokens: each in a transaction, each audited."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import ApiToken, Clinic, Membership, User, hash_token
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction


@transaction.atomic
def create_clinic(
    actor: Actor,
    *,
    name: str,
    slug: str,
    jurisdiction: str,
    timezone_name: str,
    currency: str,
    language: str = "en",
) -> Clinic:
    clinic = Clinic(
        name=name,
        slug=slug,
        jurisdiction=jurisdiction,
        timezone=timezone_name,
        currency=currency,
        language=language,
    )
    clinic.full_clean()
    clinic.save()
    audit.record(actor, AuditAction.CREATE, clinic, clinic=clinic)
    return clinic


@transaction.atomic
def add_member(
    actor: Actor,
    clinic: Clinic,
    *,
    email: str,
    role: str,
    password: str | None = None,
    name: str = "",
) -> Membership:
    """Adds a user (creating the account if needed) to a clinic with a role."""
    user = User.objects.filter(email=email.lower()).first()
    if user is None:
        first, _, last = name.partition(" ")
        user = User.objects.create_user(email, password, first_name=first, last_name=last)
    membership = Membership(user=user, clinic=clinic, role=role)
    membership.full_clean()
    membership.save()
    audit.record(actor, AuditAction.CREATE, membership, changes={"user": user.email, "role": role})
    return membership


@transaction.atomic
def issue_token(
    actor: Actor, membership: Membership, name: str = "", lifetime: timedelta | None = None
) -> tuple[ApiToken, str]:
    """A new bearer token for the membership; the raw key is returned once and never stored."""
    raw = ApiToken.new_key()
    token = ApiToken.objects.create(
        membership=membership,
        name=name[:100],
        prefix=raw[:8],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + (lifetime or settings.API_TOKEN_LIFETIME),
    )
    audit.record(
        actor,
        AuditAction.TOKEN_CREATED,
        token,
        clinic=membership.clinic,
        details={"name": token.name, "expires_at": token.expires_at.isoformat()},
    )
    return token, raw


@transaction.atomic
def revoke_token(actor: Actor, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, AuditAction.TOKEN_REVOKED, token, clinic=token.membership.clinic)
    return token


@transaction.atomic
def switch_clinic(actor: Actor, membership: Membership) -> None:
    audit.record(actor, AuditAction.CLINIC_SWITCH, membership.clinic, clinic=membership.clinic)


@transaction.atomic
def set_user_language(actor: Actor, user: User, language: str) -> User:
    """The language of the user's own pages; blank follows the active clinic's."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    before = user.language
    user.language = language
    if language != before:
        user.save(update_fields=["language"])
        changes = {"language": {"before": before, "after": language}}
        audit.record(actor, AuditAction.UPDATE, user, changes=changes)
    return user


@transaction.atomic
def set_clinic_language(actor: Actor, clinic: Clinic, language: str) -> Clinic:
    """The clinic's language: its staff who chose none and its new patients follow it."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    before = clinic.language
    clinic.language = language
    if language != before:
        clinic.save(update_fields=["language"])
        changes = {"language": {"before": before, "after": language}}
        audit.record(actor, AuditAction.UPDATE, clinic, clinic=clinic, changes=changes)
    return clinic
