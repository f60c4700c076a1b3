"""Logins, failed logins and logouts go into the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from mesotrace.accounts.access import Actor
from mesotrace.accounts.middleware import COUNTED
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.core.http import client_ip, request_id_for


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None:
        return
    setattr(request, COUNTED, True)
    actor = Actor.from_request(request, user=user)
    audit.record(actor, AuditAction.LOGIN, user)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or user is None:
        return
    actor = Actor.from_request(request, user=user)
    audit.record(actor, AuditAction.LOGOUT, user)


@receiver(user_login_failed)
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is None:
        return
    setattr(request, COUNTED, True)
    actor = Actor(
        user=None,
        membership=None,
        request_id=getattr(request, "request_id", "") or request_id_for(request),
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
        via="web" if not request.path.startswith("/api/") else "api",
    )
    attempted = str(credentials.get("username") or credentials.get("email") or "")[:254]
    audit.record(actor, AuditAction.LOGIN_FAILED, ObjectType.USER, details={"username": attempted})
