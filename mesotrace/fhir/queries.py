"""The clinic's records as FHIR resources: read by id, search, and a patient's everything.

Every read is scoped to the caller's clinic (another clinic's id is simply not found) and
audited once per call, like any other read of patient data.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.db.models import Model, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic, User
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.catalogue.models import BodyZone, Compound, Product, english, in_every_language
from mesotrace.charting.models import SessionPhoto
from mesotrace.consent.models import ConsentSignature
from mesotrace.fhir.models import ExportJob, ExportStatus
from mesotrace.fhir.rules import resources as fhir
from mesotrace.fhir.rules.search import Param, SearchError, filters
from mesotrace.inventory.models import Lot, RecallCampaign, RecallContact
from mesotrace.outcomes.models import LifestyleLog, Measurement
from mesotrace.outcomes.rules import sees_treated_side
from mesotrace.patients.models import Allergy, Medication, Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.safety.models import AdverseEvent
from mesotrace.treatments.models import (
    Appointment,
    Injection,
    InjectionComponent,
    TreatmentPlan,
    TreatmentSession,
)

Resource = dict[str, Any]


@dataclass(frozen=True)
class Context:
    """What some mappings need beyond their row: the clinic, and absolute addresses."""

    clinic: Clinic
    absolute: Callable[[str], str]
    compounds: dict[str, Compound] = field(default_factory=dict)
    # A photo's bytes inline (a patient's $everything, which an import reads back whole).
    inline: bool = False
    # The catalogue's body zones (a dozen), loaded the first time a mapping asks for one.
    zones: dict[int, BodyZone] = field(default_factory=dict)
    # Who reads, for what a blinded study hides from them; None for a bulk export (an
    # owner's export of the whole clinic).
    reader: User | None = None

    def zone(self, pk: int) -> BodyZone:
        if pk not in self.zones:
            self.zones.update(BodyZone.objects.in_bulk())
        return self.zones[pk]


@dataclass(frozen=True)
class Kind:
    """One resource type: who may read it, its rows, how a row maps, how it is searched."""

    name: str
    permission: str
    audit_type: ObjectType
    rows: Callable[[Clinic], QuerySet[Any]]
    build: Callable[[Any, Context], Resource]
    params: dict[str, Param]
    # The path from a row to its patient's id, "" for rows of no patient.
    patient_path: str = ""
    # How a bulk export reads the rows, when millions of them read faster as plain values.
    flat: Callable[[QuerySet[Any]], Iterator[Any]] | None = None

    def patient_of(self, row: Model) -> int | None:
        if not self.patient_path:
            return None
        value: Any = row
        for part in self.patient_path.split("."):
            value = getattr(value, part)
        return int(value) if value is not None else None


def _patient_param(path: str) -> dict[str, Param]:
    reference = Param("reference", path, "Patient", "The patient the record is about.")
    return {"patient": reference, "subject": reference}


# --- Rows, each with what its mapping reads -------------------------------------------------


def _organizations(clinic: Clinic) -> QuerySet[Clinic]:
    return Clinic.objects.filter(pk=clinic.pk)


def _patients(clinic: Clinic) -> QuerySet[Patient]:
    return Patient.objects.for_clinic(clinic).select_related("clinic")


def _practitioners(clinic: Clinic) -> QuerySet[Practitioner]:
    return Practitioner.objects.for_clinic(clinic).select_related("clinic").order_by("pk")


def _allergies(clinic: Clinic) -> QuerySet[Allergy]:
    return Allergy.objects.for_clinic(clinic).select_related("clinic").order_by("pk")


def _medications(clinic: Clinic) -> QuerySet[Medication]:
    return Medication.objects.for_clinic(clinic).order_by("pk")


def _plans(clinic: Clinic) -> QuerySet[TreatmentPlan]:
    return (
        TreatmentPlan.objects.for_clinic(clinic)
        .select_related("clinic", "indication", "protocol", "practitioner", "split_body")
        .prefetch_related("goals", "zones", "acknowledgements")
        .order_by("pk")
    )


def _appointments(clinic: Clinic) -> QuerySet[Appointment]:
    return (
        Appointment.objects.for_clinic(clinic)
        .select_related("plan__protocol", "practitioner")
        .order_by("pk")
    )


def _sessions(clinic: Clinic) -> QuerySet[TreatmentSession]:
    # A Procedure reads only its points' zones, which the context holds once for all.
    points = Injection.objects.only("session", "zone", "number").order_by("number")
    return (
        TreatmentSession.objects.for_clinic(clinic)
        .select_related("clinic", "plan__protocol", "practitioner")
        .prefetch_related(Prefetch("injections", queryset=points))
        .order_by("pk")
    )


def _administrations(clinic: Clinic) -> QuerySet[InjectionComponent]:
    return (
        InjectionComponent.objects.for_clinic(clinic)
        .select_related("injection__session", "injection__zone", "product", "lot")
        .order_by("pk")
    )


class _Plain:
    """A row's values as attributes, read by a mapping as it reads a model's."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


# The columns of a mix line, its point and its session that the MedicationAdministration
# mapping reads, in the order `_administrations_flat` unpacks them.
_ADMINISTRATION_COLUMNS = (
    "pk",
    "updated_at",
    "volume_ml",
    "lot_id",
    "product_id",
    "injection__number",
    "injection__view",
    "injection__x",
    "injection__y",
    "injection__depth_mm",
    "injection__needle_gauge",
    "injection__needle_length_mm",
    "injection__volume_ml",
    "injection__technique",
    "injection__zone_id",
    "injection__session_id",
    "injection__session__patient_id",
    "injection__session__performed_on",
    "injection__session__practitioner_id",
)


def _zone_values(zone: BodyZone) -> _Plain:
    """What a zone's coding reads, read once (its name is a translated field)."""
    return _Plain(
        pk=zone.pk,
        slug=zone.slug,
        name=zone.name,
        snomed_code=zone.snomed_code,
        snomed_display=zone.snomed_display,
    )


class _Shared:
    """The zones, products and lots of an export's mix lines: few, each loaded once."""

    def __init__(self) -> None:
        self.zones: dict[int, _Plain] = {}
        self.products: dict[int, Product] = {}
        self.lots: dict[int, Lot] = {}

    def load(self, batch: list[tuple[Any, ...]]) -> None:
        wanted = {row[14] for row in batch} - self.zones.keys()
        for zone in BodyZone.objects.filter(pk__in=wanted):
            self.zones[zone.pk] = _zone_values(zone)
        wanted = {row[4] for row in batch} - self.products.keys()
        self.products |= Product.objects.in_bulk(wanted)
        wanted = {row[3] for row in batch} - self.lots.keys()
        self.lots |= Lot.objects.in_bulk(wanted)


def _batches(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _administrations_flat(rows: QuerySet[InjectionComponent]) -> Iterator[_Plain]:
    """Mix lines for a bulk export: their columns as plain values, not three model
    instances a line, a chunk at a time; a session read once for its consecutive lines."""
    shared = _Shared()
    session, current = _Plain(), None
    values = rows.values_list(*_ADMINISTRATION_COLUMNS).iterator(chunk_size=EXPORT_CHUNK)
    for batch in _batches(values, EXPORT_CHUNK):
        shared.load(batch)
        for (
            pk,
            updated_at,
            volume_ml,
            lot_id,
            product_id,
            number,
            view,
            x,
            y,
            depth_mm,
            needle_gauge,
            needle_length_mm,
            point_volume_ml,
            technique,
            zone_id,
            session_id,
            patient_id,
            performed_on,
            practitioner_id,
        ) in batch:
            if current != session_id:
                current = session_id
                session = _Plain(
                    pk=session_id,
                    patient_id=patient_id,
                    performed_on=performed_on,
                    practitioner_id=practitioner_id,
                )
            point = _Plain(
                number=number,
                view=view,
                x=x,
                y=y,
                depth_mm=depth_mm,
                needle_gauge=needle_gauge,
                needle_length_mm=needle_length_mm,
                volume_ml=point_volume_ml,
                technique=technique,
                zone=shared.zones[zone_id],
                session=session,
            )
            yield _Plain(
                pk=pk,
                updated_at=updated_at,
                volume_ml=volume_ml,
                lot_id=lot_id,
                product=shared.products[product_id],
                lot=shared.lots[lot_id],
                injection=point,
            )


def _lots(clinic: Clinic) -> QuerySet[Lot]:
    return (
        Lot.objects.for_clinic(clinic)
        .with_on_hand()
        .select_related("clinic", "product")
        .prefetch_related("product__components__compound")
        .order_by("pk")
    )


def _measurements(clinic: Clinic) -> QuerySet[Measurement]:
    return (
        Measurement.objects.for_clinic(clinic)
        .select_related("clinic", "type", "zone")
        .order_by("pk")
    )


def _lifestyle_logs(clinic: Clinic) -> QuerySet[LifestyleLog]:
    return LifestyleLog.objects.for_clinic(clinic).order_by("pk")


def _events(clinic: Clinic) -> QuerySet[AdverseEvent]:
    return (
        AdverseEvent.objects.for_clinic(clinic)
        .prefetch_related(
            "lots", "sessions__injections__components", "injections__components", "follow_ups"
        )
        .order_by("pk")
    )


def _signatures(clinic: Clinic) -> QuerySet[ConsentSignature]:
    return (
        ConsentSignature.objects.for_clinic(clinic)
        .select_related("document", "countersigned_by")
        .order_by("pk")
    )


def _photos(clinic: Clinic) -> QuerySet[SessionPhoto]:
    return (
        SessionPhoto.objects.for_clinic(clinic)
        .select_related("clinic", "zone", "consent")
        .order_by("pk")
    )


# --- Mappings that need more than their row -----------------------------------------------


def _procedure(session: TreatmentSession, context: Context) -> Resource:
    zones: dict[int, BodyZone] = {}
    for point in session.injections.all():
        if point.zone_id not in zones:
            zones[point.zone_id] = context.zone(point.zone_id)
    return fhir.procedure(session, list(zones.values()))


def _adverse_event(event: AdverseEvent, context: Context) -> Resource:
    """Suspects: the mix lines of the linked points; with none linked, those of the linked
    sessions that used a linked lot (every line of the session when no lot is linked)."""
    lines = [c.pk for point in event.injections.all() for c in point.components.all()]
    if lines:
        return fhir.adverse_event(event, lines)
    lots = {lot.pk for lot in event.lots.all()}
    lines = [
        c.pk
        for session in event.sessions.all()
        for point in session.injections.all()
        for c in point.components.all()
        if not lots or c.lot_id in lots
    ]
    return fhir.adverse_event(event, lines, through_sessions=True)


def _care_plan(plan: TreatmentPlan, context: Context) -> Resource:
    """A split-body plan's treated side only for a reader the screens would show it to."""
    allocation = getattr(plan, "split_body", None)
    reader = context.reader
    blinded = bool(reader and allocation and not sees_treated_side(reader, allocation))
    return fhir.care_plan(plan, blinded=blinded)


def _allergy(row: Allergy, context: Context) -> Resource:
    return fhir.allergy_intolerance(row, context.compounds)


def _photo(photo: SessionPhoto, context: Context) -> Resource:
    url = context.absolute(reverse("charting:photo_image", args=[photo.pk]))
    try:
        with photo.file.open("rb") as stored:
            image = stored.read()
    except OSError:
        image = None  # a file the storage lost: the address and the SHA-256 still travel
    return fhir.document_reference(photo, url, image, inline=context.inline)


def _plain(build: Callable[[Any], Resource]) -> Callable[[Any, Context], Resource]:
    return lambda row, _context: build(row)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind(
            "Organization",
            "account.self",
            ObjectType.CLINIC,
            _organizations,
            _plain(fhir.organization),
            {"name": Param("string", "name", documentation="The clinic's name.")},
        ),
        Kind(
            "Patient",
            "patient.view",
            ObjectType.PATIENT,
            _patients,
            _plain(fhir.patient),
            {
                "identifier": Param("token", "record_number", documentation="Record number."),
                "family": Param("string", "family_name"),
                "given": Param("string", "given_name"),
                "birthdate": Param("date", "date_of_birth"),
                "gender": Param("token", "sex"),
            },
            "pk",
        ),
        Kind(
            "Practitioner",
            "practitioner.view",
            ObjectType.PRACTITIONER,
            _practitioners,
            _plain(fhir.practitioner),
            {
                "name": Param("string", "full_name"),
                "identifier": Param("token", "licence_number", documentation="Licence number."),
            },
        ),
        Kind(
            "PractitionerRole",
            "practitioner.view",
            ObjectType.PRACTITIONER,
            _practitioners,
            _plain(fhir.practitioner_role),
            {"practitioner": Param("reference", "pk", "Practitioner")},
        ),
        Kind(
            "AllergyIntolerance",
            "patient.view_clinical",
            ObjectType.PATIENT,
            _allergies,
            _allergy,
            _patient_param("patient_id"),
            "patient_id",
        ),
        Kind(
            "MedicationStatement",
            "patient.view_clinical",
            ObjectType.PATIENT,
            _medications,
            _plain(fhir.medication_statement),
            _patient_param("patient_id"),
            "patient_id",
        ),
        Kind(
            "Condition",
            "plan.view",
            ObjectType.TREATMENT_PLAN,
            _plans,
            _plain(fhir.condition),
            {**_patient_param("patient_id"), "code": Param("token", "indication__icd10_code")},
            "patient_id",
        ),
        Kind(
            "CarePlan",
            "plan.view",
            ObjectType.TREATMENT_PLAN,
            _plans,
            _care_plan,
            _patient_param("patient_id"),
            "patient_id",
        ),
        Kind(
            "Appointment",
            "schedule.view",
            ObjectType.APPOINTMENT,
            _appointments,
            _plain(fhir.appointment),
            {
                **_patient_param("patient_id"),
                "practitioner": Param("reference", "practitioner_id", "Practitioner"),
                "date": Param("datetime", "starts_at"),
            },
            "patient_id",
        ),
        Kind(
            "Procedure",
            "session.view",
            ObjectType.TREATMENT_SESSION,
            _sessions,
            _procedure,
            {**_patient_param("patient_id"), "date": Param("date", "performed_on")},
            "patient_id",
        ),
        Kind(
            "MedicationAdministration",
            "session.view",
            ObjectType.TREATMENT_SESSION,
            _administrations,
            _plain(fhir.medication_administration),
            {
                **_patient_param("injection__session__patient_id"),
                "lot-number": Param(
                    "token",
                    "lot__lot_number",
                    documentation=(
                        "The lot number of the product administered: every administration "
                        "from a lot, for a recall or an outbreak investigation."
                    ),
                ),
                "medication": Param("reference", "lot_id", "Medication"),
                "effective-time": Param("date", "injection__session__performed_on"),
            },
            "injection.session.patient_id",
            _administrations_flat,
        ),
        Kind(
            "Medication",
            "inventory.view",
            ObjectType.LOT,
            _lots,
            _plain(fhir.medication),
            {
                "lot-number": Param("token", "lot_number"),
                "expiration-date": Param("date", "expiry_date"),
                "code": Param("token", "product__slug"),
            },
        ),
        Kind(
            "Observation",
            "outcome.view",
            ObjectType.MEASUREMENT,
            _measurements,
            _plain(fhir.observation),
            {
                **_patient_param("patient_id"),
                "code": Param("token", "type__code"),
                "date": Param("datetime", "measured_at"),
            },
            "patient_id",
        ),
        Kind(
            "QuestionnaireResponse",
            "outcome.view",
            ObjectType.LIFESTYLE_LOG,
            _lifestyle_logs,
            _plain(fhir.questionnaire_response),
            {**_patient_param("patient_id"), "authored": Param("date", "date")},
            "patient_id",
        ),
        Kind(
            "AdverseEvent",
            "adverse_event.view",
            ObjectType.ADVERSE_EVENT,
            _events,
            _adverse_event,
            {**_patient_param("patient_id"), "date": Param("date", "onset_date")},
            "patient_id",
        ),
        Kind(
            "Consent",
            "consent.view",
            ObjectType.CONSENT_SIGNATURE,
            _signatures,
            _plain(fhir.consent),
            _patient_param("document__patient_id"),
            "document.patient_id",
        ),
        Kind(
            "DocumentReference",
            "photo.view",
            ObjectType.SESSION_PHOTO,
            _photos,
            _photo,
            _patient_param("patient_id"),
            "patient_id",
        ),
    ]
}


def context_for(clinic: Clinic, absolute: Callable[[str], str], kind: Kind | None) -> Context:
    """The context a mapping needs; compounds are loaded only for allergies, keyed by their
    names in every language (English first), whatever the reader's."""
    compounds: dict[str, Compound] = {}
    if kind is None or kind.name == "AllergyIntolerance":
        visible = list(Compound.objects.visible_to(clinic).order_by("clinic_id", "pk"))
        names = [(english(c), c) for c in visible]
        names += [(name, c) for c in visible for name in in_every_language(c)]
        for name, compound in names:
            compounds.setdefault(name.split("(")[0].strip().lower(), compound)
    return Context(clinic, absolute, compounds)


# --- Reads --------------------------------------------------------------------------------


def read(actor: Actor, clinic: Clinic, kind: Kind, pk: int, context: Context) -> Resource | None:
    """One resource of the clinic, audited; None when the clinic has no such row."""
    row = kind.rows(clinic).filter(pk=pk).first()
    if row is None:
        return None
    context = replace(context, reader=actor.user)
    audit.record(
        actor,
        AuditAction.VIEW,
        kind.audit_type,
        object_id=_audited_id(kind, row),
        patient_id=kind.patient_of(row),
        details={"fhir": f"{kind.name}/{row.pk}"},
        clinic=clinic,
    )
    return kind.build(row, context)


def _audited_id(kind: Kind, row: Model) -> object:
    return kind.patient_of(row) if kind.audit_type == ObjectType.PATIENT else row.pk


@dataclass(frozen=True)
class Found:
    resources: list[Resource]
    total: int


def search(
    actor: Actor,
    clinic: Clinic,
    kind: Kind,
    given: list[tuple[str, str]],
    window: tuple[int, int],
    context: Context,
) -> Found:
    """One page (`window`: count, offset) of the clinic's resources a search finds, audited."""
    rows = kind.rows(clinic).filter(filters(kind.params, given))
    count, offset = window
    total = rows.count()
    page = list(rows[offset : offset + count])
    context = replace(context, reader=actor.user)
    query = "&".join(f"{name}={value}" for name, value in given)
    patients = sorted({p for p in (kind.patient_of(row) for row in page) if p is not None})
    audit.record(
        actor,
        AuditAction.SEARCH if query else AuditAction.LIST,
        kind.audit_type,
        patient_id=patients[0] if len(patients) == 1 else None,
        details={
            "fhir": kind.name,
            "query": query,
            "shown": [row.pk for row in page],
            "patients": patients,
            "total": total,
        },
        clinic=clinic,
    )
    return Found([kind.build(row, context) for row in page], total)


def _patient_rows(kind: Kind, clinic: Clinic, patient: Patient) -> Iterator[Model]:
    param = kind.params.get("patient")
    if kind.name == "Patient":
        yield patient
    elif kind.name == "Organization":
        yield clinic
    elif param is not None:
        yield from kind.rows(clinic).filter(Q(**{param.field: patient.pk}))


def _shared_rows(clinic: Clinic, patient: Patient) -> dict[str, QuerySet[Any]]:
    """The practitioners (and their supervising physicians) and lots a patient's records
    point to."""
    sessions = TreatmentSession.objects.for_clinic(clinic).filter(patient=patient)
    plans = TreatmentPlan.objects.for_clinic(clinic).filter(patient=patient)
    treating = Q(pk__in=plans.values("practitioner_id")) | Q(
        pk__in=sessions.values("practitioner_id")
    )
    supervising = Practitioner.objects.for_clinic(clinic).filter(treating)
    people = treating | Q(pk__in=supervising.values("supervising_physician_id"))
    lots = InjectionComponent.objects.for_clinic(clinic).filter(injection__session__patient=patient)
    return {
        "Practitioner": _practitioners(clinic).filter(people),
        "PractitionerRole": _practitioners(clinic).filter(people),
        "Medication": _lots(clinic).filter(pk__in=lots.values("lot_id")),
    }


def everything(
    actor: Actor, clinic: Clinic, patient: Patient, may: Callable[[str], bool], context: Context
) -> list[Resource]:
    """Every resource about one patient the member may read, and those they point to, audited
    as one export of the patient's record."""
    shared = _shared_rows(clinic, patient)
    context = replace(context, inline=True, reader=actor.user)
    found: list[Resource] = []
    counts: dict[str, int] = {}
    for kind in KINDS.values():
        if not may(kind.permission):
            continue
        rows = shared[kind.name] if kind.name in shared else _patient_rows(kind, clinic, patient)
        built = [kind.build(row, context) for row in rows]
        counts[kind.name] = len(built)
        found.extend(built)
    audit.record(
        actor,
        AuditAction.EXPORT,
        ObjectType.PATIENT,
        object_id=patient.pk,
        patient_id=patient.pk,
        details={"fhir": f"Patient/{patient.pk}/$everything", "resources": counts},
        clinic=clinic,
    )
    return found


def patient_of_clinic(clinic: Clinic, pk: int) -> Patient | None:
    return _patients(clinic).filter(pk=pk).first()


__all__ = [
    "KINDS",
    "SERVED",
    "Context",
    "Found",
    "Kind",
    "SearchError",
    "everything",
    "read",
    "search",
]


# --- Groups: a recall campaign's patients -------------------------------------------------


def _campaigns(clinic: Clinic) -> QuerySet[RecallCampaign]:
    called = RecallContact.objects.order_by("patient_id")
    return (
        RecallCampaign.objects.for_clinic(clinic)
        .select_related("lot")
        .prefetch_related(Prefetch("contacts", queryset=called))
        .order_by("pk")
    )


def _group(campaign: RecallCampaign, context: Context) -> Resource:
    return fhir.group(campaign, [contact.patient_id for contact in campaign.contacts.all()])


GROUP = Kind(
    "Group",
    "lot.trace",
    ObjectType.RECALL_CAMPAIGN,
    _campaigns,
    _group,
    {
        "member": Param(
            "reference", "contacts__patient_id", "Patient", "A patient the campaign calls."
        )
    },
)
# Every type read and search answer: the clinical types, and Group (a recall campaign).
SERVED: dict[str, Kind] = {**KINDS, GROUP.name: GROUP}


def campaign_of_clinic(clinic: Clinic, pk: int) -> RecallCampaign | None:
    return RecallCampaign.objects.for_clinic(clinic).filter(pk=pk).first()


# --- Bulk export ----------------------------------------------------------------------------

# Rows read from the database at a time while a bulk export streams them to its files.
EXPORT_CHUNK = 2_000


def export_kinds(level: str) -> list[Kind]:
    """The types an export of that level holds: every type for the whole clinic; for
    patients or a group, the types about a patient."""
    if level == "system":
        return list(SERVED.values())
    return [kind for kind in KINDS.values() if kind.patient_path]


def _changed_field(rows: QuerySet[Any]) -> str:
    names = {f.name for f in rows.model._meta.get_fields()}
    return "updated_at" if "updated_at" in names else "created_at"


def export_rows(
    kind: Kind,
    clinic: Clinic,
    group_id: int | None = None,
    since: datetime.datetime | None = None,
) -> QuerySet[Any]:
    """The clinic's rows of one type for an export: of a group's patients only when
    `group_id` is given, changed after `since` only when it is given."""
    rows = kind.rows(clinic)
    if group_id is not None:
        members = RecallContact.objects.for_clinic(clinic).filter(campaign_id=group_id)
        lookup = kind.patient_path.replace(".", "__") + "__in"
        rows = rows.filter(**{lookup: members.values("patient_id")})
    if since is not None:
        rows = rows.filter(**{f"{_changed_field(rows)}__gt": since})
    return rows


def exported(kind: Kind, rows: QuerySet[Any], context: Context) -> Iterator[Resource]:
    """The rows' resources, read a chunk at a time: never the whole clinic in memory."""
    found = kind.flat(rows) if kind.flat else rows.iterator(chunk_size=EXPORT_CHUNK)
    for row in found:
        yield kind.build(row, context)


def export_jobs(clinic: Clinic) -> QuerySet[ExportJob]:
    return ExportJob.objects.for_clinic(clinic).select_related("requested_by")


def export_job(clinic: Clinic, pk: int) -> ExportJob | None:
    """A clinic's export that can still be asked about: not cancelled, not expired."""
    found = export_jobs(clinic).filter(pk=pk).exclude(status=ExportStatus.CANCELLED).first()
    if found is None or (found.expires_at and found.expires_at <= timezone.now()):
        return None
    return found


def export_file(actor: Actor, clinic: Clinic, job_id: int, name: str) -> Path | None:
    """One file of a clinic's finished export, its reading audited; None when there is no
    such export or file (another clinic's, cancelled, expired)."""
    job = export_job(clinic, job_id)
    part = next((p for p in job.output if p["file"] == name), None) if job else None
    if job is None or part is None or not job.downloadable:
        return None
    audit.record(
        actor,
        AuditAction.EXPORT,
        ObjectType.CLINIC,
        object_id=clinic.pk,
        details={
            "fhir": "$export file",
            "job": job.pk,
            "type": part["type"],
            "count": part["count"],
        },
        clinic=clinic,
    )
    return job.folder() / name
