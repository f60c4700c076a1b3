"""The auditor's view of the trail: filter by patient, user, date range and action; export CSV."""

from __future__ import annotations

import csv
import datetime
import zoneinfo
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from mesotrace.accounts.access import ClinicRequest, clinic_view
from mesotrace.audit import services
from mesotrace.audit.actor import Actor
from mesotrace.audit.forms import AuditFilterForm
from mesotrace.audit.models import AuditAction, AuditEvent

EXPORT_LIMIT = 100_000


def _filtered(request: ClinicRequest, form: AuditFilterForm) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.for_clinic(request.clinic).select_related("actor")
    if not form.is_valid():
        return events.none()
    data = form.cleaned_data
    zone = zoneinfo.ZoneInfo(request.clinic.timezone)
    if data.get("patient"):
        events = events.filter(patient_id=data["patient"])
    if data.get("user"):
        events = events.filter(actor=data["user"])
    if data.get("action"):
        events = events.filter(action=data["action"])
    if data.get("date_from"):
        events = events.filter(
            at__gte=datetime.datetime.combine(data["date_from"], datetime.time(), zone)
        )
    if data.get("date_to"):
        end = data["date_to"] + datetime.timedelta(days=1)
        events = events.filter(at__lt=datetime.datetime.combine(end, datetime.time(), zone))
    return events


@clinic_view("audit.view")
def audit_list(request: ClinicRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, clinic=request.clinic)
    events = (
        _filtered(request, form) if request.GET else AuditEvent.objects.for_clinic(request.clinic)
    )
    page = Paginator(events.select_related("actor"), 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "audit/list.html", context)


@clinic_view("audit.view")
def audit_export(request: ClinicRequest) -> StreamingHttpResponse:
    form = AuditFilterForm(request.GET or None, clinic=request.clinic)
    events = (
        _filtered(request, form) if request.GET else AuditEvent.objects.for_clinic(request.clinic)
    )
    services.record(
        Actor.from_request(request),
        AuditAction.EXPORT,
        object_type="audit_event",
        details={"filters": request.GET.dict(), "limit": EXPORT_LIMIT},
    )
    return StreamingHttpResponse(
        _csv_rows(events[:EXPORT_LIMIT]),
        content_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(
        [
            "at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "patient_id",
            "changes",
            "details",
            "request_id",
            "ip",
            "via",
        ]
    )
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                event.at.isoformat(),
                event.actor_label,
                event.action,
                event.object_type,
                event.object_id,
                event.patient_id or "",
                event.changes,
                event.details,
                event.request_id,
                event.ip or "",
                event.via,
            ]
        )
