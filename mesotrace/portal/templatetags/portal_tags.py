"""The portal section of the patient page: the patient's links, each with its revoke button."""

from __future__ import annotations

from typing import Any

from django import template

from mesotrace.accounts.access import Actor
from mesotrace.patients.models import Patient
from mesotrace.portal import queries

register = template.Library()


@register.inclusion_tag("portal/_links_table.html", takes_context=True)
def portal_links(context: dict[str, Any], patient: Patient) -> dict[str, Any]:
    """The links table, for staff who may send links; nothing for anyone else."""
    request = context["request"]
    membership = getattr(request, "membership", None)
    if membership is None or not membership.may("portal.invite"):
        return {"rows": None}
    rows = queries.links_shown(Actor.from_request(request), patient, "patient_page")
    return {
        "rows": rows,
        "patient": patient,
        "back": "patient",
        "csrf_token": context.get("csrf_token"),
    }
