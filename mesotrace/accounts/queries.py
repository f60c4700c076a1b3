"""Reads of accounts: the membership behind an API token."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mesotrace.accounts.models import ApiToken, Membership, hash_token


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
