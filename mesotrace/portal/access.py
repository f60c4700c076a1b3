"""Access to portal pages: the session names a link, and every page re-checks that link.

Portal pages are `public` to the staff access rules (no staff login); what they show comes
only from the link's patient and clinic, so another patient's ids are simply not found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.core.http import public
from mesotrace.patients.models import Patient
from mesotrace.portal.models import PortalLink
from mesotrace.portal.services import (
    SESSION_KEY,
    LinkRefused,
    check_open,
    portal_actor,
    record_refusal,
    refused_actor,
)

_V = TypeVar("_V", bound=Callable[..., HttpResponseBase])


@dataclass(frozen=True)
class Portal:
    link: PortalLink
    patient: Patient
    clinic: Clinic
    actor: Actor


class PortalRequest(HttpRequest):
    """A request inside a patient's portal session (for type checking)."""

    portal: Portal


def refused(request: HttpRequest, refusal: LinkRefused) -> HttpResponse:
    """The plain error page of a link that does not open the portal."""
    return render(
        request,
        "portal/refused.html",
        {"message": refusal.message, "reason": refusal.reason},
        status=refusal.status,
    )


def _open_link(request: HttpRequest) -> PortalLink:
    link_id = request.session.get(SESSION_KEY)
    if not isinstance(link_id, int):
        raise LinkRefused(
            403, "no_session", _("Open your portal with the link the clinic sent you.")
        )
    link = PortalLink.objects.select_related("patient", "clinic").filter(pk=link_id).first()
    return check_open(link)


def portal_page(view: _V) -> _V:
    """A page of the patient's portal: only with a portal session whose link is still open."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            link = _open_link(request)
        except LinkRefused as refusal:
            request.session.pop(SESSION_KEY, None)
            if refusal.link is not None:  # a session whose link was revoked or ran out
                record_refusal(refused_actor(request, refusal), refusal, request.path)
            return refused(request, refusal)
        timezone.activate(link.clinic.timezone)
        request.portal = Portal(  # type: ignore[attr-defined]
            link, link.patient, link.clinic, portal_actor(request, link)
        )
        return view(request, *args, **kwargs)

    return public(cast(_V, wrapper))
