"""Pages composed from several apps: the home page each role starts from, the patient record."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_view
from mesotrace.desk.queries import allergy_coding, read_patient_record


@clinic_view("account.self")
def home(request: ClinicRequest) -> HttpResponse:
    return render(request, "desk/home.html")


@clinic_view("patient.view")
def patient_record(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """The patient's page: details, then each app's section this role may see."""
    clinical = request.membership.may("patient.view_clinical")
    actor = Actor.from_request(request)
    patient = read_patient_record(actor, request.clinic, patient_id, clinical=clinical)
    context = {
        "patient": patient,
        "show_clinical": clinical,
        "allergy_coding": allergy_coding(patient) if clinical else [],
    }
    return render(request, "desk/patient.html", context)
