"""What a CSV file would do to the clinic, row by row, before anything is written: the preview
the owner reads, and the plan the import then carries out.

A row is the same patient as one the clinic already has when (in this order) its identifier
in the previous system, or its record number there with the same birth date, was imported
before; or, failing both, a patient of the clinic has the same family name, given name and
date of birth (accents and case ignored).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import Allergen
from mesotrace.catalogue.rules import coded_allergens
from mesotrace.core.clock import aware, clinic_today
from mesotrace.outcomes.models import Measurement, MeasurementType
from mesotrace.patients.models import Patient
from mesotrace.patients.rules import name_key
from mesotrace.switching import rules
from mesotrace.switching.models import CsvImport, CsvMapping, ImportedPatient, ImportStatus

_CHUNK = 500


@dataclass
class RowPlan:
    """What one row becomes: a new patient, additions to a known one, or nothing."""

    row: rules.Row
    patient: Patient | None = None
    allergies: list[str] = field(default_factory=list)
    medications: list[rules.Medication] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    measurements: dict[str, float] = field(default_factory=dict)

    @property
    def action(self) -> str:
        if self.row.problems:
            return "refused"
        if self.patient is None:
            return "new"
        adds = self.allergies or self.medications or self.history or self.measurements
        return "adds" if adds else "unchanged"

    @property
    def measured_at(self) -> datetime.datetime | None:
        day = self.row.measured_on
        return datetime.datetime.combine(day, datetime.time(12)) if day else None


@dataclass
class Plan:
    upload: CsvImport
    columns: dict[str, str]
    rows: list[RowPlan]
    mapping_problems: list[tuple[str, str]]
    previous: CsvImport | None

    @property
    def problems(self) -> list[tuple[str, str]]:
        """Every problem as (field, reason): the mapping's, then each row's by its line."""
        found = [(f"columns.{name}", reason) for name, reason in self.mapping_problems]
        for plan in self.rows:
            found += [(f"rows[{plan.row.line}].{n}", r) for n, r in plan.row.problems]
        return found

    def count(self, action: str) -> int:
        return sum(1 for plan in self.rows if plan.action == action)

    @property
    def warnings(self) -> int:
        return sum(len(plan.row.warnings) for plan in self.rows)


def imports(clinic: Clinic) -> QuerySet[CsvImport]:
    return CsvImport.objects.for_clinic(clinic).select_related("uploaded_by", "imported_by")


def saved_columns(clinic: Clinic) -> dict[str, str]:
    found = CsvMapping.objects.for_clinic(clinic).first()
    return dict(found.columns) if found else {}


def previous_import(clinic: Clinic, sha256: str, but: int | None = None) -> CsvImport | None:
    """The last import of the same file into the clinic, if any."""
    done = imports(clinic).filter(sha256=sha256, status=ImportStatus.IMPORTED)
    if but is not None:
        done = done.exclude(pk=but)
    return done.order_by("-imported_at").first()


def table_of(upload: CsvImport) -> rules.Table:
    return rules.table_of(upload.text, upload.encoding)


def plan_import(clinic: Clinic, upload: CsvImport, columns: Mapping[str, str]) -> Plan:
    """The whole file checked against the mapping and the clinic's patients; writes nothing."""
    table = table_of(upload)
    chosen = {header: choice for header, choice in columns.items() if header in table.headers}
    problems = rules.mapping_problems(table.headers, columns)
    parsed = [] if problems else rules.parse_rows(table, chosen, clinic_today(clinic))
    plans = [RowPlan(row) for row in parsed]
    _code_allergies(plans)
    _match(clinic, plans)
    _additions(clinic, plans)
    previous = previous_import(clinic, upload.sha256, but=upload.pk)
    return Plan(upload, dict(chosen), plans, problems, previous)


def _code_allergies(plans: list[RowPlan]) -> None:
    """An allergy no catalogue substance or class matches is imported as written: said here."""
    catalogue: list[Allergen] | None = None
    coded: dict[str, bool] = {}  # the same words, asked once per file
    for plan in plans:
        for text in plan.row.allergies:
            catalogue = catalogue if catalogue is not None else list(Allergen.objects.all())
            if text not in coded:
                coded[text] = bool(coded_allergens(text, catalogue))
            if not coded[text]:
                reason = _(
                    "“%(allergy)s” matches no substance or class of the catalogue: it is "
                    "imported as written, not coded; code it on the patient's record."
                )
                plan.row.warnings.append(("allergies", reason % {"allergy": text}))


def _chunks(values: Iterable[object]) -> list[list[object]]:
    items = list(values)
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def _match(clinic: Clinic, plans: list[RowPlan]) -> None:
    mine = Patient.objects.for_clinic(clinic)
    keys = {key for plan in plans for key in plan.row.keys}
    linked: dict[str, Patient] = {}
    for part in _chunks(keys):
        rows = ImportedPatient.objects.for_clinic(clinic).filter(key__in=part)
        linked.update({row.key: row.patient for row in rows.select_related("patient")})
    births = {plan.row.date_of_birth for plan in plans if plan.row.date_of_birth}
    by_name: dict[tuple[str, str, datetime.date], Patient] = {}
    for part in _chunks(births):
        for patient in mine.filter(date_of_birth__in=part).order_by("id"):
            by_name.setdefault(_name_of(patient), patient)
    seen: dict[object, int] = {}
    for plan in plans:
        row = plan.row
        if row.date_of_birth is None:
            continue
        name = (name_key(row.family_name)[:100], name_key(row.given_name)[:100], row.date_of_birth)
        plan.patient = next((linked[k] for k in row.keys if k in linked), by_name.get(name))
        for same in {name, plan.patient.pk if plan.patient else name}:
            first = seen.setdefault(same, row.line)
            if first != row.line:
                reason = _("Same patient as line %(line)s: give each patient one row.")
                row.problems.append(("family_name", reason % {"line": first}))
                break


def _name_of(patient: Patient) -> tuple[str, str, datetime.date]:
    return (patient.family_key, patient.given_key, patient.date_of_birth)


def _additions(clinic: Clinic, plans: list[RowPlan]) -> None:
    """What each row adds: all of it for a new patient; what a known one lacks."""
    known = [plan.patient.pk for plan in plans if plan.patient is not None]
    taken = _taken_measurements(clinic, known)
    kinds = {
        kind.slug: kind for kind in MeasurementType.objects.filter(slug__in=rules.MEASUREMENTS)
    }
    for plan in plans:
        _check_measurements(clinic, plan, kinds)
        if plan.patient is None:
            plan.allergies = list(plan.row.allergies)
            plan.medications = list(plan.row.medications)
            plan.history = list(plan.row.history)
            plan.measurements = dict(plan.row.measurements)
        else:
            _missing(clinic, plan, taken)


def _check_measurements(
    clinic: Clinic, plan: RowPlan, kinds: Mapping[str, MeasurementType]
) -> None:
    row = plan.row
    for slug, value in row.measurements.items():
        kind = kinds.get(slug)
        if kind is None:
            row.problems.append((slug, _("This measurement is not in the catalogue.")))
        elif not kind.minimum <= value <= kind.maximum:
            reason = _("%(value)s is outside the plausible range, %(low)s to %(high)s.")
            values = {
                "value": f"{value:g}",
                "low": f"{kind.minimum:g}",
                "high": f"{kind.maximum:g}",
            }
            row.problems.append((slug, reason % values))
    born, measured = row.date_of_birth, row.measured_on
    if row.measurements and born and measured and measured < born:
        reason = _("The measurements cannot be taken before the date of birth.")
        row.problems.append(("measured_on", reason))


def _taken_measurements(
    clinic: Clinic, patients: list[int]
) -> set[tuple[int, str, datetime.datetime]]:
    taken: set[tuple[int, str, datetime.datetime]] = set()
    for part in _chunks(patients):
        rows = Measurement.objects.for_clinic(clinic).filter(
            patient_id__in=part, type__slug__in=rules.MEASUREMENTS
        )
        taken |= {(m.patient_id, slug, m.measured_at) for m, slug in _with_slug(rows)}
    return taken


def _with_slug(rows: QuerySet[Measurement]) -> list[tuple[Measurement, str]]:
    return [(row, row.type.slug) for row in rows.select_related("type")]


def _missing(clinic: Clinic, plan: RowPlan, taken: set[tuple[int, str, datetime.datetime]]) -> None:
    patient = plan.patient
    assert patient is not None
    allergies = {a.substance.lower() for a in patient.allergies.all()}
    plan.allergies = [a for a in plan.row.allergies if a.lower() not in allergies]
    medications = {m.name.lower() for m in patient.medications.all()}
    plan.medications = [m for m in plan.row.medications if m.name.lower() not in medications]
    lines = set(patient.medical_history.splitlines())
    plan.history = [line for line in plan.row.history if line not in lines]
    when = plan.measured_at
    if when is not None:
        at = aware(when, clinic)
        plan.measurements = {
            slug: value
            for slug, value in plan.row.measurements.items()
            if (patient.pk, slug, at) not in taken
        }
