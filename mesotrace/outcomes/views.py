"""Pages: a patient's progress with its measurement and lifestyle forms, a plan's split-body
allocation and reveal, and the evidence report (per protocol or indication) with its CSV."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.catalogue.models import Indication, Protocol
from mesotrace.core.formats import csv_response
from mesotrace.core.forms import attach_errors
from mesotrace.outcomes import documents, services
from mesotrace.outcomes.documents import ForestRow, LogChart, forest_svg, progress_svg
from mesotrace.outcomes.forms import CONTROL, LifestyleForm, MeasurementForm
from mesotrace.outcomes.models import Measurement
from mesotrace.outcomes.queries import measurements as queries
from mesotrace.outcomes.queries.report import (
    EvidenceReport,
    cohorts,
    evidence_report,
    indication_report,
    record_export,
)
from mesotrace.outcomes.rules import sees_treated_side, side_label
from mesotrace.patients.models import Patient
from mesotrace.treatments.models import TreatmentPlan


def _patient(request: ClinicRequest, patient_id: int) -> Patient:
    return clinic_object_or_404(Patient.objects.all(), request.clinic, pk=patient_id)


# The lifestyle charts under a patient's measurements, in this order.
LIFESTYLE_CHARTS = (
    LogChart("Exercise", "min/week", "exercise", documents.exercise),
    LogChart("Weight (log)", "kg", "weight", documents.weight),
)


@clinic_view("outcome.view")
def patient_progress(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    rows = queries.patient_measurements(request.clinic, patient)
    allocations = queries.patient_allocations(request.clinic, patient)

    def line(m: Measurement) -> str:
        return side_label(request.user, allocations.get(m.plan_id or 0), m.side)

    logs = queries.lifestyle_logs(request.clinic, patient)
    plans = queries.patient_plans(request.clinic, patient)
    charts = documents.progress_charts(rows, logs, line, LIFESTYLE_CHARTS, documents.side_colour)
    return render(
        request,
        "outcomes/progress.html",
        {
            "patient": patient,
            "measurements": [(m, line(m)) for m in rows],
            "logs": logs,
            "plans": [(p, allocations.get(p.pk)) for p in plans],
            "charts": charts or [mark_safe(progress_svg([], _("Progress"), ""))],  # noqa: S308
        },
    )


# Service error keys that are not the page's field names.
FIELD_OF = {"plan_id": "plan", "weight_kg": "weight"}


def _blinding_notes(request: ClinicRequest, allocations: dict[int, Any]) -> list[str]:
    """What the measuring user may know of each split-body plan of the patient."""
    notes = []
    for allocation in allocations.values():
        name = allocation.plan.protocol.name
        if sees_treated_side(request.user, allocation):
            side = allocation.get_treated_side_display().lower()
            notes.append(
                _("%(plan)s: split-body, treated side: %(side)s.") % {"plan": name, "side": side}
            )
        else:
            notes.append(
                _(
                    "%(plan)s: split-body; the treated side is hidden from you (assessor "
                    "blinding). Record each side as left or right."
                )
                % {"plan": name}
            )
    return notes


@clinic_view("outcome.record")
@require_http_methods(["GET", "POST"])
def measurement_create(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    allocations = queries.patient_allocations(request.clinic, patient)
    chosen = request.GET.get("plan", "")
    plan_id = int(chosen) if chosen.isdigit() else None
    # Ticked only for the split-body plan being measured, when its treated side is hidden.
    allocation = allocations.get(plan_id or 0)
    blinded = allocation is not None and not sees_treated_side(request.user, allocation)
    form = MeasurementForm(
        request.POST or None,
        patient=patient,
        split_plan_ids=set(allocations),
        initial={"plan": plan_id, "assessor_blinded": blinded},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        control = data["side"] == CONTROL
        try:
            row = services.record_measurement(
                Actor.from_request(request),
                patient,
                data["type"],
                data["value"],
                data["unit"],
                measured_at=data["measured_at"],
                plan=data["plan"],
                zone=data["zone"],
                side="none" if control else data["side"],
                session=data["session"],
                assessor_blinded=data["assessor_blinded"],
                control=control,
            )
        except ValidationError as error:
            attach_errors(form, error, FIELD_OF)
        else:
            messages.success(
                request,
                _("Measurement recorded: %(m)s.") % {"m": f"{row.type.name} {row.shown}"},
            )
            return redirect("outcomes:progress", patient_id=patient.pk)
    return render(
        request,
        "outcomes/measurement_form.html",
        {"patient": patient, "form": form, "notes": _blinding_notes(request, allocations)},
    )


@clinic_view("outcome.record")
@require_http_methods(["GET", "POST"])
def lifestyle_create(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    form = LifestyleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.log_lifestyle(
                Actor.from_request(request),
                patient,
                data["date"],
                data["diet_adherence_percent"],
                data["exercise_minutes_per_week"],
                form.weight_kg(),
            )
        except ValidationError as error:
            attach_errors(form, error, FIELD_OF)
        else:
            messages.success(request, _("Lifestyle log recorded."))
            return redirect("outcomes:progress", patient_id=patient.pk)
    return render(request, "outcomes/lifestyle_form.html", {"patient": patient, "form": form})


def _plan(request: ClinicRequest, plan_id: int) -> TreatmentPlan:
    return clinic_object_or_404(
        TreatmentPlan.objects.select_related("patient", "protocol", "practitioner"),
        request.clinic,
        pk=plan_id,
    )


@clinic_view("outcome.view")
def plan_outcomes(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    allocation = queries.plan_allocation(request.clinic, plan)
    rows = queries.plan_measurements(request.clinic, plan)
    sees = allocation is not None and sees_treated_side(request.user, allocation)
    return render(
        request,
        "outcomes/plan.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "allocation": allocation,
            "sees_treated_side": sees,
            "treated_label": allocation.get_treated_side_display() if allocation and sees else "",
            "measurements": [(m, side_label(request.user, allocation, m.side)) for m in rows],
        },
    )


@clinic_view("split_body.allocate")
@require_POST
def allocate(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    try:
        services.allocate_split_body(
            Actor.from_request(request),
            plan,
            blinding=request.POST.get("blinding") == "on",
            letter_labels=request.POST.get("letter_labels") == "on",
        )
    except ValidationError as error:
        for reason in error.messages:
            messages.error(request, reason)
    else:
        messages.success(request, _("Treated side allocated at random and recorded."))
    return redirect("outcomes:plan", plan_id=plan.pk)


@clinic_view("split_body.allocate")
@require_POST
def reveal(request: ClinicRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    allocation = queries.plan_allocation(request.clinic, plan)
    if allocation is None:
        messages.error(request, _("This plan is not split-body: there is nothing to reveal."))
    else:
        services.reveal_allocation(Actor.from_request(request), allocation)
        messages.success(request, _("Treated side revealed; the reveal is recorded."))
    return redirect("outcomes:plan", plan_id=plan.pk)


def _protocol(request: ClinicRequest, protocol_id: int) -> Protocol:
    return get_object_or_404(Protocol.objects.visible_to(request.clinic), pk=protocol_id)


def _indication(request: ClinicRequest, indication_id: int) -> Indication:
    return get_object_or_404(Indication.objects.visible_to(request.clinic), pk=indication_id)


def _forest_row(label: str, report: EvidenceReport) -> ForestRow | None:
    effect = report.split_body
    if effect is None:
        return None
    return ForestRow(label, effect.estimate, effect.ci_low, effect.ci_high, effect.n)


def _estimates(report: EvidenceReport) -> list[tuple[str, Any]]:
    return [
        (_("Split-body (paired difference)"), report.split_body),
        (_("Lifestyle-adjusted mixed model (per course)"), report.mixed),
        (_("Naive before/after (treated side only)"), report.naive),
    ]


@clinic_view("evidence.view")
def evidence_index(request: ClinicRequest) -> HttpResponse:
    chosen = request.GET.get("cohort", "")
    kind, _sep, number = chosen.partition(":")
    if kind in {"protocol", "indication"} and number.isdigit():
        name = "outcomes:evidence" if kind == "protocol" else "outcomes:evidence_indication"
        return redirect(name, int(number))
    protocols, indications = cohorts(request.clinic)
    rows = [
        row
        for protocol in protocols
        if (row := _forest_row(protocol.name, evidence_report(request.clinic, protocol)))
    ]
    return render(
        request,
        "outcomes/evidence_index.html",
        {
            "protocols": protocols,
            "indications": indications,
            "forest": mark_safe(forest_svg(rows)),  # noqa: S308
        },
    )


@clinic_view("evidence.view")
def evidence_protocol(request: ClinicRequest, protocol_id: int) -> HttpResponse:
    protocol = _protocol(request, protocol_id)
    started = time.monotonic()
    report = evidence_report(request.clinic, protocol)
    row = _forest_row("split-body", report)
    return render(
        request,
        "outcomes/evidence.html",
        {
            "title": protocol.name,
            "cohort_words": _("protocol"),
            "chosen_kind": "protocol",
            "chosen_id": protocol.pk,
            "cohorts": cohorts(request.clinic),
            "csv_url": reverse("outcomes:evidence_csv", args=[protocol.pk]),
            "indication": protocol.indication,
            "report": report,
            "estimates": _estimates(report),
            "forest": mark_safe(forest_svg([row] if row else [])),  # noqa: S308
            "seconds": time.monotonic() - started,
        },
    )


@clinic_view("evidence.view")
def evidence_indication(request: ClinicRequest, indication_id: int) -> HttpResponse:
    indication = _indication(request, indication_id)
    started = time.monotonic()
    cohort = indication_report(request.clinic, indication)
    rows = [_forest_row(part.protocol_name, part) for part in cohort.protocols]
    pooled = _forest_row(_("All protocols (pooled)"), cohort.pooled)
    return render(
        request,
        "outcomes/evidence.html",
        {
            "title": indication.name,
            "cohort_words": _("indication: every protocol of it"),
            "chosen_kind": "indication",
            "chosen_id": indication.pk,
            "cohorts": cohorts(request.clinic),
            "csv_url": reverse("outcomes:evidence_indication_csv", args=[indication.pk]),
            "report": cohort.pooled,
            "parts": cohort.protocols,
            "estimates": _estimates(cohort.pooled),
            "forest": mark_safe(  # noqa: S308 - built by charts.py, text escaped
                forest_svg([r for r in [*rows, pooled] if r is not None])
            ),
            "seconds": time.monotonic() - started,
        },
    )


def _csv(report: EvidenceReport, filename: str, extra: list[str]) -> HttpResponse:
    return csv_response(documents.evidence_csv(report, extra), filename)


@clinic_view("evidence.view")
def evidence_csv(request: ClinicRequest, protocol_id: int) -> HttpResponse:
    protocol = _protocol(request, protocol_id)
    report = evidence_report(request.clinic, protocol)
    response = _csv(report, f"evidence-{protocol.pk}.csv", [])
    record_export(Actor.from_request(request), request.clinic, report)
    return response


@clinic_view("evidence.view")
def evidence_indication_csv(request: ClinicRequest, indication_id: int) -> HttpResponse:
    indication = _indication(request, indication_id)
    report = indication_report(request.clinic, indication).pooled
    response = _csv(report, f"evidence-indication-{indication.pk}.csv", ["protocol"])
    record_export(Actor.from_request(request), request.clinic, report)
    return response
