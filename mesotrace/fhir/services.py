"""Importing FHIR R4 data from another system into a clinic, all or nothing.

Patients, practitioners, allergies, medications, conditions (as lines of the medical history)
and measurements are written through their apps' services, so each write is audited as if
typed in. A dry run does the whole import and rolls it back, so what it reports is exactly
what the real import would do.
"""

from __future__ import annotations

import datetime
import shutil
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.fhir import tasks
from mesotrace.fhir.models import ExportJob, ExportStatus, ImportedRecord
from mesotrace.fhir.rules import codes
from mesotrace.fhir.rules import imports as rules
from mesotrace.fhir.rules.imports import Entry, Refused
from mesotrace.outcomes import services as outcomes
from mesotrace.outcomes.models import MeasurementType
from mesotrace.outcomes.shipped import LOCAL
from mesotrace.patients import services as patients
from mesotrace.patients.models import Patient
from mesotrace.practitioners import services as practitioners

_RECORD_NUMBERS = codes.identifier_system("patient-record-number/")
_CLINICS = codes.identifier_system("clinic")


@dataclass(frozen=True)
class Done:
    """What one entry became: created, updated, unchanged or skipped, and why."""

    path: str
    kind: str
    action: str
    reason: str
    target: str = ""


@dataclass
class ImportReport:
    dry_run: bool
    done: list[Done] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.done if row.action == action)


@transaction.atomic
def import_entries(
    actor: Actor, clinic: Clinic, entries: list[Entry], *, dry_run: bool = False
) -> ImportReport:
    """Imports every entry or none: any problem raises `Refused` with all the problems."""
    report = ImportReport(dry_run)
    _Import(actor, clinic, entries, report).run()
    if dry_run:
        transaction.set_rollback(True)
    return report


@dataclass
class _Changes:
    """What an import adds to one patient's record, written once at the end."""

    patient: Patient
    allergies: list[patients.AllergyInput]
    medications: list[patients.MedicationInput]
    history: list[str]
    changed: bool = False


class _Import:
    def __init__(self, actor: Actor, clinic: Clinic, entries: list[Entry], report: ImportReport):
        self.actor, self.clinic, self.entries, self.report = actor, clinic, entries, report
        self.patients: dict[int, Patient] = {}  # by id() of the Patient entry
        self.by_ref: dict[str, Entry] = {}
        for entry in entries:
            for key in (entry.full_url, entry.local_ref):
                if key:
                    self.by_ref[key] = entry
        self.problems: list[tuple[str, str]] = []
        self.changes: dict[int, _Changes] = {}

    def run(self) -> None:
        order = ["Organization", "Practitioner", "Patient", "AllergyIntolerance"]
        order += ["MedicationStatement", "Condition", "Observation"]
        for entry in self.entries:
            self._check(entry)
        for kind in order:
            for entry in (e for e in self.entries if e.kind == kind):
                self._guard(entry, getattr(self, f"_{kind.lower()}"))
        self._write_changes()
        if self.problems:
            raise Refused(self.problems)
        place = {entry.path: index for index, entry in enumerate(self.entries)}
        self.report.done.sort(key=lambda row: place[row.path])  # in the file's order

    def _check(self, entry: Entry) -> None:
        if not entry.kind:
            self.problems.append((f"{entry.path}.resourceType", "Each resource needs its type."))
        elif entry.kind not in rules.IMPORTED_TYPES:
            self._done(entry, "skipped", f"{entry.kind} is not imported.")
        for url in rules.unknown_extensions(entry):
            self.report.warnings.append((f"{entry.path}.extension", f"Unknown extension {url}."))

    def _guard(self, entry: Entry, step: Any) -> None:
        try:
            step(entry)
            self.report.warnings.extend((entry.path, note) for note in entry.notes)
        except Refused as refused:
            self.problems.extend(refused.problems)
        except ValidationError as error:
            messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            for name, texts in messages.items():
                path = f"{entry.path}.{name}" if name else entry.path
                self.problems.extend((path, text) for text in texts)

    def _done(self, entry: Entry, action: str, reason: str, target: str = "") -> None:
        self.report.done.append(Done(entry.path, entry.kind, action, reason, target))

    def _link(self, entry: Entry, pk: int) -> None:
        system, value = rules.identifier_key(entry)
        ImportedRecord.objects.create(
            clinic=self.clinic,
            resource_type=entry.kind,
            system=system[:300],
            value=value[:200],
            object_id=pk,
        )

    def _linked(self, kind: str, system: str, value: str) -> int | None:
        found = ImportedRecord.objects.filter(
            clinic=self.clinic, resource_type=kind, system=system, value=value
        ).first()
        return found.object_id if found else None

    def _refuse_other_clinic(self, entry: Entry, prefix: str, own: str) -> None:
        for index, identifier in enumerate(entry.resource.get("identifier") or []):
            system, value = str(identifier.get("system", "")), str(identifier.get("value", ""))
            if system.startswith(prefix) and (system != own if own else value != self.clinic.slug):
                raise Refused(
                    [(f"{entry.path}.identifier[{index}]", "This is another clinic's identifier.")]
                )

    # --- One method per resource type ----------------------------------------------------

    def _organization(self, entry: Entry) -> None:
        self._refuse_other_clinic(entry, _CLINICS, "")
        self._done(entry, "skipped", "Records are imported into this clinic.")

    def _practitioner(self, entry: Entry) -> None:
        name, qualification = rules.practitioner_fields(entry)
        found = self._linked("Practitioner", *rules.identifier_key(entry))
        if found is not None:
            self._done(entry, "unchanged", "Imported before.", f"Practitioner/{found}")
            return
        data = practitioners.PractitionerInput(full_name=name, qualification=qualification)
        person = practitioners.add_practitioner(self.actor, self.clinic, data)
        self._link(entry, person.pk)
        self._done(entry, "created", "New practitioner.", f"Practitioner/{person.pk}")

    def _patient(self, entry: Entry) -> None:
        own = codes.identifier_system(f"patient-record-number/{self.clinic.slug}")
        self._refuse_other_clinic(entry, _RECORD_NUMBERS, own)
        data = rules.patient_fields(entry)
        existing = self._existing_patient(entry, own)
        given = patients.PatientInput(**data.__dict__)
        if existing is None:
            patient = patients.create_patient(self.actor, self.clinic, given)
            self._link(entry, patient.pk)
            self._done(entry, "created", "New patient.", f"Patient/{patient.pk}")
        else:
            patient = existing
            same = all(getattr(patient, name) == value for name, value in data.__dict__.items())
            if same:
                self._done(
                    entry, "unchanged", "Same patient, same details.", f"Patient/{patient.pk}"
                )
            else:
                patients.update_patient(self.actor, patient, given)
                self._done(
                    entry, "updated", "Known patient; details changed.", f"Patient/{patient.pk}"
                )
        self.patients[id(entry)] = patient

    def _existing_patient(self, entry: Entry, own: str) -> Patient | None:
        mine = Patient.objects.for_clinic(self.clinic)
        for identifier in entry.resource.get("identifier") or []:
            if identifier.get("system") == own:
                return mine.filter(record_number=identifier.get("value")).first()
        pk = self._linked("Patient", *rules.identifier_key(entry))
        return mine.filter(pk=pk).first() if pk is not None else None

    def _subject(self, entry: Entry) -> Patient:
        name = "patient" if entry.kind == "AllergyIntolerance" else "subject"
        reference = rules.reference_of(entry, name)
        path = f"{entry.path}.{name}"
        if not reference:
            raise Refused([(path, "Give the patient this record is about.")])
        target = self.by_ref.get(reference)
        if target is not None and target.kind == "Patient" and id(target) in self.patients:
            return self.patients[id(target)]
        found = self._patient_by_reference(reference)
        if found is None:
            raise Refused([(path, f"{reference} is neither in the file nor imported before.")])
        return found

    def _patient_by_reference(self, reference: str) -> Patient | None:
        mine = Patient.objects.for_clinic(self.clinic)
        if reference.startswith("Patient?identifier="):
            system, _bar, value = reference.removeprefix("Patient?identifier=").rpartition("|")
            own = codes.identifier_system(f"patient-record-number/{self.clinic.slug}")
            if system == own:
                return mine.filter(record_number=value).first()
            for entry in self.entries:
                if entry.kind == "Patient" and rules.identifier_key(entry) == (system, value):
                    return self.patients.get(id(entry))
            pk = self._linked("Patient", system, value)
        elif reference.startswith("Patient/"):
            pk = self._linked("Patient", "urn:fhir:resource-id", reference.removeprefix("Patient/"))
        else:
            pk = None
        return mine.filter(pk=pk).first() if pk is not None else None

    def _pending(self, patient: Patient) -> _Changes:
        if patient.pk not in self.changes:
            self.changes[patient.pk] = _Changes(
                patient,
                [
                    patients.AllergyInput(a.substance, a.reaction, a.severity)
                    for a in patient.allergies.all()
                ],
                [
                    patients.MedicationInput(m.name, m.dose, m.is_anticoagulant)
                    for m in patient.medications.all()
                ],
                patient.medical_history.splitlines(),
            )
        return self.changes[patient.pk]

    def _allergyintolerance(self, entry: Entry) -> None:
        changes = self._pending(self._subject(entry))
        substance, reaction, severity = rules.allergy_fields(entry)
        if any(a.substance.lower() == substance.lower() for a in changes.allergies):
            self._done(entry, "unchanged", "The patient's record has this allergy.")
            return
        changes.allergies.append(patients.AllergyInput(substance, reaction, severity))
        changes.changed = True
        self._done(entry, "created", "Allergy added.", f"Patient/{changes.patient.pk}")

    def _medicationstatement(self, entry: Entry) -> None:
        changes = self._pending(self._subject(entry))
        name, dose, anticoagulant = rules.medication_fields(entry)
        if any(m.name.lower() == name.lower() for m in changes.medications):
            self._done(entry, "unchanged", "The patient's record has this medication.")
            return
        changes.medications.append(patients.MedicationInput(name, dose, anticoagulant))
        changes.changed = True
        self._done(entry, "created", "Medication added.", f"Patient/{changes.patient.pk}")

    def _condition(self, entry: Entry) -> None:
        changes = self._pending(self._subject(entry))
        line = rules.condition_line(entry)
        if line in changes.history:
            self._done(entry, "unchanged", "The medical history has this condition.")
            return
        changes.history.append(line)
        changes.changed = True
        target = f"Patient/{changes.patient.pk}"
        self._done(entry, "created", "Added to the medical history.", target)

    def _write_changes(self) -> None:
        """One change per patient, whatever the number of allergies, medications, conditions."""
        for changes in self.changes.values():
            if not changes.changed:
                continue
            data = patients.PatientInput(
                allergies=changes.allergies,
                medications=changes.medications,
                medical_history="\n".join(line for line in changes.history if line),
            )
            try:
                patients.update_patient(self.actor, changes.patient, data)
            except ValidationError as error:
                path = f"Patient/{changes.patient.pk}"
                self.problems.extend((path, text) for text in error.messages)

    def _observation(self, entry: Entry) -> None:
        patient = self._subject(entry)
        kind = self._measurement_type(entry)
        if kind is None:
            self._done(entry, "skipped", "No measurement type has this code.")
            return
        key = rules.identifier_key(entry)
        found = self._linked("Observation", *key)
        if found is not None:
            self._done(entry, "unchanged", "Imported before.", f"Observation/{found}")
            return
        value, unit, when = rules.observation_value(entry)
        measured_at = parse_datetime(when) if "T" in when else None
        if when and measured_at is None:
            measured_at = _midday(when, entry)
        row = outcomes.record_measurement(
            self.actor, patient, kind, value, unit, measured_at=measured_at
        )
        self._link(entry, row.pk)
        self._done(entry, "created", f"{kind.name}.", f"Observation/{row.pk}")

    def _measurement_type(self, entry: Entry) -> MeasurementType | None:
        for system, code in rules.observation_code(entry):
            own = LOCAL if system == codes.local_system("measurement") else system
            found = MeasurementType.objects.filter(code_system=own, code=code).first()
            if found is not None:
                return found
        return None


def _midday(when: str, entry: Entry) -> datetime.datetime:
    try:
        day = datetime.date.fromisoformat(when[:10])
    except ValueError:
        raise Refused([(f"{entry.path}.effectiveDateTime", "Use an ISO date or time.")]) from None
    return datetime.datetime.combine(day, datetime.time(12), datetime.UTC)


# --- Bulk export ($export) ------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    """What a `$export` asks for, checked by the caller: the level, the group (a recall
    campaign's id) for a group export, the types, and the change time."""

    level: str
    types: list[str]
    request_url: str
    base_url: str
    group_id: int | None = None
    since: datetime.datetime | None = None


def _remove_files(job: ExportJob) -> None:
    shutil.rmtree(job.folder(), ignore_errors=True)


@transaction.atomic
def request_export(actor: Actor, clinic: Clinic, asked: ExportRequest) -> ExportJob:
    """Records the export and queues it on the task worker; expired exports go first."""
    _remove_expired()
    job = ExportJob.objects.create(
        clinic=clinic,
        requested_by=actor.user,
        level=asked.level,
        group_id=asked.group_id,
        types=asked.types,
        since=asked.since,
        request_url=asked.request_url,
        base_url=asked.base_url,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        ObjectType.CLINIC,
        object_id=clinic.pk,
        details={"fhir": "$export", "job": job.pk, "level": job.level, "types": job.types},
        clinic=clinic,
    )
    tasks.run_export.enqueue(job.pk)
    return job


@transaction.atomic
def start_export(job: ExportJob, total: int) -> bool:
    """The worker begins: False when the export was cancelled while it waited."""
    started = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, total=total, transaction_time=timezone.now()
    )
    job.refresh_from_db()
    return bool(started)


def export_progress(job: ExportJob, written: int) -> bool:
    """Bookkeeping between chunks: False when the export was cancelled meanwhile."""
    return bool(
        ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(written=written)
    )


@transaction.atomic
def finish_export(actor: Actor, job: ExportJob, output: list[dict[str, Any]]) -> bool:
    """The files are written: the manifest is ready until it expires, with one audit row
    naming every type and count exported. False when it was cancelled at the last moment."""
    now = timezone.now()
    expires = now + datetime.timedelta(hours=settings.FHIR_EXPORT_HOURS)
    written = sum(part["count"] for part in output)
    done = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE,
        output=output,
        written=written,
        finished_at=now,
        expires_at=expires,
    )
    if not done:
        return False
    job.refresh_from_db()
    audit.record(
        actor,
        AuditAction.EXPORT,
        ObjectType.CLINIC,
        object_id=job.clinic_id,
        details={
            "fhir": "$export",
            "job": job.pk,
            "level": job.level,
            "group": job.group_id,
            "since": job.since.isoformat() if job.since else None,
            "resources": {part["type"]: part["count"] for part in output},
            "total": written,
        },
        clinic=job.clinic,
    )
    tasks.expire_export.using(run_after=expires).enqueue(job.pk)
    return True


@transaction.atomic
def fail_export(job: ExportJob, reason: str) -> bool:
    """An export that broke keeps no partial files; the status answers with the reason.
    False when it had been cancelled (deleting its folder may be what broke it)."""
    _remove_files(job)
    return bool(
        ExportJob.objects.filter(
            pk=job.pk, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
        ).update(status=ExportStatus.FAILED, error=reason[:2000], finished_at=timezone.now())
    )


@transaction.atomic
def cancel_export(actor: Actor, job: ExportJob) -> None:
    """Stops a running export (the worker notices between chunks) or withdraws a finished
    one; either way its files are deleted."""
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.CANCELLED, finished_at=timezone.now()
    )
    _remove_files(job)
    audit.record(
        actor,
        AuditAction.DELETE,
        ObjectType.CLINIC,
        object_id=job.clinic_id,
        details={"fhir": "$export", "job": job.pk, "cancelled": True},
        clinic=job.clinic,
    )


def _remove_expired() -> int:
    now = timezone.now()
    expired = list(
        ExportJob.objects.filter(Q(expires_at__lte=now) | Q(status=ExportStatus.CANCELLED))
    )
    for job in expired:
        _remove_files(job)
    ExportJob.objects.filter(pk__in=[job.pk for job in expired]).delete()
    return len(expired)


@transaction.atomic
def remove_expired_exports() -> int:
    """Deletes every export past its expiry, and cancelled ones, with their files: how many.
    Bookkeeping with no actor: each export's own audit rows stay."""
    return _remove_expired()
