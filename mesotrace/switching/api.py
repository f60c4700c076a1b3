"""`/api/v1/csv-imports`: a clinic's CSV file from its previous system, previewed or imported
in one call (multipart: `file`, optional `columns` as a JSON object header → field,
`dry_run`), and an import record read back."""

from __future__ import annotations

import json

from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from mesotrace.accounts.access import ApiRequest, TokenAuth, clinic_object_or_404
from mesotrace.core.api import ERRORS, FieldError, field_error
from mesotrace.switching import queries, rules, services
from mesotrace.switching.models import CsvImport
from mesotrace.switching.schemas import CsvImportOut, RowOut

router = Router(tags=["switching"])


def _columns(text: str | None) -> dict[str, str] | None:
    if text is None or not text.strip():
        return None
    try:
        columns = json.loads(text)
    except ValueError:
        raise field_error("columns", "Send the columns as a JSON object.") from None
    if not isinstance(columns, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
    ):
        raise field_error("columns", "Map each column header to a field name (both strings).")
    return columns


def _row(plan: queries.RowPlan) -> RowOut:
    return RowOut(
        line=plan.row.line,
        action=plan.action,
        patient_id=plan.patient.pk if plan.patient else None,
        problems=[FieldError(field=n, message=r) for n, r in plan.row.problems],
        warnings=[FieldError(field=n, message=r) for n, r in plan.row.warnings],
    )


def _out(upload: CsvImport, plan: queries.Plan | None, dry_run: bool) -> CsvImportOut:
    previous = (
        plan.previous if plan else queries.previous_import(upload.clinic, upload.sha256, upload.pk)
    )
    return CsvImportOut(
        id=None if dry_run else upload.pk,
        file_name=upload.file_name,
        sha256=upload.sha256,
        encoding=upload.encoding,
        delimiter=upload.delimiter,
        status=upload.status,
        dry_run=dry_run,
        rows=upload.rows,
        columns=upload.columns,
        counts=upload.counts,
        imported_at=upload.imported_at,
        previous_import_id=previous.pk if previous else None,
        refusal=[FieldError(field=name, message=reason) for name, reason in upload.refusal],
        row_results=[_row(row) for row in plan.rows] if plan else [],
    )


@router.post(
    "/csv-imports",
    response={200: CsvImportOut, 202: CsvImportOut, **ERRORS},
    auth=TokenAuth("records.import"),
)
def import_csv(
    request: ApiRequest,
    file: File[UploadedFile | None] = None,
    columns: Form[str | None] = None,
    dry_run: Form[bool] = False,
) -> Status[CsvImportOut]:
    """Queues the file's import, all or nothing, for the task worker (202; follow it at
    `GET /csv-imports/{id}`), or with `dry_run` previews it (200), every row's problems
    listed. Any problem refuses the import with 422, one error per `rows[line].field`."""
    if file is None:
        raise field_error("file", "Send the CSV file as multipart/form-data field `file`.")
    raw = file.read(rules.MAX_BYTES + 1)
    if len(raw) > rules.MAX_BYTES:
        raise field_error("file", rules.too_large(file.size or len(raw)))
    name = file.name or "upload.csv"
    upload, plan = services.import_upload(
        request.actor, request.clinic, name, raw, _columns(columns), dry_run=dry_run
    )
    return Status(200 if dry_run else 202, _out(upload, plan, dry_run))


@router.get(
    "/csv-imports/{csv_import_id}",
    response={200: CsvImportOut, **ERRORS},
    auth=TokenAuth("records.import"),
)
def read_csv_import(request: ApiRequest, csv_import_id: int) -> CsvImportOut:
    upload = clinic_object_or_404(CsvImport.objects.all(), request.clinic, pk=csv_import_id)
    return _out(upload, None, dry_run=False)
