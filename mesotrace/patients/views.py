"""Patient pages: find, register, read and change; clinical parts for clinical staff only."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.audit import services as audit
from mesotrace.audit.models import ObjectType
from mesotrace.patients import queries, services
from mesotrace.patients.forms import (
    AllergyCodingForm,
    AllergyFormSet,
    ClinicalForm,
    DemographicsForm,
    MedicationFormSet,
    NewPatientForm,
    formset_rows,
)
from mesotrace.patients.models import CLINICAL_FIELDS, DEMOGRAPHIC_FIELDS, Allergy, Patient
from mesotrace.patients.services import AllergyInput, MedicationInput, PatientInput

PAGE_SIZE = 50


def _patient(request: ClinicRequest, patient_id: int) -> Patient:
    return clinic_object_or_404(Patient.objects.all(), request.clinic, pk=patient_id)


@clinic_view("patient.view")
def patient_list(request: ClinicRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: queries.MAX_QUERY]
    found = queries.search(request.clinic, query)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_list(
        Actor.from_request(request),
        ObjectType.PATIENT,
        list(page),
        total=page.paginator.count,
        query=query,
    )
    template = "patients/_results.html" if request.htmx else "patients/list.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page, "query": query})


@clinic_view("patient.create")
@require_http_methods(["GET", "POST"])
def patient_create(request: ClinicRequest) -> HttpResponse:
    clinical = request.membership.may("patient.change_clinical")
    form_class = NewPatientForm if clinical else DemographicsForm
    form = form_class(request.POST or None, initial={"preferred_language": request.clinic.language})
    if request.method == "POST" and form.is_valid():
        fields = DEMOGRAPHIC_FIELDS + (CLINICAL_FIELDS if clinical else [])
        data = PatientInput(**{name: form.cleaned_data[name] for name in fields})
        patient = services.create_patient(Actor.from_request(request), request.clinic, data)
        messages.success(request, _("Patient %(name)s registered.") % {"name": patient.full_name})
        return redirect("desk:patient", patient_id=patient.pk)
    return render(request, "patients/form.html", {"form": form, "title": _("New patient")})


@clinic_view("patient.change")
@require_http_methods(["GET", "POST"])
def patient_edit(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    form = DemographicsForm(request.POST or None, instance=Patient.objects.get(pk=patient.pk))
    if request.method == "POST" and form.is_valid():
        data = PatientInput(**{name: form.cleaned_data[name] for name in DEMOGRAPHIC_FIELDS})
        services.update_patient(Actor.from_request(request), patient, data)
        messages.success(request, _("Saved."))
        return redirect("desk:patient", patient_id=patient.pk)
    return render(
        request,
        "patients/form.html",
        {"form": form, "patient": patient, "title": _("Edit patient")},
    )


@clinic_view("patient.view_clinical")
def patient_clinical(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    audit.record_read(Actor.from_request(request), patient, details={"part": "clinical"})
    return render(request, "patients/clinical.html", {"patient": patient})


@clinic_view("patient.change_clinical")
@require_http_methods(["GET", "POST"])
def patient_clinical_edit(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    editable = Patient.objects.get(pk=patient.pk)
    data = request.POST or None
    form = ClinicalForm(data, instance=editable)
    allergies = AllergyFormSet(data, instance=editable, prefix="allergies")
    medications = MedicationFormSet(data, instance=editable, prefix="medications")
    if (
        request.method == "POST"
        and form.is_valid()
        and allergies.is_valid()
        and medications.is_valid()
    ):
        changed = PatientInput(
            **{name: form.cleaned_data[name] for name in CLINICAL_FIELDS},
            allergies=[AllergyInput(**row) for row in formset_rows(allergies)],
            medications=[MedicationInput(**row) for row in formset_rows(medications)],
        )
        services.update_patient(Actor.from_request(request), patient, changed)
        messages.success(request, _("Clinical record saved."))
        return redirect("patients:clinical", patient_id=patient.pk)
    context = {"patient": patient, "form": form, "allergies": allergies, "medications": medications}
    return render(request, "patients/clinical_form.html", context)


@clinic_view("patient.change_clinical")
@require_http_methods(["GET", "POST"])
def allergy_coding(request: ClinicRequest, patient_id: int, allergy_id: int) -> HttpResponse:
    """Codes one allergy by hand to the catalogue's substances or classes."""
    patient = _patient(request, patient_id)
    allergy = clinic_object_or_404(
        Allergy.objects.all(), request.clinic, pk=allergy_id, patient=patient
    )
    actor = Actor.from_request(request)
    form = AllergyCodingForm(request.POST or None, initial={"allergens": allergy.allergens.all()})
    if request.method == "POST" and form.is_valid():
        services.code_allergy(actor, allergy, list(form.cleaned_data["allergens"]))
        messages.success(request, _("Allergy coded."))
        return redirect(reverse("desk:patient", args=[patient.pk]) + "#allergy-coding")
    if request.method == "GET":
        audit.record_read(actor, patient, details={"part": "allergies"})
    context = {"patient": patient, "allergy": allergy, "form": form}
    status = 422 if form.errors else 200
    return render(request, "patients/allergy_coding.html", context, status=status)
