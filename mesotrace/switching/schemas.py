"""The CSV import's API shapes: the import record and what each row became."""

from __future__ import annotations

import datetime

from ninja import Schema

from mesotrace.core.api import FieldError


class RowOut(Schema):
    line: int
    action: str
    patient_id: int | None
    problems: list[FieldError]
    warnings: list[FieldError]


class CsvImportOut(Schema):
    id: int | None
    file_name: str
    sha256: str
    encoding: str
    delimiter: str
    status: str
    dry_run: bool
    rows: int
    columns: dict[str, str]
    counts: dict[str, int]
    imported_at: datetime.datetime | None
    previous_import_id: int | None
    refusal: list[FieldError]
    row_results: list[RowOut]
