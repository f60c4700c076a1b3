"""Pages of the patient document: versions of a plan's consent, the document, PDF, signing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.consent import document, services
from mesotrace.consent.forms import OverrideForm, SignConsentForm, WithdrawForm
from mesotrace.consent.models import ConsentDocument, ConsentSignature
from mesotrace.core.forms import attach_errors
from mesotrace.treatments.models import TreatmentPlan


def _viewed(request: ClinicRequest, consent: ConsentDocument, what: str) -> None:
    audit.record(
        Actor.from_request(request),
        AuditAction.VIEW if what == "page" else AuditAction.EXPORT,
        ObjectType.CONSENT_DOCUMENT,
        object_id=consent.pk,
        patient_id=consent.patient_id,
        details={"as": what},
        clinic=request.clinic,
    )


def _signature(consent: ConsentDocument) -> ConsentSignature | None:
    """The latest signature: the standing one, or the last withdrawn when none stands."""
    return (
        ConsentSignature.objects.filter(document=consent).select_related("countersigned_by").first()
    )


def _errors(request: ClinicRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@clinic_view("consent.view")
@require_http_methods(["GET", "POST"])
def plan_consents(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = clinic_object_or_404(TreatmentPlan.objects.all(), request.clinic, pk=plan_id)
    if request.method == "POST":
        if not request.membership.may("consent.manage"):
            return redirect("consent:plan_consents", plan_id=plan.pk)
        consent = services.generate_consent(Actor.from_request(request), plan)
        return redirect("consent:document", document_id=consent.pk)
    documents = list(ConsentDocument.objects.for_clinic(request.clinic).filter(plan=plan))
    audit.record(
        Actor.from_request(request),
        AuditAction.LIST,
        ObjectType.CONSENT_DOCUMENT,
        patient_id=plan.patient_id,
        details={"shown": [d.pk for d in documents]},
        clinic=request.clinic,
    )
    context = {
        "plan": plan,
        "rows": [(d, _signature(d)) for d in documents],
        "problem": services.consent_problem(plan),
        "override_form": OverrideForm(),
    }
    return render(request, "consent/plan_consents.html", context)


@clinic_view("consent.view")
@require_GET
def document_page(request: ClinicRequest, document_id: int) -> HttpResponse:
    consent = clinic_object_or_404(ConsentDocument.objects.all(), request.clinic, pk=document_id)
    _viewed(request, consent, "page")
    return _render_document(request, consent, SignConsentForm())


def _render_document(
    request: ClinicRequest, consent: ConsentDocument, form: SignConsentForm
) -> HttpResponse:
    history = services.signature_history(consent)
    standing = next((s for s in history if s.withdrawn_at is None), None)
    context = {
        "document": consent,
        "signature": standing,
        "history": history,
        "current": services.is_current(consent),
        "form": form,
        "body": document.render_html(consent.content, consent.version),
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "consent/document.html", context)


@clinic_view("consent.view")
@require_GET
def document_pdf(request: ClinicRequest, document_id: int) -> HttpResponse:
    consent = clinic_object_or_404(ConsentDocument.objects.all(), request.clinic, pk=document_id)
    signature = _signature(consent)
    if signature is not None:
        pdf = bytes(signature.signed_pdf)
    else:
        pdf = document.render_pdf(consent.content, consent.version)
    _viewed(request, consent, "pdf")
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


@clinic_view("consent.countersign")
@require_POST
def countersign(request: ClinicRequest, document_id: int) -> HttpResponse:
    consent = clinic_object_or_404(ConsentDocument.objects.all(), request.clinic, pk=document_id)
    signature = services.standing_signature(consent)
    if signature is None:
        messages.error(request, _("The patient has not signed this document."))
    else:
        try:
            services.countersign_consent(Actor.from_request(request), signature)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Countersigned."))
    return redirect("consent:document", document_id=consent.pk)


@clinic_view("consent.manage")
@require_POST
def withdraw_signed(request: ClinicRequest, document_id: int) -> HttpResponse:
    consent = clinic_object_or_404(ConsentDocument.objects.all(), request.clinic, pk=document_id)
    signature = services.standing_signature(consent)
    form = WithdrawForm(request.POST)
    if signature is None:
        messages.error(request, _("No signature on this document stands to be withdrawn."))
    elif not form.is_valid():
        messages.error(request, _("Give the reason, as the patient said it."))
    else:
        try:
            services.withdraw_consent(
                Actor.from_request(request), signature, form.cleaned_data["withdrawn_reason"]
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Consent withdrawn."))
    return redirect("consent:document", document_id=consent.pk)


@clinic_view("consent.override")
@require_POST
def override(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = clinic_object_or_404(TreatmentPlan.objects.all(), request.clinic, pk=plan_id)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for charting without consent."))
    else:
        try:
            services.override_consent(
                Actor.from_request(request), plan, form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Override recorded."))
    return redirect("consent:plan_consents", plan_id=plan.pk)
