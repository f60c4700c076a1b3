"""The safety alert banner: the clinic's open alerts, for those who decide on a lot; and
the count of patients' reports waiting for a grade, for the safety pages' navigation.

The banner reaches every page through `page_banners`, which the project shell (base.html)
shows without knowing what they are. One query per request for roles with
`safety_alert.view`, run only when a page shows its banners; none for the other roles. The
count is one query, read only by the safety nav.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString

from mesotrace.safety.models import SafetyAlert
from mesotrace.safety.queries.alerts import open_alerts
from mesotrace.safety.queries.events import awaiting_grade

PERMISSION = "safety_alert.view"


def open_alerts_for_banner(request: HttpRequest) -> list[SafetyAlert]:
    """The open alerts with their lot and product, in one query; each says its own rule."""
    cached: list[SafetyAlert] | None = getattr(request, "_safety_banner", None)
    if cached is not None:
        return cached
    found = open_alerts(request.clinic)  # type: ignore[attr-defined]
    request._safety_banner = found  # type: ignore[attr-defined]
    return found


def reports_to_grade(request: HttpRequest) -> int:
    """How many events the clinic's patients reported that staff have not graded yet."""
    return awaiting_grade(request.clinic).count()  # type: ignore[attr-defined]


def _banner(request: HttpRequest) -> SafeString:
    alerts = open_alerts_for_banner(request)
    if not alerts:
        return SafeString("")
    may_trace = request.membership.may("lot.trace")  # type: ignore[attr-defined]
    context = {"safety_alerts": alerts, "may_trace": may_trace}
    return SafeString(render_to_string("safety/_banner.html", context))


def safety_alerts(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    found: dict[str, Any] = {"page_banners": [], "safety_to_grade": 0}
    if membership is None:
        return found
    if membership.may(PERMISSION):
        found["page_banners"] = [SimpleLazyObject(lambda: _banner(request))]
    if membership.may("adverse_event.view"):
        found["safety_to_grade"] = SimpleLazyObject(lambda: reports_to_grade(request))
    return found
