"""The owner's CSV import pages: upload a file, map its columns, preview every row, import."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mesotrace.accounts.access import Actor, ClinicRequest, clinic_object_or_404, clinic_view
from mesotrace.audit import services as audit
from mesotrace.core.forms import attach_errors
from mesotrace.switching import queries, rules, services
from mesotrace.switching.forms import ColumnsForm, UploadForm
from mesotrace.switching.models import CsvImport, ImportStatus

RECENT = 20


def _upload(request: ClinicRequest, csv_import_id: int) -> CsvImport:
    return clinic_object_or_404(CsvImport.objects.all(), request.clinic, pk=csv_import_id)


@clinic_view("records.import")
@require_http_methods(["GET", "POST"])
def upload(request: ClinicRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        if file.size > rules.MAX_BYTES:
            form.add_error("file", rules.too_large(file.size))
        else:
            try:
                done = services.upload_file(
                    Actor.from_request(request), request.clinic, file.name, file.read()
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                return redirect("switching:columns", csv_import_id=done.pk)
    recent = queries.imports(request.clinic)[:RECENT]
    return render(request, "switching/upload.html", {"form": form, "imports": recent})


@clinic_view("records.import")
@require_http_methods(["GET", "POST"])
def columns(request: ClinicRequest, csv_import_id: int) -> HttpResponse:
    found = _upload(request, csv_import_id)
    if found.status != ImportStatus.UPLOADED:
        messages.error(request, _("This file is already imported."))
        return redirect("switching:preview", csv_import_id=found.pk)
    table = queries.table_of(found)
    form = ColumnsForm(table.headers, found.columns, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.choose_columns(Actor.from_request(request), found, form.columns())
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            return redirect("switching:preview", csv_import_id=found.pk)
    samples = table.rows[:3]
    context = {"upload": found, "form": form, "samples": samples, "headers": table.headers}
    return render(request, "switching/columns.html", context)


def _preview_page(
    request: ClinicRequest, found: CsvImport, refused: list[str] | None = None
) -> HttpResponse:
    imported = found.status == ImportStatus.IMPORTED
    queued = found.status == ImportStatus.QUEUED
    plan = None if imported or queued else queries.plan_import(request.clinic, found, found.columns)
    if not request.htmx:  # type: ignore[attr-defined]
        audit.record_read(Actor.from_request(request), found)
    context = {
        "upload": found,
        "plan": plan,
        "refused": refused or [],
        "imported": imported,
        "queued": queued,
        "refusal": [reason for _name, reason in found.refusal],
        "previous": queries.previous_import(request.clinic, found.sha256, but=found.pk),
        "rows": _rows(plan) if plan else [],
        "counts": {a: plan.count(a) for a in ("new", "adds", "unchanged", "refused")}
        if plan
        else {},
    }
    return render(request, "switching/preview.html", context)


def _label(name: str) -> str:
    return str(rules.FIELDS.get(name, name))


def _adds(row: queries.RowPlan) -> list[tuple[str, str]]:
    """What the row brings to the record, by field, as the file wrote it."""
    found = [
        (_label("allergies"), ", ".join(row.allergies)),
        (_label("medications"), ", ".join(f"{m.name} {m.dose}".strip() for m in row.medications)),
        (_label("medical_history"), " / ".join(row.history)),
    ]
    found += [(_label(slug), f"{value:g}") for slug, value in row.measurements.items()]
    return [(label, text) for label, text in found if text]


def _rows(plan: queries.Plan) -> list[dict[str, object]]:
    return [
        {
            "line": row.row.line,
            "name": f"{row.row.family_name.upper()} {row.row.given_name}".strip() or "—",
            "born": row.row.date_of_birth,
            "action": row.action,
            "adds": _adds(row),
            "problems": [(_label(n), r) for n, r in row.row.problems],
            "warnings": [(_label(n), r) for n, r in row.row.warnings],
        }
        for row in plan.rows
    ]


@clinic_view("records.import")
def preview(request: ClinicRequest, csv_import_id: int) -> HttpResponse:
    return _preview_page(request, _upload(request, csv_import_id))


@clinic_view("records.import")
@require_POST
def run_import(request: ClinicRequest, csv_import_id: int) -> HttpResponse:
    found = _upload(request, csv_import_id)
    try:
        services.queue_import(Actor.from_request(request), found)
    except ValidationError as error:
        return _preview_page(request, found, error.messages)
    return redirect("switching:preview", csv_import_id=found.pk)
