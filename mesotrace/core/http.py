"""Request plumbing pages and API calls share: the request id, the client address, public views."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

_V = TypeVar("_V", bound=Callable[..., HttpResponseBase])
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


def public(view: _V) -> _V:
    """A page anyone may open: sign-in, health check. The isolation sweep reads the mark."""
    view.public = True  # type: ignore[attr-defined]
    return view
