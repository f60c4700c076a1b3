"""Resolves the signed-in user's active clinic and membership for each request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

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
        return self.get_response(request)
