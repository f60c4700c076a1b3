"""Resolves the signed-in user's active clinic and membership for each request, and counts
every sign-in attempt, even one whose body cannot be read."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import parse_qs

from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone, translation

from mesotrace.accounts.models import Membership
from mesotrace.accounts.queries import active_memberships

SESSION_KEY = "active_clinic_id"


def active_membership(request: HttpRequest) -> Membership | None:
    if not request.user.is_authenticated:
        return None
    memberships = list(active_memberships(request.user))
    chosen = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.clinic_id == chosen:
            return membership
    # With a single clinic there is nothing to choose.
    return memberships[0] if len(memberships) == 1 else None


class ActiveClinicMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = active_membership(request)
        request.membership = membership  # type: ignore[attr-defined]
        request.clinic = membership.clinic if membership else None  # type: ignore[attr-defined]
        if membership:
            timezone.activate(membership.clinic.timezone)
        else:
            timezone.deactivate()
        language = staff_language(request, membership)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def staff_language(request: HttpRequest, membership: Membership | None) -> str:
    """The signed-in user's own language, else the active clinic's; blank for anyone else,
    whose pages keep the browser's language (LocaleMiddleware, limited to LANGUAGES)."""
    if not request.user.is_authenticated:
        return ""
    own = getattr(request.user, "language", "")
    return own or (membership.clinic.language if membership else "")


# How much of a body too large to read is searched for the username it names.
_PREFIX = 64 * 1024
# Set on a request by the receivers of Django's sign-in signals (accounts.signals).
COUNTED = "sign_in_counted"


def _sign_in_paths() -> set[str]:
    return {reverse("accounts:login"), reverse("api:issue_token")}


_USERNAME_IN_JSON = re.compile(r'"username"\s*:\s*"([^"\\]{1,254})"')


def _body_start(request: HttpRequest) -> str:
    try:
        raw = request.body
    except Exception:  # too large to read whole (its start is searched), or streamed
        try:
            raw = request.read(_PREFIX)
        except Exception:
            return ""
    return raw[:_PREFIX].decode("utf-8", "replace")


def _attempted_username(request: HttpRequest) -> str | None:
    """The username a body names, read defensively: JSON or form fields, whatever the
    Content-Type says, from its start when it is too large; None when it names none."""
    form = _readable_form(request)
    if form.get("username"):
        return str(form["username"]).strip().lower()[:254] or None
    raw = _body_start(request)
    try:
        parsed = json.loads(raw)
        found = parsed.get("username") if isinstance(parsed, dict) else None
    except ValueError:
        match = _USERNAME_IN_JSON.search(raw)
        found = match.group(1) if match else next(iter(parse_qs(raw).get("username", [])), None)
    return found.strip().lower()[:254] if isinstance(found, str) and found.strip() else None


def _readable_form(request: HttpRequest) -> QueryDict:
    # The throttle copies request.POST into its record; a body Django could not parse
    # would raise again there, so it reads as empty instead, as Django itself does.
    try:
        return request.POST
    except Exception:
        request._mark_post_parse_error()  # type: ignore[attr-defined]
        return request.POST


class SignInAttemptMiddleware:
    """Every POST to the sign-in page or the token endpoint counts as an attempt.

    A request that reaches `authenticate()` is counted by the throttle's own signal
    receiver. One refused earlier (a body without a multipart boundary, too large, not
    JSON, a missing field, no CSRF token) never did, which let a client try passwords
    without ever being counted; this middleware, outermost, counts it as a failure under
    the username the body names, if any, from the client's real address.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.paths: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.paths is None:
            self.paths = _sign_in_paths()
        response = self.get_response(request)
        attempt = request.method == "POST" and request.path in self.paths
        if attempt and not getattr(request, COUNTED, False):
            self._count_failure(request)
        return response

    def _count_failure(self, request: HttpRequest) -> None:
        username = _attempted_username(request)
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
