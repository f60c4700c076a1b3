"""Pages composed from several apps: the today board each role starts from, the patient record."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_view
from mesotrace.desk.queries import (
    allergy_coding,
    patient_schedule,
    read_patient_record,
    today_board,
)
from mesotrace.safety.queries.events import patient_reports


@clinic_view("account.self")
def home(request: ClinicRequest) -> HttpResponse:
    """The today board: the role's work of the day, each item one click from where it is done."""
    board = today_board(Actor.from_request(request), request.clinic, request.membership)
    return render(request, "desk/home.html", {"board": board})


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
        "may_code_allergies": request.membership.may("patient.change_clinical"),
    }
    if request.membership.may("plan.view"):
        context["schedule"] = patient_schedule(actor, request.clinic, patient)
    if request.membership.may("adverse_event.view"):
        # What the patient reported from the portal, on the record staff open first.
        context["patient_reports"] = patient_reports(actor, patient)
    return render(request, "desk/patient.html", context)
