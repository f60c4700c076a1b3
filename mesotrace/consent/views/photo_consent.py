"""The patient's photo consent page: record a consent, withdraw one."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.consent import queries, services, views
from mesotrace.consent.forms import PhotoConsentForm, WithdrawForm
from mesotrace.consent.models import PhotoConsent
from mesotrace.core.clock import clinic_today
from mesotrace.core.forms import attach_errors
from mesotrace.patients.models import Patient


@clinic_view("photo_consent.manage")
@require_http_methods(["GET", "POST"])
def photo_consent(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = clinic_object_or_404(Patient.objects.all(), request.clinic, pk=patient_id)
    form = PhotoConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_photo_consent(
                Actor.from_request(request),
                patient,
                form.cleaned_data["scope"],
                form.cleaned_data["expires_on"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Photo consent recorded."))
            return redirect("consent:photo_consent", patient_id=patient.pk)
    consents = queries.photo_consents(request.clinic, patient)
    # A view of the patient's record: one row on the patient, naming the consents shown.
    audit.record(
        Actor.from_request(request),
        AuditAction.VIEW,
        ObjectType.PHOTO_CONSENT,
        patient_id=patient.pk,
        details={"shown": [c.pk for c in consents]},
        clinic=request.clinic,
    )
    today = clinic_today(request.clinic)
    context = {
        "patient": patient,
        "form": form,
        "rows": [(c, c.valid_on(today)) for c in consents],
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "consent/photo_consent.html", context)


@clinic_view("photo_consent.manage")
@require_POST
def withdraw(request: ClinicRequest, photo_consent_id: int) -> HttpResponse:
    consent = clinic_object_or_404(
        PhotoConsent.objects.select_related("patient"), request.clinic, pk=photo_consent_id
    )
    service = partial(services.withdraw_photo_consent, Actor.from_request(request), consent)
    views.withdraw(request, service, _("Photo consent withdrawn."))
    return redirect("consent:photo_consent", patient_id=consent.patient_id)
