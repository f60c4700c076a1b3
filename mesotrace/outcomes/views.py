"""Pages: a patient's measurements and progress chart, the evidence report and its CSV."""

from __future__ import annotations

import csv
import time
from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe

from mesotrace.accounts.access import ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.audit import services as audit
from mesotrace.audit.actor import Actor
from mesotrace.audit.models import AuditAction
from mesotrace.catalogue.models import Protocol
from mesotrace.outcomes.charts import COLOURS, ForestRow, Series, forest_svg, progress_svg
from mesotrace.outcomes.models import LifestyleLog, Measurement, SplitBodyAllocation
from mesotrace.outcomes.report import evidence_report
from mesotrace.outcomes.services import side_label
from mesotrace.patients.models import Patient


@clinic_view("outcome.view")
def patient_progress(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = clinic_object_or_404(Patient.objects.all(), request.clinic, pk=patient_id)
    rows = list(
        Measurement.objects.for_clinic(request.clinic)
        .filter(patient=patient)
        .select_related("type", "plan__practitioner")
    )
    allocations = {
        a.plan_id: a
        for a in SplitBodyAllocation.objects.for_clinic(request.clinic)
        .filter(plan__patient=patient)
        .select_related("plan__practitioner")
    }
    shown = [(m, side_label(request.user, allocations.get(m.plan_id or 0), m.side)) for m in rows]
    logs = list(LifestyleLog.objects.for_clinic(request.clinic).filter(patient=patient))
    return render(
        request,
        "outcomes/progress.html",
        {
            "patient": patient,
            "measurements": shown,
            "logs": logs,
            "charts": _progress_charts(rows, logs, request.user, allocations),
        },
    )


def _progress_charts(
    rows: list[Measurement], logs: list[LifestyleLog], user: Any, allocations: dict[int, Any]
) -> list[str]:
    first = min([m.measured_at.date() for m in rows] + [g.date for g in logs], default=None)
    if first is None:
        return [progress_svg([], "Progress", "")]
    charts = []
    for slug in sorted({m.type.slug for m in rows}):
        kind = next(m.type for m in rows if m.type.slug == slug)
        lines: dict[str, list[tuple[float, float]]] = {}
        for m in rows:
            if m.type.slug == slug:
                label = side_label(user, allocations.get(m.plan_id or 0), m.side)
                day = (m.measured_at.date() - first).days
                lines.setdefault(label, []).append((float(day), m.value))
        series = [
            Series(label, pts, COLOURS.get(label.split(" (")[-1].rstrip(")"), "#555"))
            for label, pts in lines.items()
        ]
        charts.append(progress_svg(series, kind.name, kind.unit))
    exercise = [(float((g.date - first).days), float(g.exercise_minutes_per_week)) for g in logs]
    charts.append(progress_svg([Series("exercise", exercise)], "Exercise", "min/week"))
    weight = [(float((g.date - first).days), g.weight_kg) for g in logs if g.weight_kg]
    if weight:
        charts.append(progress_svg([Series("weight", weight)], "Weight (log)", "kg"))
    return [mark_safe(c) for c in charts]  # noqa: S308 - built by charts.py, text escaped


def _protocol(request: ClinicRequest, protocol_id: int) -> Protocol:
    return get_object_or_404(Protocol.objects.visible_to(request.clinic), pk=protocol_id)


@clinic_view("evidence.view")
def evidence_index(request: ClinicRequest) -> HttpResponse:
    protocol_ids = set(
        SplitBodyAllocation.objects.for_clinic(request.clinic).values_list(
            "plan__protocol_id", flat=True
        )
    )
    protocols = list(Protocol.objects.visible_to(request.clinic).filter(pk__in=protocol_ids))
    rows = []
    for protocol in protocols:
        effect = evidence_report(request.clinic, protocol).split_body
        if effect is not None:
            rows.append(
                ForestRow(protocol.name, effect.estimate, effect.ci_low, effect.ci_high, effect.n)
            )
    return render(
        request,
        "outcomes/evidence_index.html",
        {"protocols": protocols, "forest": mark_safe(forest_svg(rows))},  # noqa: S308
    )


@clinic_view("evidence.view")
def evidence_protocol(request: ClinicRequest, protocol_id: int) -> HttpResponse:
    protocol = _protocol(request, protocol_id)
    started = time.monotonic()
    report = evidence_report(request.clinic, protocol)
    effect = report.split_body
    forest = (
        [ForestRow("split-body", effect.estimate, effect.ci_low, effect.ci_high, effect.n)]
        if effect
        else []
    )
    return render(
        request,
        "outcomes/evidence.html",
        {
            "protocol": protocol,
            "report": report,
            "estimates": [
                ("Split-body (paired difference)", report.split_body),
                ("Lifestyle-adjusted mixed model (per course)", report.mixed),
                ("Naive before/after (treated side only)", report.naive),
            ],
            "forest": mark_safe(forest_svg(forest)),  # noqa: S308
            "seconds": time.monotonic() - started,
        },
    )


@clinic_view("evidence.view")
def evidence_csv(request: ClinicRequest, protocol_id: int) -> HttpResponse:
    protocol = _protocol(request, protocol_id)
    report = evidence_report(request.clinic, protocol)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="evidence-{protocol.pk}.csv"'
    writer = csv.writer(response)
    columns = ["patient", "side", "body_side", "time", "value", "blinded", "exercise_minutes"]
    writer.writerow(columns)
    if not report.rows.empty:
        for row in report.rows[columns].itertuples(index=False):
            writer.writerow(row)
    audit.record(
        Actor.from_request(request),
        AuditAction.EXPORT,
        object_type="evidence_report",
        object_id=protocol.pk,
        details={"rows": report.measurements, "patients": report.patients, "format": "csv"},
        clinic=request.clinic,
    )
    return response
