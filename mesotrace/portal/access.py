"""Access to portal pages: the session names a link, and every page re-checks that link;
the actor of a portal request is the patient, or whoever holds a link that opens nothing.

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
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.core.http import client_ip, public, request_id_for
from mesotrace.patients.models import Patient
from mesotrace.portal.models import PortalLink
from mesotrace.portal.rules import LinkRefused, check_open
from mesotrace.portal.services import record_refusal

_V = TypeVar("_V", bound=Callable[..., HttpResponseBase])
SESSION_KEY = "portal_link_id"


@dataclass(frozen=True)
class Portal:
    link: PortalLink
    patient: Patient
    clinic: Clinic
    actor: Actor


class PortalRequest(HttpRequest):
    """A request inside a patient's portal session (for type checking)."""

    portal: Portal


def refused_actor(request: HttpRequest, refusal: LinkRefused) -> Actor:
    """Whoever holds a link that opens nothing: not known to be the patient."""
    link = refusal.link
    return _request_actor(request, f"holder of portal link {link.pk}" if link else "")


def portal_actor(request: HttpRequest, link: PortalLink) -> Actor:
    """The patient, acting through the link: never the staff user who may share the browser."""
    return _request_actor(request, f"patient via portal link {link.pk}")


def _request_actor(request: HttpRequest, on_behalf_of: str) -> Actor:
    return Actor(
        user=None,
        membership=None,
        request_id=getattr(request, "request_id", "") or request_id_for(request),
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
        via="portal",
        on_behalf_of=on_behalf_of,
    )


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
        # The patient's portal speaks the patient's language, whoever's browser opens it.
        translation.activate(link.patient.preferred_language)
        request.LANGUAGE_CODE = link.patient.preferred_language
        request.portal = Portal(  # type: ignore[attr-defined]
            link, link.patient, link.clinic, portal_actor(request, link)
        )
        return view(request, *args, **kwargs)

    return public(cast(_V, wrapper))
