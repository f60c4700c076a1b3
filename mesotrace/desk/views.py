"""Pages composed from several apps: the home page each role starts from, the patient record."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_view
from mesotrace.desk.queries import read_patient_record
from mesotrace.safety.queries.events import patient_reports


@clinic_view("account.self")
def home(request: ClinicRequest) -> HttpResponse:
    return render(request, "desk/home.html")


@clinic_view("patient.view")
def patient_record(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """The patient's page: details, then each app's section this role may see."""
    clinical = request.membership.may("patient.view_clinical")
    actor = Actor.from_request(request)
    patient = read_patient_record(actor, request.clinic, patient_id, clinical=clinical)
    context = {"patient": patient, "show_clinical": clinical}
    if request.membership.may("adverse_event.view"):
        # What the patient reported from the portal, on the record staff open first.
        context["patient_reports"] = patient_reports(actor, patient)
    return render(request, "desk/patient.html", context)
