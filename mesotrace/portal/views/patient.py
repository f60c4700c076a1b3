"""The patient's portal pages: their plan, consent, appointments and progress, and three actions.

Every query starts from the link's clinic and patient; every page, download and action
writes an audit row with the patient as the actor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesotrace.audit import services as audit
from mesotrace.audit.models import ObjectType
from mesotrace.consent import queries as consent_queries
from mesotrace.consent.documents import language_of, render_html, render_pdf
from mesotrace.consent.forms import SignConsentForm
from mesotrace.consent.models import ConsentSignature
from mesotrace.core.clock import clinic_today
from mesotrace.core.forms import attach_errors
from mesotrace.core.http import public
from mesotrace.outcomes import documents
from mesotrace.outcomes.documents import LogChart
from mesotrace.outcomes.models import EnteredBy
from mesotrace.outcomes.queries.measurements import lifestyle_logs, patient_measurements
from mesotrace.outcomes.services import log_lifestyle
from mesotrace.portal import queries, services
from mesotrace.portal.access import (
    SESSION_KEY,
    Portal,
    PortalRequest,
    portal_actor,
    portal_page,
    refused,
    refused_actor,
)
from mesotrace.portal.forms import LifestyleForm, SideEffectForm
from mesotrace.portal.rules import LinkRefused
from mesotrace.safety.models import Reporter
from mesotrace.safety.services.events import EventInput, record_event
from mesotrace.treatments.models import TreatmentPlan


def _seen(
    portal: Portal, page: str, kind: ObjectType = ObjectType.PORTAL_PAGE, **details: Any
) -> None:
    queries.record_page(portal.actor, portal.link, kind, {"page": page, **details})


@public
@require_GET
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the clinic: starts a portal session bound to its patient."""
    try:
        link = queries.link_of(token)
    except LinkRefused as refusal:
        request.session.pop(SESSION_KEY, None)
        services.record_refusal(refused_actor(request, refusal), refusal, "open")
        return refused(request, refusal)
    request.session.cycle_key()
    request.session[SESSION_KEY] = link.pk
    services.open_session(portal_actor(request, link), link)
    return redirect("portal:home")


@portal_page
@require_POST
def leave(request: PortalRequest) -> HttpResponse:
    portal = request.portal
    services.leave_session(portal.actor, portal.link)
    request.session.pop(SESSION_KEY, None)
    return render(request, "portal/left.html", {"clinic": portal.clinic})


def _charts(portal: Portal) -> list[SafeString]:
    """The patient's progress: each measurement by side, then their weight and exercise."""
    lifestyle = (
        LogChart(_("Your weight"), "kg", _("weight"), documents.weight),
        LogChart(_("Exercise"), _("min/week"), _("exercise"), documents.exercise),
    )
    return documents.progress_charts(
        patient_measurements(portal.clinic, portal.patient),
        lifestyle_logs(portal.clinic, portal.patient),
        lambda m: m.get_side_display(),
        lifestyle,
    )


@portal_page
@require_GET
def home(request: PortalRequest) -> HttpResponse:
    portal = request.portal
    now = timezone.now()
    plans, signed, appointments, sessions = queries.home(portal.clinic, portal.patient)
    context = {
        "patient": portal.patient,
        "clinic": portal.clinic,
        "link": portal.link,
        "plans": plans,
        "signed": signed,
        "upcoming": [a for a in appointments if a.starts_at >= now and a.status == "booked"],
        "past": [a for a in appointments if a.starts_at < now or a.status != "booked"],
        "sessions": sessions,
        "completed": [p for p in plans if p.status == "completed"],
        "charts": _charts(portal),
    }
    _seen(
        portal,
        "home",
        plans=[p.pk for p in plans],
        documents=[s.document_id for s in signed],
        sessions=[s.pk for s in sessions],
    )
    return render(request, "portal/home.html", context)


def _plan(portal: Portal, plan_id: int) -> TreatmentPlan:
    return get_object_or_404(queries.own_plans(portal.clinic, portal.patient), pk=plan_id)


def _consent_page(
    request: PortalRequest, plan: TreatmentPlan, form: SignConsentForm, status: int = 200
) -> HttpResponse:
    portal = request.portal
    signatures = consent_queries.covering_signatures(plan, consent_queries.current_terms(plan))
    covering = [s for s in signatures if not s.withdrawn_at]
    signature = covering[0] if covering else None
    if signature is not None:
        content, version = signature.document.content, signature.document.version
    else:
        content, version = consent_queries.current_content(plan)
    context = {
        "clinic": portal.clinic,
        "plan": plan,
        "signature": signature,
        "withdrawn": None if signature else next(iter(signatures), None),
        "version": version,
        "form": form,
        "body": render_html(content, version),
        "document_language": language_of(content),
    }
    _seen(portal, "consent", ObjectType.CONSENT_DOCUMENT, plan=plan.pk, version=version)
    return render(request, "portal/consent.html", context, status=status)


@portal_page
@require_GET
def plan_consent(request: PortalRequest, plan_id: int) -> HttpResponse:
    return _consent_page(request, _plan(request.portal, plan_id), SignConsentForm())


@portal_page
@require_POST
def sign(request: PortalRequest, plan_id: int) -> HttpResponse:
    portal = request.portal
    plan = _plan(portal, plan_id)
    form = SignConsentForm(request.POST)
    form.is_valid()
    try:
        services.sign_plan_consent(
            portal.actor,
            plan,
            version=request.POST.get("version", ""),
            full_name=form.cleaned_data.get("full_name", ""),
            agreed=bool(form.cleaned_data.get("statement")),
            drawn_signature=form.data.get("drawn_signature", ""),
        )
    except ValidationError as error:
        attach_errors(form, error)
        return _consent_page(request, plan, form, status=422)
    messages.success(request, _("Thank you: you have signed. The clinic will countersign."))
    return redirect("portal:consent", plan_id=plan.pk)


def _pdf(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _signed_pdf(portal: Portal, signature: ConsentSignature) -> HttpResponse:
    details = {"portal_link": portal.link.pk, "as": "pdf", "signature": signature.pk}
    audit.record_read(portal.actor, signature.document, export=True, details=details)
    name = f"consent-{signature.document_id}-signed-{signature.pk}.pdf"
    return _pdf(bytes(signature.signed_pdf), name)


@portal_page
@require_GET
def signed_pdf(request: PortalRequest, document_id: int) -> HttpResponse:
    """The exact PDF the patient signed last on this document."""
    portal = request.portal
    signatures = queries.own_signatures(portal.clinic, portal.patient)
    signature = signatures.filter(document_id=document_id).first()
    if signature is None:
        raise Http404
    return _signed_pdf(portal, signature)


@portal_page
@require_GET
def signature_pdf(request: PortalRequest, signature_id: int) -> HttpResponse:
    """The exact PDF of one signature, a withdrawn one included."""
    portal = request.portal
    signatures = queries.own_signatures(portal.clinic, portal.patient)
    return _signed_pdf(portal, get_object_or_404(signatures, pk=signature_id))


@portal_page
@require_GET
def reading_pdf(request: PortalRequest, plan_id: int) -> HttpResponse:
    """The plan's current document as a PDF, to read before signing."""
    portal = request.portal
    plan = _plan(portal, plan_id)
    content, version = consent_queries.current_content(plan)
    details = {"as": "pdf", "plan": plan.pk, "version": version}
    queries.record_page(
        portal.actor, portal.link, ObjectType.CONSENT_DOCUMENT, details, export=True
    )
    return _pdf(render_pdf(content, version), f"consent-plan-{plan.pk}.pdf")


def _report(
    request: PortalRequest,
    page: str,
    form: Form,
    save: Callable[[dict[str, Any]], object],
    thanks: str,
) -> HttpResponse:
    """A report the patient fills in on `page`: saved with `save` and thanked for, or shown
    (again, with what is wrong)."""
    portal = request.portal
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, thanks)
            return redirect("portal:home")
    _seen(portal, page)
    return render(request, f"portal/{page}.html", {"clinic": portal.clinic, "form": form})


@portal_page
@require_http_methods(["GET", "POST"])
def side_effect(request: PortalRequest) -> HttpResponse:
    """The patient reports a side effect; staff grade it later."""
    portal = request.portal

    def save(data: dict[str, Any]) -> None:
        event = EventInput(
            term=data["term"],
            term_text=data["term_text"],
            onset_date=data["onset_date"],
            detected_on=clinic_today(portal.clinic),
            description=data["description"],
            reporter=Reporter.PATIENT,
        )
        record_event(portal.actor, portal.patient, event)

    form = SideEffectForm(request.POST or None)
    thanks = _("Thank you. The clinic has your report and will call you.")
    return _report(request, "side_effect", form, save, thanks)


@portal_page
@require_http_methods(["GET", "POST"])
def lifestyle(request: PortalRequest) -> HttpResponse:
    """The patient logs their diet and exercise, as the plan asks."""
    portal = request.portal

    def save(data: dict[str, Any]) -> None:
        log_lifestyle(
            portal.actor,
            portal.patient,
            data["date"],
            data["diet_adherence_percent"],
            data["exercise_minutes_per_week"],
            data["weight_kg"],
            entered_by=EnteredBy.PATIENT,
        )

    form = LifestyleForm(request.POST or None, today=clinic_today(portal.clinic))
    return _report(request, "lifestyle", form, save, _("Saved. Thank you."))
