"""Staff pages of the portal: create a patient's link, see and revoke the links sent."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.core.forms import attach_errors
from mesotrace.patients.models import Patient
from mesotrace.portal import queries, services
from mesotrace.portal.forms import LinkForm
from mesotrace.portal.models import PortalLink

NEW_URL_KEY = "portal_new_link"


def _create(request: ClinicRequest, patient: Patient, form: LinkForm) -> bool:
    try:
        link, token = services.create_link(
            Actor.from_request(request), patient, form.cleaned_data["days"]
        )
    except ValidationError as error:
        attach_errors(form, error)
        return False
    url = request.build_absolute_uri(reverse("portal:open", args=[token]))
    # Shown once, on the next page: only the nonce's hash is kept, the URL cannot be rebuilt.
    request.session[NEW_URL_KEY] = {"link": link.pk, "url": url}
    return True


@clinic_view("portal.invite")
@require_http_methods(["GET", "POST"])
def patient_links(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = clinic_object_or_404(Patient.objects.all(), request.clinic, pk=patient_id)
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _create(request, patient, form):
        messages.success(request, _("Portal link created: copy it and send it to the patient."))
        return redirect("portal:patient_links", patient_id=patient.pk)
    rows = queries.links_shown(Actor.from_request(request), patient, "links_page")
    fresh = request.session.pop(NEW_URL_KEY, None)
    context = {
        "patient": patient,
        "form": form,
        "rows": rows,
        "fresh": fresh
        if fresh and fresh.get("link") in {link.pk for link, _open in rows}
        else None,
    }
    return render(request, "portal/patient_links.html", context)


def _email(request: ClinicRequest, patient_id: int, *, consent: bool) -> HttpResponse:
    patient = clinic_object_or_404(Patient.objects.all(), request.clinic, pk=patient_id)

    def url_of(token: str) -> str:
        return request.build_absolute_uri(reverse("portal:open", args=[token]))

    try:
        services.email_link(Actor.from_request(request), patient, url_of, consent=consent)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("E-mail queued: it is sent in the background."))
    return redirect("desk:patient", patient_id=patient.pk)


@clinic_view("portal.invite")
@require_POST
def email_link(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """A new portal link, e-mailed to the patient."""
    return _email(request, patient_id, consent=False)


@clinic_view("consent.manage")
@require_POST
def email_consent_request(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """A new portal link, e-mailed as a request to read and sign the consent."""
    return _email(request, patient_id, consent=True)


@clinic_view("portal.invite")
@require_POST
def revoke(request: ClinicRequest, portal_link_id: int) -> HttpResponse:
    link = clinic_object_or_404(PortalLink.objects.all(), request.clinic, pk=portal_link_id)
    try:
        services.revoke_link(Actor.from_request(request), link)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Link revoked: it no longer opens the portal."))
    if request.POST.get("back") == "patient":
        return redirect("desk:patient", patient_id=link.patient_id)
    return redirect("portal:patient_links", patient_id=link.patient_id)
