"""Who is acting, from where: passed to every service so its audit row can say so."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest

if TYPE_CHECKING:
    from mesotrace.accounts.models import Clinic, Membership, User

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_for(request: HttpRequest) -> str:
    """The caller's X-Request-ID when it is well formed, else a fresh one."""
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the address a trusted proxy put in X-Forwarded-For."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(addresses) >= hops:
            return str(addresses[-hops])
    remote = request.META.get("REMOTE_ADDR")
    return str(remote) if remote else None


@dataclass(frozen=True)
class Actor:
    user: User | None
    membership: Membership | None
    request_id: str
    ip: str | None
    user_agent: str
    via: str
    # Who acts when no user does, e.g. "patient via portal link 12"; shown in the audit trail.
    on_behalf_of: str = ""

    @property
    def clinic(self) -> Clinic | None:
        return self.membership.clinic if self.membership else None

    @property
    def label(self) -> str:
        if self.user:
            return self.user.email
        if self.on_behalf_of:
            return self.on_behalf_of
        return "anonymous" if self.via in {"web", "api", "portal"} else f"system ({self.via})"

    @classmethod
    def from_request(
        cls, request: HttpRequest, via: str = "web", user: User | None = None
    ) -> Actor:
        if user is None:
            current = getattr(request, "user", None)
            user = current if current is not None and current.is_authenticated else None
        return cls(
            user=user,
            membership=getattr(request, "membership", None),
            request_id=getattr(request, "request_id", "") or request_id_for(request),
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:300],
            via=via,
        )

    @classmethod
    def system(cls, via: str, membership: Membership | None = None) -> Actor:
        """An actor for commands and jobs that run without a request."""
        return cls(
            user=membership.user if membership else None,
            membership=membership,
            request_id=uuid.uuid4().hex,
            ip=None,
            user_agent="",
            via=via,
        )
