"""Request plumbing pages and API calls share: the request id, the client address, public views."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

_V = TypeVar("_V", bound=Callable[..., HttpResponseBase])
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_for(request: HttpRequest) -> str:
    """The caller's X-Request-ID when it is well formed, else a fresh one."""
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex


def _address(value: object) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the address the outermost trusted proxy put in X-Forwarded-For.

    With TRUSTED_PROXY_COUNT proxies in front, each appends the address it was reached
    from, so the entry that many places from the right is the client's; anything left of
    it was written by the client and is ignored. The audit trail and the login throttle
    both key on this one answer.
    """
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(addresses) >= hops:
            found = _address(addresses[-hops])
            if found:
                return found
    return _address(request.META.get("REMOTE_ADDR", ""))


# Django's own test of a multipart boundary (django.http.multipartparser).
_BOUNDARY = re.compile(r"[ -~]{0,200}[!-~]")
# What the API reads: JSON, and multipart for the one photo upload.
_API_BODIES = {"application/json", "multipart/form-data"}


def body_problem(request: HttpRequest) -> tuple[int, str, str] | None:
    """Why a request's body must be refused before anything parses it, as (status, field,
    reason): a multipart body without a usable boundary (400), an API body that is not JSON
    (415), a declared length over the limit (413). A file upload may be larger than any
    other body."""
    multipart = request.content_type == "multipart/form-data"
    if multipart and not _BOUNDARY.fullmatch((request.content_params or {}).get("boundary", "")):
        return 400, "Content-Type", _("A multipart body needs a boundary in its Content-Type.")
    raw_length = request.META.get("CONTENT_LENGTH") or "0"
    if not raw_length.isascii() or not raw_length.isdigit():
        return 400, "Content-Length", _("The Content-Length header is not a number.")
    if (
        request.path.startswith("/api/")
        and int(raw_length)
        and request.content_type not in _API_BODIES
    ):
        return 415, "Content-Type", _("Send the body as application/json.")
    limit = settings.UPLOAD_MAX_BODY_SIZE if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if int(raw_length) > limit:
        return (
            413,
            "body",
            _("The request body is too large (at most %(mb)s MB).")
            % {"mb": round(limit / 1024 / 1024, 1)},
        )
    return None


def public(view: _V) -> _V:
    """A page anyone may open: sign-in, health check. The isolation sweep reads the mark."""
    view.public = True  # type: ignore[attr-defined]
    return view
