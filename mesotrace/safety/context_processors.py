"""The safety alert banner: the clinic's open alerts, for those who decide on a lot; and
the count of patients' reports waiting for a grade, for the safety pages' navigation.

One query per request for roles with `safety_alert.view`, read only when a template shows
the banner; none for the other roles. The count is one query, read only by the safety nav.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from mesotrace.safety.models import SafetyAlert
from mesotrace.safety.services import awaiting_grade

PERMISSION = "safety_alert.view"


def open_alerts_for_banner(request: HttpRequest) -> list[SafetyAlert]:
    """The open alerts with their lot and product, in one query; each says its own rule."""
    cached: list[SafetyAlert] | None = getattr(request, "_safety_banner", None)
    if cached is not None:
        return cached
    clinic = request.clinic  # type: ignore[attr-defined]
    found: list[SafetyAlert] = list(
        SafetyAlert.objects.for_clinic(clinic)
        .filter(closed_at__isnull=True)
        .select_related("lot", "lot__product")
        .order_by("-created_at", "-id")
    )
    request._safety_banner = found  # type: ignore[attr-defined]
    return found


def reports_to_grade(request: HttpRequest) -> int:
    """How many events the clinic's patients reported that staff have not graded yet."""
    return awaiting_grade(request.clinic).count()  # type: ignore[attr-defined]


def safety_alerts(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    found: dict[str, Any] = {"safety_alerts": [], "safety_to_grade": 0}
    if membership is None:
        return found
    if membership.may(PERMISSION):
        found["safety_alerts"] = SimpleLazyObject(lambda: open_alerts_for_banner(request))
    if membership.may("adverse_event.view"):
        found["safety_to_grade"] = SimpleLazyObject(lambda: reports_to_grade(request))
    return found
