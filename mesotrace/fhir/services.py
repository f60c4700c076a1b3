"""Importing FHIR R4 data from another system into a clinic, all or nothing.

Patients, practitioners, allergies, medications, conditions (as lines of the medical history)
and measurements are written through their apps' services, so each write is audited as if
typed in. A dry run does the whole import and rolls it back, so what it reports is exactly
what the real import would do.
"""

from __future__ import annotations

import datetime
import shutil
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic, Membership
from mesotrace.accounts.roles import Role
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.catalogue.models import BodyZone, Indication, Product, Protocol
from mesotrace.charting import services as charting
from mesotrace.consent import services as consent
from mesotrace.fhir import tasks
from mesotrace.fhir.models import ExportJob, ExportStatus, ImportedRecord
from mesotrace.fhir.rules import clinical_imports as clinical
from mesotrace.fhir.rules import codes
from mesotrace.fhir.rules import imports as rules
from mesotrace.fhir.rules.clinical_imports import Unmapped
from mesotrace.fhir.rules.imports import Entry, Refused
from mesotrace.inventory.models import Lot
from mesotrace.inventory.services import stock
from mesotrace.outcomes import services as outcomes
from mesotrace.outcomes.models import MeasurementType, Side
from mesotrace.outcomes.shipped import LOCAL
from mesotrace.patients import services as patients
from mesotrace.patients.models import Patient
from mesotrace.practitioners import services as practitioners
from mesotrace.practitioners.models import PRACTITIONER_FIELDS, Practitioner
from mesotrace.safety.models import AdverseEvent
from mesotrace.safety.services import events as safety
from mesotrace.treatments.models import (
    Appointment,
    InjectionComponent,
    TreatmentPlan,
    TreatmentSession,
)
from mesotrace.treatments.services import plans as treatments
from mesotrace.treatments.services import schedule

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
    importer = _Import(actor, clinic, entries, report)
    try:
        importer.run()
    except Exception:
        importer.remove_files()
        raise
    if dry_run:
        transaction.set_rollback(True)
        importer.remove_files()
    return report


@dataclass
class _Changes:
    """What an import adds to one patient's record, written once at the end."""

    patient: Patient
    allergies: list[patients.AllergyInput]
    medications: list[patients.MedicationInput]
    history: list[str]
    changed: bool = False
    # id() of the entries written with a new patient (see `_Import._new_record`).
    carried: list[int] = field(default_factory=list)


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
        self.made: dict[int, int] = {}  # id() of an entry → the row it became or matched
        self.skipped: dict[int, str] = {}  # id() of an entry skipped → why
        self.uses: dict[int, tuple[Decimal, datetime.date]] = {}  # lot entry → new use
        self.parts: dict[int, list[Entry]] | None = None
        # Allergies, medications and conditions written with their new patient: id() of the
        # entry → the patient's id.
        self.with_new_patient: dict[int, int] = {}
        self.files: list[FieldFile] = []  # photos stored: a rollback does not remove them

    def remove_files(self) -> None:
        for stored in self.files:
            if stored.name:
                stored.storage.delete(stored.name)

    def run(self) -> None:
        order = ["Organization", "Practitioner", "PractitionerRole", "Patient"]
        order += ["AllergyIntolerance"]
        order += ["MedicationStatement", "Condition", "Medication", "CarePlan", "Appointment"]
        order += ["Procedure", "MedicationAdministration", "Observation", "AdverseEvent"]
        order += ["QuestionnaireResponse"]
        order += ["Consent", "DocumentReference"]
        for entry in self.entries:
            self._check(entry)
        if self.problems:  # text no field may hold is refused before anything is written
            raise Refused(self.problems)
        self._count_new_uses()
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
        else:
            self.problems.extend(rules.text_problems(entry))
        for url in rules.unknown_extensions(entry):
            self.report.warnings.append((f"{entry.path}.extension", f"Unknown extension {url}."))

    def _guard(self, entry: Entry, step: Any) -> None:
        if id(entry) in self.made or id(entry) in self.skipped:
            return  # imported with the entry it belongs to (an injection with its session)
        try:
            step(entry)
            self.report.warnings.extend((entry.path, note) for note in entry.notes)
        except Unmapped as unmapped:
            self.skipped[id(entry)] = str(unmapped)
            self._done(entry, "skipped", str(unmapped))
        except Refused as refused:
            self.problems.extend(refused.problems)
        except ValidationError as error:
            messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            for name, texts in messages.items():
                path = rules.element_path(entry, name) if name else entry.path
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
        """Another Mesotrace clinic's identifiers are refused, unless the importing user owns
        that clinic too: an owner moving their own records (the round trip) keeps them."""
        for index, identifier in enumerate(entry.resource.get("identifier") or []):
            system, value = str(identifier.get("system", "")), str(identifier.get("value", ""))
            slug = system.removeprefix(prefix).strip("/") if own else value
            if slug == self.clinic.slug or not system.startswith(prefix):
                continue
            if not self._owns(slug):
                raise Refused(
                    [(f"{entry.path}.identifier[{index}]", "This is another clinic's identifier.")]
                )

    def _owns(self, slug: str) -> bool:
        return Membership.objects.filter(
            user=self.actor.user, clinic__slug=slug, role=Role.OWNER, is_active=True
        ).exists()

    # --- One method per resource type ----------------------------------------------------

    def _organization(self, entry: Entry) -> None:
        self._refuse_other_clinic(entry, _CLINICS, "")
        self._done(entry, "skipped", "Records are imported into this clinic.")

    def _practitioner(self, entry: Entry) -> None:
        given = rules.practitioner_fields(entry)
        if self._imported_before(entry, self._known(entry)):
            return
        data = practitioners.PractitionerInput(**given.__dict__)
        person = practitioners.add_practitioner(self.actor, self.clinic, data)
        self._keep(entry, person.pk, "New practitioner.")

    def _practitionerrole(self, entry: Entry) -> None:
        """A role brings one thing a Practitioner has no element for: who supervises them."""
        person_ref, supervisor_ref = rules.role_fields(entry)
        if not supervisor_ref:
            self._done(entry, "skipped", "The practitioner's role in their clinic stays there.")
            return
        person = self._practitioner_row(entry, person_ref, f"{entry.path}.practitioner")
        chief = self._practitioner_row(entry, supervisor_ref, f"{entry.path}.extension")
        target = f"Practitioner/{person.pk}"
        if person.supervising_physician_id == chief.pk:
            self._done(entry, "unchanged", "The practitioner has this supervisor.", target)
            return
        kept = {name: getattr(person, name) for name in PRACTITIONER_FIELDS}
        data = practitioners.PractitionerInput(**kept | {"supervising_physician": chief})
        practitioners.change_practitioner(self.actor, person, data)
        self._done(entry, "updated", "Supervising physician set.", target)

    def _patient(self, entry: Entry) -> None:
        own = codes.identifier_system(f"patient-record-number/{self.clinic.slug}")
        self._refuse_other_clinic(entry, _RECORD_NUMBERS, own)
        data = rules.patient_fields(entry)
        existing = self._existing_patient(entry, own)
        given = patients.PatientInput(**data.given())
        if existing is None:
            record = self._new_record(entry, data.medical_history or "")
            lists = {
                "allergies": record.allergies,
                "medications": record.medications,
                "medical_history": "\n".join(line for line in record.history if line),
            }
            patient = patients.create_patient(
                self.actor, self.clinic, patients.PatientInput(**(data.given() | lists))
            )
            record.patient = patient
            self.changes[patient.pk] = record
            self.with_new_patient.update(dict.fromkeys(record.carried, patient.pk))
            self._link(entry, patient.pk)
            self._done(entry, "created", "New patient.", f"Patient/{patient.pk}")
        else:
            patient = existing
            same = all(getattr(patient, name) == value for name, value in data.given().items())
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

    def _new_record(self, entry: Entry, history: str) -> _Changes:
        """A new patient's allergies, medications and conditions in the file, read before
        the patient is created so that they are written with it, in one step. An entry that
        cannot be read here is left to its own step, which reports its problem."""
        record = _Changes(Patient(), [], [], history.splitlines())
        kinds = {"AllergyIntolerance", "MedicationStatement", "Condition"}
        for other in self.entries:
            name = "patient" if other.kind == "AllergyIntolerance" else "subject"
            if other.kind not in kinds or id(other) in self.skipped:
                continue
            if self.by_ref.get(rules.reference_of(other, name)) is not entry:
                continue
            try:
                carried = self._carry(other, record)
            except Refused:
                continue
            if carried:
                record.carried.append(id(other))
        return record

    def _carry(self, entry: Entry, record: _Changes) -> bool:
        """Adds one entry to a new patient's record; False when the record has it already
        (its own step then reports it unchanged) or it is a plan's indication."""
        if entry.kind == "AllergyIntolerance":
            substance, reaction, severity = rules.allergy_fields(entry)
            if any(a.substance.lower() == substance.lower() for a in record.allergies):
                return False
            record.allergies.append(patients.AllergyInput(substance, reaction, severity))
        elif entry.kind == "MedicationStatement":
            name, dose, anticoagulant = rules.medication_fields(entry)
            if any(m.name.lower() == name.lower() for m in record.medications):
                return False
            record.medications.append(patients.MedicationInput(name, dose, anticoagulant))
        else:
            line = rules.condition_line(entry)
            if self._plans_indication(entry) or line in record.history:
                return False
            record.history.append(line)
        return True

    def _written_with_patient(self, entry: Entry, reason: str) -> bool:
        """Reports an entry written with its new patient; False for any other entry."""
        pk = self.with_new_patient.get(id(entry))
        if pk is None:
            return False
        self._done(entry, "created", reason, f"Patient/{pk}")
        return True

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
        if self._written_with_patient(entry, "Allergy added."):
            return
        changes = self._pending(self._subject(entry))
        substance, reaction, severity = rules.allergy_fields(entry)
        if any(a.substance.lower() == substance.lower() for a in changes.allergies):
            self._done(entry, "unchanged", "The patient's record has this allergy.")
            return
        changes.allergies.append(patients.AllergyInput(substance, reaction, severity))
        changes.changed = True
        self._done(entry, "created", "Allergy added.", f"Patient/{changes.patient.pk}")

    def _medicationstatement(self, entry: Entry) -> None:
        if self._written_with_patient(entry, "Medication added."):
            return
        changes = self._pending(self._subject(entry))
        name, dose, anticoagulant = rules.medication_fields(entry)
        if any(m.name.lower() == name.lower() for m in changes.medications):
            self._done(entry, "unchanged", "The patient's record has this medication.")
            return
        changes.medications.append(patients.MedicationInput(name, dose, anticoagulant))
        changes.changed = True
        self._done(entry, "created", "Medication added.", f"Patient/{changes.patient.pk}")

    def _condition(self, entry: Entry) -> None:
        if self._written_with_patient(entry, "Added to the medical history."):
            return
        if self._plans_indication(entry):
            self._done(entry, "unchanged", "The indication of a plan in the file.")
            return
        changes = self._pending(self._subject(entry))
        line = rules.condition_line(entry)
        if line in changes.history:
            self._done(entry, "unchanged", "The medical history has this condition.")
            return
        changes.history.append(line)
        changes.changed = True
        target = f"Patient/{changes.patient.pk}"
        self._done(entry, "created", "Added to the medical history.", target)

    def _plans_indication(self, entry: Entry) -> bool:
        """A condition a plan of ours in the file addresses: our export writes each plan's
        indication as one; it comes back with the plan, not as a line of the medical history."""
        return any(
            self._in_file(plan, clinical.reference(address)) is entry
            for plan in self.entries
            if plan.kind == "CarePlan" and clinical.protocol_of(plan)
            for address in plan.resource.get("addresses") or []
        )

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
        if self._imported_before(entry, self._known(entry)):
            return
        value, unit, when = rules.observation_value(entry)
        measured_at = parse_datetime(when) if "T" in when else None
        if when and measured_at is None:
            measured_at = _midday(when, entry)
        row = outcomes.record_measurement(
            self.actor, patient, kind, value, unit, measured_at=measured_at, **self._context(entry)
        )
        self._keep(entry, row.pk, f"{kind.name}.")

    def _questionnaireresponse(self, entry: Entry) -> None:
        given = clinical.lifestyle_fields(entry)
        if self._imported_before(entry, self._known(entry)):
            return
        patient = self._patient_row(entry, given.patient, f"{entry.path}.subject")
        data = outcomes.ImportedLifestyle(
            given.date,
            given.diet_adherence_percent,
            given.exercise_minutes_per_week,
            given.weight_kg,
            given.entered_by,
        )
        row = outcomes.import_lifestyle_log(self.actor, patient, data)
        self._keep(entry, row.pk, f"Lifestyle log of {row.date}.")

    def _context(self, entry: Entry) -> dict[str, Any]:
        """The plan, session, zone, side and blinding a measurement of ours carries."""
        resource: dict[str, Any] = entry.resource
        found: dict[str, Any] = {}
        for name, kind, model in (
            ("basedOn", "CarePlan", TreatmentPlan),
            ("partOf", "Procedure", TreatmentSession),
        ):
            target = clinical.reference(next(iter(resource.get(name) or []), {}))
            if target.startswith(kind) or f"/{kind}/" in target:
                try:
                    pk = self._row(entry, target, kind, f"{entry.path}.{name}[0]")
                except Unmapped as unmapped:
                    self.report.warnings.append((f"{entry.path}.{name}", f"Not linked: {unmapped}"))
                    continue
                key = "plan" if kind == "CarePlan" else "session"
                found[key] = model.objects.for_clinic(self.clinic).get(pk=pk)
        if resource.get("bodySite"):
            try:
                found["zone"] = self._zone(clinical.codings(resource["bodySite"]))
            except Unmapped as unmapped:
                self.report.warnings.append((f"{entry.path}.bodySite", str(unmapped)))
        side = clinical.ext(resource, "side").get("valueCode")
        if side in Side.values:
            found["side"] = side
        if clinical.ext(resource, "assessor-blinded").get("valueBoolean"):
            found["assessor_blinded"] = True
        return found

    def _measurement_type(self, entry: Entry) -> MeasurementType | None:
        for system, code in rules.observation_code(entry):
            own = LOCAL if system == codes.local_system("measurement") else system
            found = MeasurementType.objects.filter(code_system=own, code=code).first()
            if found is not None:
                return found
        return None

    # --- The clinic's own records: plans, sessions, lots, events, consents ---------------

    def _source_key(self, entry: Entry) -> tuple[str, str]:
        """What a record is known by: its full URL when the sender gave an absolute one (a
        server's address and id, unique across systems), else its identifier or id."""
        if entry.full_url.startswith(("http://", "https://")):
            return "urn:fhir:full-url", entry.full_url
        return rules.identifier_key(entry)

    def _known(self, entry: Entry) -> int | None:
        found = self._linked(entry.kind, *self._source_key(entry))
        if found is not None:
            self.made[id(entry)] = found
        return found

    def _imported_before(self, entry: Entry, found: int | None) -> bool:
        """True, reported unchanged, when an earlier import made this record (`found`)."""
        if found is None:
            return False
        self._done(entry, "unchanged", "Imported before.", f"{entry.kind}/{found}")
        return True

    def _keep(self, entry: Entry, pk: int, reason: str) -> None:
        system, value = self._source_key(entry)
        ImportedRecord.objects.create(
            clinic=self.clinic,
            resource_type=entry.kind,
            system=system[:300],
            value=value[:200],
            object_id=pk,
        )
        self.made[id(entry)] = pk
        self._done(entry, "created", reason, f"{entry.kind}/{pk}")

    def _in_file(self, entry: Entry, reference: str) -> Entry | None:
        found = self.by_ref.get(reference)
        if found is None and "/" in entry.full_url and reference.count("/") == 1:
            base = entry.full_url.rsplit("/", 2)[0]
            found = self.by_ref.get(f"{base}/{reference}")
        return found

    def _row(self, entry: Entry, reference: str, kind: str, path: str) -> int:
        """The pk a reference points to: an entry of the file (made or matched), else a
        record imported before; an entry skipped skips this one too (Unmapped)."""
        if not reference:
            raise Refused([(path, f"Give the {kind} this record belongs to.")])
        target = self._in_file(entry, reference)
        if target is not None:
            if id(target) in self.skipped:
                raise Unmapped(f"{reference} was skipped: {self.skipped[id(target)]}")
            if target.kind == "Patient" and id(target) in self.patients:
                return self.patients[id(target)].pk
            if id(target) in self.made:
                return self.made[id(target)]
            raise Refused([(path, f"{reference} could not be imported.")])
        keys = [("urn:fhir:resource-id", reference.rsplit("/", 1)[-1])]
        if "/" in entry.full_url:
            keys.insert(0, ("urn:fhir:full-url", f"{entry.full_url.rsplit('/', 2)[0]}/{reference}"))
        for system, value in keys:
            found = self._linked(kind, system, value)
            if found is not None:
                return found
        if kind == "Patient":
            patient = self._patient_by_reference(reference)
            if patient is not None:
                return patient.pk
        raise Refused([(path, f"{reference} is neither in the file nor imported before.")])

    def _patient_row(self, entry: Entry, reference: str, path: str) -> Patient:
        pk = self._row(entry, reference, "Patient", path)
        return Patient.objects.for_clinic(self.clinic).get(pk=pk)

    def _practitioner_row(self, entry: Entry, reference: str, path: str) -> Practitioner:
        pk = self._row(entry, reference, "Practitioner", path)
        return Practitioner.objects.for_clinic(self.clinic).get(pk=pk)

    def _zone(self, coded: clinical.Coded) -> BodyZone:
        """A zone by its SNOMED CT code, else by our code; Unmapped when neither is known."""
        for system, code in coded:
            if system == codes.SNOMED:
                found = BodyZone.objects.filter(snomed_code=code).first()
                if found is not None:
                    return found
        slug = next(
            (code for system, code in coded if system == codes.local_system("body-zone")), ""
        )
        found = BodyZone.objects.filter(slug=slug).first() if slug else None
        if found is None:
            shown = ", ".join(f"{system}|{code}" for system, code in coded) or "none"
            raise Unmapped(f"No body zone of the catalogue has the code {shown}.")
        return found

    def _count_new_uses(self) -> None:
        """How much of each lot in the file the sessions imported now use, and when first."""
        for entry in (e for e in self.entries if e.kind == "MedicationAdministration"):
            try:
                given = clinical.administration_fields(entry)
            except (Unmapped, Refused):
                continue
            session = self._in_file(entry, given.procedure)
            lot = self._in_file(entry, given.medication)
            if session is None or lot is None:
                continue
            if self._linked("Procedure", *self._source_key(session)) is not None:
                continue
            day = str(entry.resource.get("effectiveDateTime", ""))[:10]
            try:
                on = datetime.date.fromisoformat(day)
            except ValueError:
                continue
            total, first = self.uses.get(id(lot), (Decimal("0"), on))
            self.uses[id(lot)] = (total + given.volume_ml, min(first, on))

    def _medication(self, entry: Entry) -> None:
        given = clinical.lot_fields(entry)
        product = Product.objects.visible_to(self.clinic).filter(slug=given.product).first()
        if product is None:
            raise Unmapped(f"No product of the catalogue has the code {given.product or 'none'}.")
        used, first = self.uses.get(id(entry), (Decimal("0"), None))
        found = self._known(entry)
        if found is not None and not used:
            self._done(entry, "unchanged", "Imported before.", f"Medication/{found}")
            return
        lot, new = stock.import_lot(
            self.actor,
            self.clinic,
            product,
            given.lot_number,
            given.expiry_date,
            used,
            first,
            given.received,
        )
        if found is not None:
            self._done(
                entry, "updated", "Imported before; new sessions used it.", f"Medication/{lot.pk}"
            )
        elif new:
            self._keep(entry, lot.pk, f"New lot {lot.lot_number} of {product.name}.")
        else:
            self._keep(entry, lot.pk, f"Lot {lot.lot_number} of {product.name}, already in stock.")

    def _careplan(self, entry: Entry) -> None:
        given = clinical.plan_fields(entry)
        if self._imported_before(entry, self._known(entry)):
            return
        protocol = Protocol.objects.visible_to(self.clinic).filter(slug=given.protocol).first()
        if protocol is None:
            raise Unmapped(f"No protocol of the catalogue has the code {given.protocol}.")
        patient = self._patient_row(entry, given.patient, f"{entry.path}.subject")
        practitioner = self._practitioner_row(entry, given.practitioner, f"{entry.path}.author")
        data = treatments.PlanInput(
            indication=self._indication(given.indication) or protocol.indication,
            protocol=protocol,
            practitioner=practitioner,
            planned_sessions=given.planned_sessions,
            interval_days=given.interval_days,
            price_per_session=self._amount(given.price_per_session) or Decimal("0"),
            package_price=self._amount(given.package_price),
            discount_percent=given.discount_percent,
            diet_type=given.diet_type,
            calorie_target_kcal=given.calorie_target_kcal,
            exercise_minutes_per_week=given.exercise_minutes_per_week,
            lifestyle_notes=given.lifestyle_notes,
            zones=[self._zone(zone) for zone in given.zones] or None,
            goals=[treatments.GoalInput(**goal.__dict__) for goal in given.goals],
        )
        plan = treatments.import_plan(
            self.actor, self.clinic, patient, data, given.status, given.stop_reason
        )
        if given.split_body is not None:
            self._split_body(plan, given.split_body)
        for acknowledged in given.acknowledgements:
            self._acknowledgement(entry, plan, acknowledged)
        self._keep(entry, plan.pk, f"{protocol.name} for {patient}.")

    def _split_body(self, plan: TreatmentPlan, given: clinical.SplitBodyFields) -> None:
        if not given.treated_side:  # exported by someone blinded to it: no side to keep
            reason = "The treated side was hidden from whoever exported the plan (blinded): "
            reason += "the plan comes without its split-body design."
            self.report.warnings.append((given.path, reason))
            return
        data = outcomes.ImportedAllocation(
            given.treated_side, given.allocated_at, given.blinding, given.side_a, given.revealed_at
        )
        try:
            outcomes.import_allocation(self.actor, plan, data)
        except ValidationError as error:
            raise Refused(_at(given.path, error)) from None

    def _acknowledgement(
        self, entry: Entry, plan: TreatmentPlan, given: clinical.AcknowledgementFields
    ) -> None:
        who = given.practitioner
        practitioner = (
            self._practitioner_row(entry, who, f"{given.path}.extension") if who else None
        )
        data = treatments.ImportedAcknowledgement(
            given.code,
            given.fingerprint,
            given.text,
            given.reason,
            given.acknowledged_at,
            practitioner,
        )
        try:
            treatments.import_acknowledgement(self.actor, plan, data)
        except ValidationError as error:
            raise Refused(_at(given.path, error)) from None

    def _amount(self, given: clinical.Money | None) -> Decimal | None:
        """An amount in the clinic's currency; another currency is refused, not converted."""
        if given is None:
            return None
        if given.currency != self.clinic.currency:
            reason = f"The clinic charges in {self.clinic.currency}, not {given.currency}."
            raise Refused([(f"{given.path}.currency", reason)])
        return given.value

    def _indication(self, coded: clinical.Coded) -> Indication | None:
        visible = Indication.objects.visible_to(self.clinic)
        for system, code in coded:
            if system == codes.local_system("indication"):
                found = visible.filter(slug=code).first()
                if found is not None:
                    return found
        for system, code in coded:
            if system == codes.ICD10:
                found = visible.filter(icd10_code=code).first()
                if found is not None:
                    return found
        return None

    def _plan_row(self, entry: Entry, reference: str, path: str) -> TreatmentPlan:
        pk = self._row(entry, reference, "CarePlan", path)
        return TreatmentPlan.objects.for_clinic(self.clinic).select_related("patient").get(pk=pk)

    def _appointment(self, entry: Entry) -> None:
        given = clinical.appointment_fields(entry)
        if self._imported_before(entry, self._known(entry)):
            return
        plan = self._plan_row(entry, given.plan, f"{entry.path}.supportingInformation[0]")
        who = self._practitioner_row(entry, given.practitioner, f"{entry.path}.participant")
        row = schedule.import_appointment(
            self.actor,
            plan,
            who,
            given.sequence or _next_sequence(plan),
            given.starts_at,
            given.ends_at,
            given.status,
            given.cancel_reason,
        )
        self._keep(
            entry, row.pk, f"Session {row.sequence} of the plan, {row.get_status_display()}."
        )

    def _procedure(self, entry: Entry) -> None:
        given = clinical.session_fields(entry)
        parts = self._parts().get(id(entry), [])
        if self._imported_before(entry, self._known(entry)):
            for part in parts:
                self._imported_before(part, self._known(part))
            return
        try:
            self._new_session(entry, given, parts)
        except Unmapped as unmapped:
            for part in parts:
                self.skipped[id(part)] = f"Its session was skipped: {unmapped}"
                self._done(part, "skipped", self.skipped[id(part)])
            raise

    def _parts(self) -> dict[int, list[Entry]]:
        """The administrations of the file by id() of the Procedure they are part of."""
        if self.parts is None:
            self.parts = {}
            for e in (e for e in self.entries if e.kind == "MedicationAdministration"):
                for part_of in e.resource.get("partOf") or []:
                    session = self._in_file(e, clinical.reference(part_of))
                    if session is not None:
                        self.parts.setdefault(id(session), []).append(e)
        return self.parts

    def _new_session(self, entry: Entry, given: clinical.SessionFields, parts: list[Entry]) -> None:
        plan = self._plan_row(entry, given.plan, f"{entry.path}.basedOn[0]")
        practitioner = self._practitioner_row(entry, given.practitioner, f"{entry.path}.performer")
        points: dict[int, list[tuple[clinical.AdministrationFields, Lot]]] = {}
        for part in parts:
            used = clinical.administration_fields(part)
            lot_pk = self._row(
                part, used.medication, "Medication", f"{part.path}.medicationReference"
            )
            lot = Lot.objects.for_clinic(self.clinic).get(pk=lot_pk)
            points.setdefault(used.number, []).append((used, lot))
        if not points:
            raise Unmapped("A session is imported with its injections; none is in the file.")
        data = charting.ImportedSession(
            performed_on=given.performed_on,
            practitioner=practitioner,
            signed=given.signed,
            points=tuple(self._point(number, mix) for number, mix in sorted(points.items())),
            notes=given.notes,
            immediate_reactions=given.immediate_reactions,
            anaesthetic=given.anaesthetic or "none",
            anaesthetic_note=given.anaesthetic_note,
            pain_score=given.pain_score,
            charges=self._amount(given.charges) or Decimal("0"),
            key=f"import-{self._source_key(entry)[1]}"[-100:],
        )
        appointment = self._appointment_for(entry, given, plan, practitioner)
        session = charting.import_session(self.actor, appointment, data)
        self._keep(entry, session.pk, f"Session of {session.performed_on}, {len(points)} points.")
        lines = InjectionComponent.objects.filter(injection__session=session).values_list(
            "pk", "injection__number", "product_id"
        )
        by_point = {(number, product): pk for pk, number, product in lines}
        for part in parts:
            used = clinical.administration_fields(part)
            lot_pk = self._row(part, used.medication, "Medication", part.path)
            product = Lot.objects.get(pk=lot_pk).product_id
            self._keep(part, by_point[(used.number, product)], "An injection of the session.")

    def _point(
        self, number: int, mix: list[tuple[clinical.AdministrationFields, Lot]]
    ) -> charting.ImportedPoint:
        first = mix[0][0]
        return charting.ImportedPoint(
            number=number,
            view=first.view,
            x=first.x,
            y=first.y,
            zone=self._zone(first.zone),
            depth_mm=first.depth_mm,
            needle_gauge=first.needle_gauge,
            needle_length_mm=first.needle_length_mm,
            technique=first.technique,
            components=tuple(
                charting.ImportedComponent(lot.product_id, lot, used.volume_ml) for used, lot in mix
            ),
        )

    def _appointment_for(
        self,
        entry: Entry,
        given: clinical.SessionFields,
        plan: TreatmentPlan,
        practitioner: Practitioner,
    ) -> Appointment:
        """The session's appointment: the one it names, else one made for it (attended)."""
        if given.appointment:
            pk = self._row(entry, given.appointment, "Appointment", f"{entry.path}.extension")
            return Appointment.objects.for_clinic(self.clinic).select_related("plan").get(pk=pk)
        start = datetime.datetime.combine(given.performed_on, datetime.time(12), datetime.UTC)
        return schedule.import_appointment(
            self.actor,
            plan,
            practitioner,
            _next_sequence(plan),
            start,
            start + datetime.timedelta(minutes=45),
            "completed",
        )

    def _medicationadministration(self, entry: Entry) -> None:
        """Reached only by an injection whose session is not in the file."""
        if self._imported_before(entry, self._known(entry)):
            return
        clinical.administration_fields(entry)  # another system's shape: Unmapped
        raise Unmapped("An injection is imported with its session (Procedure), not in the file.")

    def _adverseevent(self, entry: Entry) -> None:
        given = clinical.event_fields(entry)
        if self._imported_before(entry, self._known(entry)):
            return
        patient = self._patient_row(entry, given.patient, f"{entry.path}.subject")
        links: dict[str, list[int]] = {"session": [], "injection": [], "lot": []}
        for index, suspect in enumerate(given.suspects):
            path = f"{entry.path}.suspectEntity[{index}].instance"
            kind = suspect.rsplit("/", 2)[-2] if "/" in suspect else ""
            try:
                if kind == "MedicationAdministration":
                    line = self._row(entry, suspect, kind, path)
                    links["injection"].append(InjectionComponent.objects.get(pk=line).injection_id)
                elif kind == "Medication":
                    links["lot"].append(self._row(entry, suspect, kind, path))
                elif kind == "Procedure":
                    links["session"].append(self._row(entry, suspect, kind, path))
                else:
                    self.report.warnings.append(
                        (path, f"{suspect} is not linked: not a session, injection or lot.")
                    )
            except Unmapped as unmapped:
                self.report.warnings.append((path, f"Not linked: {unmapped}"))
        data = safety.EventInput(
            term=given.term,
            term_text=given.term_text,
            onset_date=given.onset_date,
            detected_on=given.detected_on,
            grade=given.grade,
            seriousness=given.seriousness,
            outcome=given.outcome,
            causality=given.causality,
            reporter=given.reporter or ("staff" if given.grade is not None else "patient"),
            description=given.description,
            actions_taken=given.actions_taken,
            organism=given.organism,
            session_ids=sorted(set(links["session"])),
            injection_ids=sorted(set(links["injection"])),
            lot_ids=sorted(set(links["lot"])),
        )
        event = safety.record_event(self.actor, patient, data)
        for follow_up in given.follow_ups:
            self._follow_up(event, follow_up)
        self._keep(entry, event.pk, f"{event.term_label}, onset {event.onset_date}.")

    def _follow_up(self, event: AdverseEvent, given: clinical.FollowUpFields) -> None:
        data = safety.ImportedFollowUp(given.on, given.note, given.outcome)
        try:
            safety.import_follow_up(self.actor, event, data)
        except ValidationError as error:
            raise Refused(_at(given.path, error)) from None

    def _consent(self, entry: Entry) -> None:
        given = clinical.consent_fields(entry)
        if self._imported_before(entry, self._known(entry)):
            return
        if not given.plan:
            raise Unmapped("A consent is kept with the plan it is for; this one names none.")
        plan = self._plan_row(entry, given.plan, f"{entry.path}.provision.data[0].reference")
        patient = self._patient_row(entry, given.patient, f"{entry.path}.patient")
        if plan.patient_id != patient.pk:
            raise Refused([(f"{entry.path}.patient", "The plan is another patient's.")])
        data = given.signature
        if not data.patient_name:
            data = replace(data, patient_name=f"{patient.given_name} {patient.family_name}")
        signature = consent.import_signature(self.actor, plan, data)
        self._keep(entry, signature.pk, f"Signed PDF of {len(data.pdf)} bytes, hash checked.")

    def _documentreference(self, entry: Entry) -> None:
        given = clinical.photo_fields(entry)
        if self._imported_before(entry, self._known(entry)):
            return
        pk = self._row(entry, given.session, "Procedure", f"{entry.path}.context.related[0]")
        session = TreatmentSession.objects.for_clinic(self.clinic).get(pk=pk)
        given_consent = consent.import_photo_consent(
            self.actor,
            session.patient,
            given.consent_scope,
            given.consent_granted or given.taken_at,
            given.consent_expires,
        )
        zone = self._zone(given.zone) if given.zone else None
        photo = charting.import_photo(
            self.actor, session, given.image, given.view, zone, given.taken_at, given_consent
        )
        self.files.append(photo.file)
        self._keep(entry, photo.pk, f"Photo of {len(given.image)} bytes, hash checked.")


def _at(path: str, error: ValidationError) -> list[tuple[str, str]]:
    """A service's refusal of a part of a resource (a follow-up, an acknowledgement), at the
    path of that part."""
    given = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    return [(path, text) for texts in given.values() for text in texts]


def _next_sequence(plan: TreatmentPlan) -> int:
    numbers = Appointment.objects.filter(plan=plan).values_list("sequence", flat=True)
    return max(numbers, default=0) + 1


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
