"""The FHIR R4 interface under /fhir/r4/: metadata, read, search, Patient/$everything, import
and bulk export; and the owner's page of bulk exports."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mesotrace.accounts.access import Actor, ApiRequest, ClinicRequest, clinic_view
from mesotrace.accounts.models import Clinic
from mesotrace.core.http import public
from mesotrace.fhir import queries, services
from mesotrace.fhir.access import fhir_view
from mesotrace.fhir.models import ExportStatus
from mesotrace.fhir.rules import bulk, codes, imports
from mesotrace.fhir.rules.capability import capability_statement
from mesotrace.fhir.rules.outcome import body, issue, outcome, respond, with_etag
from mesotrace.fhir.rules.search import SearchError, paging

# The day this interface's capabilities last changed.
PUBLISHED = "2026-12-05"


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:base")).rstrip("/")


def _unsupported_format(request: HttpRequest) -> HttpResponse | None:
    wanted = request.GET.get("_format", "") or request.headers.get("Accept", "")
    if "xml" in wanted and "json" not in wanted:
        return respond(406, issue("not-supported", _("This server answers in JSON only.")))
    return None


def _kind(name: str) -> queries.Kind | None:
    return queries.SERVED.get(name)


def _unknown_type(name: str) -> HttpResponse:
    reason = _("%(type)s is not a resource type this server serves.") % {"type": name}
    return respond(404, issue("not-supported", reason))


def _not_found(name: str, pk: str) -> HttpResponse:
    reason = _("%(type)s/%(id)s is not known.") % {"type": name, "id": pk}
    return respond(404, issue("not-found", reason))


def _refused(request: ApiRequest, kind: queries.Kind) -> HttpResponse | None:
    if request.membership.may(kind.permission):
        return None
    reason = _("Your role does not allow reading %(type)s.") % {"type": kind.name}
    return respond(403, issue("forbidden", reason))


def _context(request: HttpRequest, kind: queries.Kind | None) -> queries.Context:
    clinic = request.clinic  # type: ignore[attr-defined]
    return queries.context_for(clinic, request.build_absolute_uri, kind)


@public
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: what any client may learn before it has a token."""
    statement = capability_statement(
        _base(request),
        [(kind.name, kind.params) for kind in queries.SERVED.values()],
        {name: [url] for name, url in codes.US_CORE_PROFILES.items()},
        PUBLISHED,
    )
    return body(statement)


@fhir_view("account.self")
def search(request: ApiRequest, resource_type: str) -> HttpResponse:
    kind = _kind(resource_type)
    if kind is None:
        return _unknown_type(resource_type)
    refused = _refused(request, kind) or _unsupported_format(request)
    if refused:
        return refused
    given = [(name, value) for name in request.GET for value in request.GET.getlist(name)]
    try:
        window = paging(request.GET.dict())
        found = queries.search(
            request.actor, request.clinic, kind, given, window, _context(request, kind)
        )
    except SearchError as error:
        return respond(400, issue("invalid", error.reason, error.parameter))
    return body(_searchset(request, kind.name, found, window, given))


def _searchset(
    request: HttpRequest,
    name: str,
    found: queries.Found,
    window: tuple[int, int],
    given: list[tuple[str, str]],
) -> dict[str, Any]:
    base = _base(request)
    count, offset = window
    filters = [(k, v) for k, v in given if k not in {"_count", "_offset"}]

    def page_url(start: int) -> str:
        query = "&".join(f"{k}={v}" for k, v in [*filters, ("_count", count), ("_offset", start)])
        return f"{base}/{name}?{query}"

    links = [{"relation": "self", "url": page_url(offset)}]
    if offset + count < found.total:
        links.append({"relation": "next", "url": page_url(offset + count)})
    if offset > 0:
        links.append({"relation": "previous", "url": page_url(max(0, offset - count))})
    return _bundle(links, found.total, [_entry(base, r, "match") for r in found.resources])


def _bundle(links: list[dict[str, str]], total: int, found: list[dict[str, Any]]) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": total}
    bundle["link"] = links
    if found:  # FHIR JSON has no empty arrays
        bundle["entry"] = found
    return bundle


def _entry(base: str, resource: dict[str, Any], mode: str) -> dict[str, Any]:
    return {
        "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


@fhir_view("account.self")
def read(request: ApiRequest, resource_type: str, pk: str) -> HttpResponse:
    kind = _kind(resource_type)
    if kind is None:
        return _unknown_type(resource_type)
    refused = _refused(request, kind) or _unsupported_format(request)
    if refused:
        return refused
    if not pk.isdigit() or len(pk) > 18:
        return _not_found(resource_type, pk)
    resource = queries.read(request.actor, request.clinic, kind, int(pk), _context(request, kind))
    if resource is None:
        return _not_found(resource_type, pk)
    response = with_etag(resource)
    if request.headers.get("If-None-Match") == response["ETag"]:
        unchanged = HttpResponse(status=304)
        unchanged["ETag"] = response["ETag"]
        return unchanged
    return response


@fhir_view("patient.view")
def everything(request: ApiRequest, pk: str) -> HttpResponse:
    refused = _unsupported_format(request)
    if refused:
        return refused
    patient = queries.patient_of_clinic(request.clinic, int(pk)) if pk.isdigit() else None
    if patient is None:
        return _not_found("Patient", pk)
    resources = queries.everything(
        request.actor,
        request.clinic,
        patient,
        request.membership.may,
        _context(request, None),
    )
    base = _base(request)
    links = [{"relation": "self", "url": f"{base}/Patient/{pk}/$everything"}]
    return body(_bundle(links, len(resources), [_entry(base, r, "match") for r in resources]))


@fhir_view("clinic.manage", methods=("POST",))
def import_bundle(request: ApiRequest) -> HttpResponse:
    """POST a transaction or collection Bundle: imported all or nothing (`?dry-run=true`)."""
    try:
        data = imports.parse_json(_text(request))
        entries = imports.bundle_entries(data)
    except imports.Refused as refused:
        return _refusal(refused, 400)
    return _import(request, entries, data["type"])


@fhir_view("clinic.manage", methods=("POST",))
def import_ndjson(request: ApiRequest) -> HttpResponse:
    """POST NDJSON (one resource a line): imported all or nothing (`?dry-run=true`)."""
    try:
        entries = imports.ndjson_entries(_text(request))
    except imports.Refused as refused:
        return _refusal(refused, 400)
    return _import(request, entries)


def _text(request: HttpRequest) -> str:
    if len(request.body) > imports.MAX_BYTES:
        raise imports.Refused([("body", "The file is too large: split it.")])
    try:
        return request.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise imports.Refused([("body", _("The file is not UTF-8."))]) from None


def _refusal(refused: imports.Refused, status: int) -> HttpResponse:
    return respond(status, *(issue("invalid", reason, path) for path, reason in refused.problems))


# What a transaction or batch entry's response says of each import action.
_STATUS = {
    "created": "201 Created",
    "updated": "200 OK",
    "unchanged": "200 OK",
    "skipped": "200 OK",
}


def _entry_outcome(row: services.Done | None, warnings: list[str]) -> dict[str, Any]:
    found = []
    if row is not None:
        severity = "warning" if row.action == "skipped" else "information"
        code = "not-supported" if row.action == "skipped" else "informational"
        found.append(issue(code, f"{row.action}: {row.reason}") | {"severity": severity})
    found += [issue("not-supported", note) | {"severity": "warning"} for note in warnings]
    return outcome(*found)


def _transaction_response(
    kind: str, entries: list[imports.Entry], report: services.ImportReport
) -> dict[str, Any]:
    """The Bundle a transaction (or batch) is answered with: one entry per entry sent, in
    its order, with its status, where the record is, and what the import did and why."""
    done = {row.path: row for row in report.done}
    notes: dict[str, list[str]] = {}
    for path, note in report.warnings:
        notes.setdefault(path.rsplit(".extension", 1)[0], []).append(note)
    answered = []
    for entry in entries:
        row = done.get(entry.path)
        response: dict[str, Any] = {"status": _STATUS[row.action] if row else "200 OK"}
        if row is not None and row.target and row.action != "skipped":
            response["location"] = row.target
        if row is not None or entry.path in notes:
            response["outcome"] = _entry_outcome(row, notes.get(entry.path, []))
        answered.append({"response": response})
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": f"{kind}-response"}
    if answered:
        bundle["entry"] = answered
    return bundle


def _wants_outcome(request: HttpRequest) -> bool:
    """`Prefer: return=OperationOutcome` (FHIR's Prefer header): the report, not the Bundle."""
    parts = [part.strip() for part in request.headers.get("Prefer", "").split(",")]
    return "return=OperationOutcome" in parts


def _import(request: ApiRequest, entries: list[imports.Entry], kind: str = "") -> HttpResponse:
    """Imports the entries: a transaction or batch is answered with its response Bundle; a
    collection, NDJSON, a dry run, or a caller who prefers it gets an OperationOutcome
    listing what each entry did."""
    dry_run = request.GET.get("dry-run", "") == "true"
    try:
        report = services.import_entries(request.actor, request.clinic, entries, dry_run=dry_run)
    except imports.Refused as refused:
        return _refusal(refused, 422)
    if kind in {"transaction", "batch"} and not dry_run and not _wants_outcome(request):
        return body(_transaction_response(kind, entries, report))
    issues = [
        {
            "severity": "information",
            "code": "informational",
            "diagnostics": f"{row.action}: {row.reason}"
            + (f" ({row.target})" if row.target and not dry_run else ""),
            "expression": [row.path],
        }
        for row in report.done
    ]
    issues += [
        {
            "severity": "warning",
            "code": "not-supported",
            "diagnostics": reason,
            "expression": [path],
        }
        for path, reason in report.warnings
    ]
    summary = ", ".join(
        f"{report.count(action)} {action}"
        for action in ("created", "updated", "unchanged", "skipped")
    )
    head = {
        "severity": "information",
        "code": "informational",
        "diagnostics": ("Dry run, nothing saved: " if dry_run else "Imported: ") + summary,
    }
    return body(outcome(head, *issues))


@public
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /fhir/r4/: an OperationOutcome, never an HTML page."""
    return respond(404, issue("not-supported", _("This interaction is not supported.")))


# --- Bulk export ($export) ------------------------------------------------------------------


def _status_url(request: HttpRequest, job_id: int) -> str:
    return request.build_absolute_uri(reverse("fhir:export_status", args=[job_id]))


def _kick_off(request: ApiRequest, level: str, group_id: int | None) -> HttpResponse:
    """Checks a kick-off and queues the export: 202 with the status URL to poll."""
    if not bulk.wants_async(request.headers.get("Prefer", "")):
        reason = _("A bulk export needs the header Prefer: respond-async.")
        return respond(400, issue("invalid", reason, "Prefer"))
    allowed = [kind.name for kind in queries.export_kinds(level)]
    readable = [k.name for k in queries.SERVED.values() if request.membership.may(k.permission)]
    try:
        asked = bulk.kick_off(request.GET.dict(), allowed, readable)
    except bulk.Refused as refused:
        code = "forbidden" if refused.status == 403 else "invalid"
        return respond(refused.status, issue(code, refused.reason, refused.parameter))
    wanted = services.ExportRequest(
        level, asked.types, request.build_absolute_uri(), _base(request), group_id, asked.since
    )
    job = services.request_export(request.actor, request.clinic, wanted)
    response = HttpResponse(status=202)
    response["Content-Location"] = _status_url(request, job.pk)
    return response


@fhir_view("clinic.manage")
def export_system(request: ApiRequest) -> HttpResponse:
    """`GET [base]/$export`: every resource type of the clinic."""
    return _kick_off(request, "system", None)


@fhir_view("clinic.manage")
def export_patients(request: ApiRequest) -> HttpResponse:
    """`GET [base]/Patient/$export`: every patient's records."""
    return _kick_off(request, "patient", None)


@fhir_view("clinic.manage")
def export_group(request: ApiRequest, pk: str) -> HttpResponse:
    """`GET [base]/Group/[id]/$export`: the records of a recall campaign's patients."""
    found = pk.isdigit() and len(pk) <= 18
    campaign = queries.campaign_of_clinic(request.clinic, int(pk)) if found else None
    if campaign is None:
        return _not_found("Group", pk)
    return _kick_off(request, "group", campaign.pk)


def _unknown_export() -> HttpResponse:
    reason = _("This export is not known, was cancelled or has expired.")
    return respond(404, issue("not-found", reason))


@fhir_view("clinic.manage", methods=("GET", "DELETE"))
def export_status(request: ApiRequest, job_id: int) -> HttpResponse:
    """Poll an export (202 while it runs, the manifest when done) or cancel it (DELETE)."""
    job = queries.export_job(request.clinic, job_id)
    if job is None:
        return _unknown_export()
    if request.method == "DELETE":
        services.cancel_export(request.actor, job)
        done = _("The export is cancelled and its files deleted.")
        return respond(
            202, {"severity": "information", "code": "informational", "diagnostics": done}
        )
    if job.active:
        response = HttpResponse(status=202)
        response["X-Progress"] = f"{job.percent}% ({job.written} of {job.total} resources)"
        response["Retry-After"] = str(bulk.RETRY_AFTER)
        return response
    if job.status == ExportStatus.FAILED:
        return respond(
            500, issue("exception", _("The export failed: %(reason)s") % {"reason": job.error})
        )
    assert job.transaction_time is not None
    assert job.expires_at is not None

    def file_url(name: str) -> str:
        return request.build_absolute_uri(reverse("fhir:export_file", args=[job.pk, name]))

    document = bulk.manifest(job.transaction_time, job.request_url, job.output, file_url)
    response = HttpResponse(json.dumps(document), content_type="application/json")
    response["Expires"] = http_date(job.expires_at.timestamp())
    return response


def _file(actor: Actor, clinic: Clinic, job_id: int, name: str) -> HttpResponseBase | None:
    path = queries.export_file(actor, clinic, job_id, name)
    if path is None:
        return None
    response = FileResponse(path.open("rb"), content_type=bulk.NDJSON)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@fhir_view("clinic.manage")
def export_file(request: ApiRequest, job_id: int, name: str) -> HttpResponseBase:
    """One NDJSON file of a finished export, to the clinic's token that may export."""
    return _file(request.actor, request.clinic, job_id, name) or _unknown_export()


@clinic_view("clinic.manage")
@require_http_methods(["GET", "POST"])
def exports_page(request: ClinicRequest) -> HttpResponse:
    """The owner's exports: start a whole-clinic export, follow it, download, cancel."""
    if request.method == "POST":
        readable = [
            k for k in queries.export_kinds("system") if request.membership.may(k.permission)
        ]
        wanted = services.ExportRequest(
            "system",
            [kind.name for kind in readable],
            request.build_absolute_uri(reverse("fhir:export_system")),
            _base(request),
        )
        services.request_export(Actor.from_request(request), request.clinic, wanted)
        messages.success(request, _("Export queued: it runs in the background."))
        return redirect("exports:list")
    jobs = list(queries.export_jobs(request.clinic)[:30])
    running = any(job.active for job in jobs)
    context = {"jobs": jobs, "running": running, "export_hours": settings.FHIR_EXPORT_HOURS}
    return render(request, "fhir/exports.html", context)


@clinic_view("clinic.manage")
@require_POST
def export_cancel(request: ClinicRequest, job_id: int) -> HttpResponse:
    job = queries.export_job(request.clinic, job_id)
    if job is None:
        raise Http404
    services.cancel_export(Actor.from_request(request), job)
    messages.success(request, _("Export cancelled and its files deleted."))
    return redirect("exports:list")


@clinic_view("clinic.manage")
def export_download(request: ClinicRequest, job_id: int, part: int) -> HttpResponseBase:
    """The export's `part`-th file (in the order of the list)."""
    job = queries.export_job(request.clinic, job_id)
    if job is None or part >= len(job.output):
        raise Http404
    found = _file(Actor.from_request(request), request.clinic, job_id, job.output[part]["file"])
    if found is None:
        raise Http404
    return found
