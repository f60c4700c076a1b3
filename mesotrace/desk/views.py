"""Pages composed from several apps: the home page each role starts from, the patient record."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.audit import services as audit
from mesotrace.patients.models import Patient


@clinic_view("account.self")
def home(request: ClinicRequest) -> HttpResponse:
    return render(request, "desk/home.html")


@clinic_view("patient.view")
def patient_record(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """The patient's page: details, then each app's section this role may see."""
    patient = clinic_object_or_404(Patient.objects.all(), request.clinic, pk=patient_id)
    clinical = request.membership.may("patient.view_clinical")
    part = "demographics+clinical" if clinical else "demographics"
    audit.record_read(Actor.from_request(request), patient, details={"part": part})
    return render(request, "desk/patient.html", {"patient": patient, "show_clinical": clinical})
