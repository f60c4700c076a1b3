"""The e-mail section of the patient page: what was sent, how it went, the language it is
written in (the patient's) and the patient's reminder opt-out."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from mesotrace.accounts.access import Actor
from mesotrace.messaging import queries
from mesotrace.messaging.forms import PreferenceForm
from mesotrace.patients.models import Patient

register = template.Library()


def _language(code: str) -> dict[str, str]:
    """A language's code and its name as settings write it (each in its own language)."""
    return {"code": code, "name": dict(settings.LANGUAGES).get(code, code)}


@register.inclusion_tag("messaging/_messages_table.html", takes_context=True)
def patient_messages(context: dict[str, Any], patient: Patient) -> dict[str, Any]:
    """The patient's e-mails, newest first, with their delivery state; the listing audited."""
    request = context["request"]
    membership = getattr(request, "membership", None)
    if membership is None or not membership.may("patient.view"):
        return {"rows": None}
    preference = queries.preference_of(patient)
    form = PreferenceForm(initial={"no_reminders": preference.no_reminders})
    return {
        "rows": queries.patient_messages(Actor.from_request(request), patient),
        "patient": patient,
        "preference": preference,
        "language": _language(queries.language_for(patient)),
        "form": form if membership.may("patient.change") else None,
        "csrf_token": context.get("csrf_token"),
    }
