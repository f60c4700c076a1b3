"""Importing a clinic's CSV file from the system it leaves: upload, mapping, import.

The import is one transaction: every row's patient, allergies, medications, history and
measurements are written through the patients' and outcomes' services (each audited as if
typed in), or, when any row has a problem, nothing is. A row whose patient is already in
the clinic adds only what the record lacks, so importing the same file twice creates nothing
the second time.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.core.clock import aware
from mesotrace.outcomes import services as outcomes
from mesotrace.outcomes.models import MeasurementType
from mesotrace.patients import services as patients
from mesotrace.patients.models import Medication, Patient
from mesotrace.switching import queries, rules, tasks
from mesotrace.switching.models import CsvImport, CsvMapping, ImportedPatient, ImportStatus
from mesotrace.treatments.rules.screening import is_antithrombotic


def _refusal(problems: list[tuple[str, str]]) -> ValidationError:
    errors: dict[str, list[str]] = {}
    for name, reason in problems:
        errors.setdefault(name, []).append(reason)
    return ValidationError(errors)


@transaction.atomic
def upload_file(actor: Actor, clinic: Clinic, file_name: str, raw: bytes) -> CsvImport:
    """Keeps the file's text for mapping and preview; refuses what cannot be read (`file`)."""
    try:
        table = rules.read_table(raw)
    except rules.Unreadable as error:
        raise ValidationError({"file": str(error)}) from None
    text, _encoding = rules.decode(raw)
    upload = CsvImport.objects.create(
        clinic=clinic,
        file_name=file_name[:200],
        sha256=hashlib.sha256(raw).hexdigest(),
        text=text,
        encoding=table.encoding,
        delimiter=table.delimiter,
        columns=rules.guess_columns(table.headers, queries.saved_columns(clinic)),
        rows=len(table.rows),
        uploaded_by=actor.user,
    )
    details = {"file_name": upload.file_name, "sha256": upload.sha256, "rows": upload.rows}
    audit.record(actor, AuditAction.CREATE, upload, details=details)
    return upload


@transaction.atomic
def choose_columns(actor: Actor, upload: CsvImport, columns: dict[str, str]) -> CsvImport:
    """The upload's mapping, kept as the clinic's for its next file. A column left out keeps
    the field it was matched to."""
    headers = queries.table_of(upload).headers
    before: dict[str, str] = dict(upload.columns)
    merged: dict[str, str] = {
        header: columns.get(header, before.get(header, rules.IGNORED)) for header in headers
    }
    unknown = {header: choice for header, choice in columns.items() if header not in headers}
    problems = rules.mapping_problems(headers, {**merged, **unknown})
    if problems:
        raise _refusal([(f"columns.{name}", reason) for name, reason in problems])
    upload.columns = merged
    upload.save(update_fields=["columns", "updated_at"])
    _keep_mapping(actor, upload.clinic, upload.columns)
    changes = audit.diff({"columns": before}, {"columns": upload.columns})
    if changes:
        audit.record(actor, AuditAction.UPDATE, upload, changes=changes)
    return upload


def _keep_mapping(actor: Actor, clinic: Clinic, columns: dict[str, str]) -> None:
    saved, _created = CsvMapping.objects.get_or_create(clinic=clinic)
    merged = {**saved.columns, **columns}
    if merged != saved.columns:
        changes = audit.diff({"columns": saved.columns}, {"columns": merged})
        saved.columns = merged
        saved.save(update_fields=["columns", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, saved, changes=changes)


@transaction.atomic
def queue_import(actor: Actor, upload: CsvImport) -> CsvImport:
    """Checks the whole file again and hands its import to the task worker: a clinic's whole
    export takes longer than a page may. Any problem refuses it here, naming each
    `rows[line].field`; nothing is written."""
    upload = CsvImport.objects.select_for_update().get(pk=upload.pk)
    if upload.status != ImportStatus.UPLOADED:
        raise ValidationError({"file": _("This file is already imported.")})
    plan = queries.plan_import(upload.clinic, upload, upload.columns)
    if plan.problems:
        raise _refusal(plan.problems)
    upload.status = ImportStatus.QUEUED
    upload.imported_by = actor.user
    upload.refusal = []
    upload.save(update_fields=["status", "imported_by", "refusal", "updated_at"])
    _keep_mapping(actor, upload.clinic, upload.columns)
    changes = {"status": {"before": ImportStatus.UPLOADED, "after": ImportStatus.QUEUED}}
    audit.record(actor, AuditAction.UPDATE, upload, changes=changes)
    # The task queue is a table of the same database: the task exists if this commits.
    tasks.import_csv.enqueue(upload.pk, actor.membership.pk if actor.membership else None)
    return upload


@transaction.atomic
def import_file(actor: Actor, upload: CsvImport) -> queries.Plan:
    """Imports every row or none: any problem raises ValidationError naming each
    `rows[line].field`. Answers the plan it carried out."""
    upload = CsvImport.objects.select_for_update().get(pk=upload.pk)
    if upload.status == ImportStatus.IMPORTED:
        raise ValidationError({"file": _("This file is already imported.")})
    plan = queries.plan_import(upload.clinic, upload, upload.columns)
    if plan.problems:
        raise _refusal(plan.problems)
    _Writer(actor, upload.clinic).write(plan)
    counts = {action: plan.count(action) for action in ("new", "adds", "unchanged")}
    counts["measurements"] = sum(len(row.measurements) for row in plan.rows)
    counts["warnings"] = plan.warnings
    before = upload.status
    upload.status = ImportStatus.IMPORTED
    upload.text = ""  # the patients' data now lives in their records; the hash stays
    upload.counts = counts
    upload.imported_by = upload.imported_by or actor.user
    upload.imported_at = timezone.now()
    upload.save()
    _keep_mapping(actor, upload.clinic, upload.columns)
    changes = {"status": {"before": before, "after": ImportStatus.IMPORTED}}
    audit.record(actor, AuditAction.UPDATE, upload, changes=changes, details=counts)
    return plan


@transaction.atomic
def refuse_import(actor: Actor, upload: CsvImport, error: ValidationError) -> CsvImport:
    """A queued import that met a problem after all (the clinic's records changed since the
    preview): the file is back to uploaded, with the reasons; nothing of it was written."""
    upload = CsvImport.objects.select_for_update().get(pk=upload.pk)
    upload.status = ImportStatus.UPLOADED
    upload.refusal = [[name, reason] for name, reason in _problems(error)]
    upload.save(update_fields=["status", "refusal", "updated_at"])
    changes = {"status": {"before": ImportStatus.QUEUED, "after": ImportStatus.UPLOADED}}
    audit.record(actor, AuditAction.UPDATE, upload, changes=changes, details={"refused": True})
    return upload


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    if not hasattr(error, "error_dict"):
        return [("file", text) for text in error.messages]
    return [(name, text) for name, texts in error.message_dict.items() for text in texts]


class _Writer:
    def __init__(self, actor: Actor, clinic: Clinic) -> None:
        self.actor, self.clinic = actor, clinic
        kinds = MeasurementType.objects.filter(slug__in=rules.MEASUREMENTS)
        self.kinds = {kind.slug: kind for kind in kinds}

    def write(self, plan: queries.Plan) -> None:
        for row in plan.rows:
            try:
                patient = self._patient(row)
                self._link(row, patient)
                self._measure(row, patient)
            except ValidationError as error:
                raise _refusal(_row_problems(row.row.line, error)) from None

    def _patient(self, row: queries.RowPlan) -> Patient:
        if row.patient is None:
            data = patients.PatientInput(
                given_name=row.row.given_name,
                family_name=row.row.family_name,
                date_of_birth=row.row.date_of_birth,
                sex=row.row.sex,
                phone=row.row.phone,
                email=row.row.email,
                address=row.row.address,
                medical_history="\n".join(row.history),
                allergies=[patients.AllergyInput(text) for text in row.allergies],
                medications=[_medication(m) for m in row.medications],
            )
            return patients.create_patient(self.actor, self.clinic, data)
        if row.allergies or row.medications or row.history:
            patients.update_patient(self.actor, row.patient, _additions(row, row.patient))
        return row.patient

    def _link(self, row: queries.RowPlan, patient: Patient) -> None:
        for key in row.row.keys:
            ImportedPatient.objects.get_or_create(
                clinic=self.clinic, key=key[:250], defaults={"patient": patient}
            )

    def _measure(self, row: queries.RowPlan, patient: Patient) -> None:
        when = row.measured_at
        if when is None:
            return
        for slug, value in row.measurements.items():
            kind = self.kinds[slug]
            outcomes.record_measurement(
                self.actor,
                patient,
                kind,
                value,
                rules.MEASUREMENTS[slug],
                measured_at=aware(when, self.clinic),
            )


def _medication(item: rules.Medication) -> patients.MedicationInput:
    flagged = is_antithrombotic(Medication(name=item.name))
    return patients.MedicationInput(item.name, item.dose, flagged)


def _additions(row: queries.RowPlan, patient: Patient) -> patients.PatientInput:
    allergies = [
        patients.AllergyInput(a.substance, a.reaction, a.severity) for a in patient.allergies.all()
    ]
    medications = [
        patients.MedicationInput(m.name, m.dose, m.is_anticoagulant)
        for m in patient.medications.all()
    ]
    history = [line for line in patient.medical_history.splitlines() if line]
    return patients.PatientInput(
        allergies=allergies + [patients.AllergyInput(text) for text in row.allergies],
        medications=medications + [_medication(m) for m in row.medications],
        medical_history="\n".join(history + row.history),
    )


def _row_problems(line: int, error: ValidationError) -> list[tuple[str, str]]:
    messages: dict[str, Any] = (
        error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    )
    return [
        (f"rows[{line}].{name}" if name else f"rows[{line}]", text)
        for name, texts in messages.items()
        for text in texts
    ]


@transaction.atomic
def import_upload(
    actor: Actor,
    clinic: Clinic,
    file_name: str,
    raw: bytes,
    columns: dict[str, str] | None = None,
    *,
    dry_run: bool = False,
) -> tuple[CsvImport, queries.Plan]:
    """Upload, mapping and queued import in one step (the API's). A dry run answers the
    preview, problems and all, and keeps nothing; a real run refuses the file on any problem."""
    upload = upload_file(actor, clinic, file_name, raw)
    if columns is not None:
        upload = choose_columns(actor, upload, columns)
    if dry_run:
        plan = queries.plan_import(clinic, upload, upload.columns)
        transaction.set_rollback(True)
        return upload, plan
    plan = queries.plan_import(clinic, upload, upload.columns)
    return queue_import(actor, upload), plan
