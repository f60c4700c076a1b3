"""Pages of the patient document: versions of a plan's consent, the document, PDF, signing."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.audit import services as audit
from mesotrace.audit.models import ObjectType
from mesotrace.consent import documents, queries, services
from mesotrace.consent.forms import OverrideForm, SignConsentForm, WithdrawForm
from mesotrace.consent.models import ConsentDocument, ConsentSignature
from mesotrace.consent.views import flash, withdraw
from mesotrace.core.forms import attach_errors
from mesotrace.treatments.models import TreatmentPlan


@clinic_view("consent.view")
@require_http_methods(["GET", "POST"])
def plan_consents(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = clinic_object_or_404(TreatmentPlan.objects.all(), request.clinic, pk=plan_id)
    if request.method == "POST":
        if not request.membership.may("consent.manage"):
            return redirect("consent:plan_consents", plan_id=plan.pk)
        consent = services.generate_consent(Actor.from_request(request), plan)
        return redirect("consent:document", document_id=consent.pk)
    shown = queries.plan_documents(request.clinic, plan)
    actor = Actor.from_request(request)
    audit.record_list(
        actor,
        ObjectType.CONSENT_DOCUMENT,
        shown,
        details={"plan": plan.pk},
        patient_id=plan.patient_id,
    )
    rows = [(d, queries.latest_signature(d)) for d in shown]
    problem = queries.consent_problem(plan)
    return render(
        request,
        "consent/plan_consents.html",
        {"plan": plan, "rows": rows, "problem": problem, "override_form": OverrideForm()},
    )


@clinic_view("consent.view")
@require_GET
def document_page(request: ClinicRequest, document_id: int) -> HttpResponse:
    consent = clinic_object_or_404(ConsentDocument.objects.all(), request.clinic, pk=document_id)
    audit.record_read(Actor.from_request(request), consent, details={"as": "page"})
    return _render_document(request, consent, SignConsentForm())


def _render_document(
    request: ClinicRequest, consent: ConsentDocument, form: SignConsentForm
) -> HttpResponse:
    history = queries.signature_history(consent)
    standing = next((s for s in history if s.withdrawn_at is None), None)
    context = {
        "document": consent,
        "signature": standing,
        "history": history,
        "current": queries.is_current(consent),
        "form": form,
        "body": documents.render_html(consent.content, consent.version),
        "document_language": documents.language_of(consent.content),
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "consent/document.html", context)


@clinic_view("consent.view")
@require_GET
def document_pdf(request: ClinicRequest, document_id: int) -> HttpResponse:
    consent = clinic_object_or_404(ConsentDocument.objects.all(), request.clinic, pk=document_id)
    signature = queries.latest_signature(consent)
    if signature is not None and signature.countersigned_at is not None:
        pdf = documents.countersigned_pdf(signature)
    elif signature is not None:
        pdf = bytes(signature.signed_pdf)
    else:
        pdf = documents.render_pdf(consent.content, consent.version)
    audit.record_read(Actor.from_request(request), consent, export=True, details={"as": "pdf"})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="consent-{consent.pk}.pdf"'
    return response


@clinic_view("consent.manage")
@require_POST
def sign(request: ClinicRequest, document_id: int) -> HttpResponse:
    consent = clinic_object_or_404(
        ConsentDocument.objects.select_related("plan"), request.clinic, pk=document_id
    )
    form = SignConsentForm(request.POST)
    form.is_valid()
    try:
        services.sign_consent(
            Actor.from_request(request),
            consent,
            form.cleaned_data.get("full_name", ""),
            bool(form.cleaned_data.get("statement")),
            request.POST.get("drawn_signature", ""),
        )
    except ValidationError as error:
        attach_errors(form, error)
        return _render_document(request, consent, form)
    messages.success(request, _("Signed. A clinician now countersigns."))
    return redirect("consent:document", document_id=consent.pk)


def _on_standing_signature(
    request: ClinicRequest,
    document_id: int,
    act: Callable[[ConsentSignature], None],
    missing: str,
) -> HttpResponse:
    """Acts on the document's signature not withdrawn (or says it is `missing`), then
    returns to the document."""
    consent = clinic_object_or_404(ConsentDocument.objects.all(), request.clinic, pk=document_id)
    signature = queries.standing_signature(consent)
    if signature is None:
        messages.error(request, missing)
    else:
        act(signature)
    return redirect("consent:document", document_id=consent.pk)


@clinic_view("consent.countersign")
@require_POST
def countersign(request: ClinicRequest, document_id: int) -> HttpResponse:
    def act(signature: ConsentSignature) -> None:
        service = partial(services.countersign_consent, Actor.from_request(request), signature)
        flash(request, service, _("Countersigned."))

    answer = _on_standing_signature(
        request, document_id, act, _("The patient has not signed this document.")
    )
    if request.POST.get("next") == "plan":
        consent = ConsentDocument.objects.get(pk=document_id)
        return redirect("consent:plan_consents", plan_id=consent.plan_id)
    return answer


@clinic_view("consent.manage")
@require_POST
def withdraw_signed(request: ClinicRequest, document_id: int) -> HttpResponse:
    def act(signature: ConsentSignature) -> None:
        service = partial(services.withdraw_consent, Actor.from_request(request), signature)
        withdraw(request, service, _("Consent withdrawn."))

    missing = _("No signature on this document stands to be withdrawn.")
    return _on_standing_signature(request, document_id, act, missing)


@clinic_view("consent.override")
@require_POST
def override(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = clinic_object_or_404(TreatmentPlan.objects.all(), request.clinic, pk=plan_id)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for charting without consent."))
    else:
        reason = form.cleaned_data["reason"]
        override = partial(services.override_consent, Actor.from_request(request), plan, reason)
        flash(request, override, _("Override recorded."))
    return redirect("consent:plan_consents", plan_id=plan.pk)
