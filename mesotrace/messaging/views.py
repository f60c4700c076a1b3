"""Messaging pages: the patient's reminder opt-out, the clinic's e-mail settings, and the
recall letters of a campaign."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.core.forms import attach_errors
from mesotrace.inventory.models import RecallCampaign
from mesotrace.messaging import queries, services
from mesotrace.messaging.forms import ClinicMessagingForm, PreferenceForm
from mesotrace.patients.models import Patient


def _flash_refusal(request: ClinicRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@clinic_view("patient.change")
@require_POST
def preferences(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = clinic_object_or_404(Patient.objects.all(), request.clinic, pk=patient_id)
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("desk:patient", patient_id=patient.pk)
    try:
        services.set_preferences(
            Actor.from_request(request),
            patient,
            no_reminders=form.cleaned_data["no_reminders"],
        )
    except ValidationError as error:
        _flash_refusal(request, error)
    else:
        messages.success(request, _("E-mail preferences saved."))
    return redirect("desk:patient", patient_id=patient.pk)


@clinic_view("clinic.manage")
@require_http_methods(["GET", "POST"])
def clinic_settings(request: ClinicRequest) -> HttpResponse:
    current = queries.clinic_messaging(request.clinic)
    initial = {
        "automatic": current.automatic,
        "reminder_lead_hours": current.reminder_lead_hours,
        "language": request.clinic.language,
    }
    form = ClinicMessagingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_clinic_messaging(
                Actor.from_request(request), request.clinic, **form.cleaned_data
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("E-mail settings saved."))
            return redirect("messaging:settings")
    return render(request, "messaging/settings.html", {"form": form})


@clinic_view("recall.contact")
@require_POST
def recall_letters(request: ClinicRequest, campaign_id: int) -> HttpResponse:
    campaign = clinic_object_or_404(RecallCampaign.objects.all(), request.clinic, pk=campaign_id)
    try:
        done = services.send_recall_letters(Actor.from_request(request), campaign)
    except ValidationError as error:
        _flash_refusal(request, error)
    else:
        text = ngettext(
            "%(n)s recall letter queued.", "%(n)s recall letters queued.", done.queued
        ) % {"n": done.queued}
        if done.already:
            text += " " + _("%(n)s already sent before.") % {"n": done.already}
        if done.without_email:
            text += " " + ngettext(
                "%(n)s patient has no e-mail address: call them.",
                "%(n)s patients have no e-mail address: call them.",
                done.without_email,
            ) % {"n": done.without_email}
        messages.success(request, text)
    return redirect("inventory:campaign_detail", campaign_id=campaign.pk)
