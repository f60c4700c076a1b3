"""Recording, grading and following up adverse events; every write audited in its transaction.

Errors a user can cause are a `ValidationError` keyed by field, raised before anything is
saved. After an event is recorded or its links change, the lots it touches are checked for
a cluster (`safety.services.alerts`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.catalogue.models import Product
from mesotrace.core import formats
from mesotrace.core.clock import clinic_today
from mesotrace.inventory.models import Lot
from mesotrace.patients.models import Patient
from mesotrace.safety.models import (
    CATEGORY_OF,
    MAX_TEXT,
    AdverseEvent,
    AdverseEventFollowUp,
    Causality,
    Outcome,
    Reporter,
    Seriousness,
    Term,
)
from mesotrace.safety.services.alerts import _check_lots
from mesotrace.treatments.models import Injection, InjectionComponent, TreatmentSession

AUDITED = [
    "term",
    "term_text",
    "onset_date",
    "detected_on",
    "grade",
    "seriousness",
    "outcome",
    "causality",
    "actions_taken",
    "organism",
    "description",
]
LINKS = ("session_ids", "injection_ids", "product_ids", "lot_ids")


@dataclass(frozen=True)
class EventInput:
    """What a form or the API sends for an event; ids are checked against the clinic."""

    term: str
    onset_date: datetime.date
    detected_on: datetime.date
    term_text: str = ""
    grade: int | None = None
    seriousness: list[str] = field(default_factory=list)
    outcome: str = Outcome.UNKNOWN
    causality: str = Causality.UNASSESSABLE
    actions_taken: str = ""
    organism: str = ""
    description: str = ""
    reporter: str = Reporter.STAFF
    session_ids: list[int] = field(default_factory=list)
    injection_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    lot_ids: list[int] = field(default_factory=list)


@dataclass
class Links:
    sessions: list[TreatmentSession]
    injections: list[Injection]
    products: list[Product]
    lots: list[Lot]


# --- Checks -----------------------------------------------------------------------------


def _field_errors(data: EventInput, today: datetime.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.term not in Term.values:
        errors["term"] = _("Choose an event from the list.")
    elif data.term == Term.OTHER and not data.term_text.strip():
        errors["term_text"] = _("Describe the event when choosing “Other”.")
    if data.grade is not None and not 1 <= data.grade <= 5:
        errors["grade"] = _("The grade is 1 (mild) to 5 (death).")
    if data.reporter == Reporter.STAFF and data.grade is None:
        errors["grade"] = _("Grade the event (1 to 5).")
    if data.reporter not in Reporter.values:
        errors["reporter"] = _("The reporter is staff or the patient.")
    if data.onset_date > data.detected_on:
        errors["onset_date"] = _("The onset cannot be after the date it was detected.")
    if data.detected_on > today:
        errors["detected_on"] = _("The detection date cannot be in the future.")
    unknown = [s for s in data.seriousness if s not in Seriousness.values]
    if unknown:
        errors["seriousness"] = _("Unknown seriousness criteria: %(c)s.") % {
            "c": ", ".join(unknown)
        }
    if data.outcome not in Outcome.values:
        errors["outcome"] = _("Choose an outcome from the list.")
    if data.causality not in Causality.values:
        errors["causality"] = _("Choose a WHO-UMC causality category.")
    for name in ("actions_taken", "description"):
        if len(getattr(data, name)) > MAX_TEXT:
            errors[name] = _("At most %(n)s characters.") % {"n": MAX_TEXT}
    for name, limit in (("organism", 200), ("term_text", 200)):
        if len(getattr(data, name)) > limit:
            errors[name] = _("At most %(n)s characters.") % {"n": limit}
    return errors


def _missing(found: Iterable[Any], wanted: Iterable[int]) -> list[int]:
    have = {row.pk for row in found}
    return sorted(set(wanted) - have)


def _resolve_links(patient: Patient, data: EventInput, errors: dict[str, str]) -> Links:
    clinic = patient.clinic
    sessions = list(
        TreatmentSession.objects.for_clinic(clinic).filter(patient=patient, pk__in=data.session_ids)
    )
    injections = list(
        Injection.objects.for_clinic(clinic).filter(
            session__patient=patient, pk__in=data.injection_ids
        )
    )
    products = list(Product.objects.visible_to(clinic).filter(pk__in=data.product_ids))
    lots = list(Lot.objects.for_clinic(clinic).filter(pk__in=data.lot_ids))
    for name, rows, wanted, what in (
        ("session_ids", sessions, data.session_ids, _("sessions of this patient")),
        ("injection_ids", injections, data.injection_ids, _("injections of this patient")),
        ("product_ids", products, data.product_ids, _("products of this clinic")),
        ("lot_ids", lots, data.lot_ids, _("lots of this clinic")),
    ):
        missing = _missing(rows, wanted)
        if missing:
            errors[name] = _("Not %(what)s: %(ids)s.") % {
                "what": what,
                "ids": ", ".join(map(str, missing)),
            }
    return Links(sessions, injections, products, lots)


def _check_onset(links: Links, data: EventInput, errors: dict[str, str]) -> None:
    dates = [s.performed_on for s in links.sessions]
    if dates and data.onset_date < min(dates) and "onset_date" not in errors:
        errors["onset_date"] = _(
            "The onset (%(onset)s) is before the linked session of %(session)s."
        ) % {"onset": formats.day(data.onset_date), "session": formats.day(min(dates))}


def _exposed(links: Links) -> tuple[set[int], set[int]]:
    """Product and lot ids injected in the linked injections, or else in the linked sessions."""
    lines = InjectionComponent.objects.filter(
        injection__in=links.injections
        if links.injections
        else Injection.objects.filter(session__in=links.sessions)
    )
    if not links.injections and not links.sessions:
        return set(), set()
    pairs = list(lines.values_list("product_id", "lot_id"))
    return {p for p, _lot in pairs}, {lot for _p, lot in pairs if lot is not None}


def _validated(patient: Patient, data: EventInput) -> Links:
    errors = _field_errors(data, clinic_today(patient.clinic))
    links = _resolve_links(patient, data, errors)
    _check_onset(links, data, errors)
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    return links


def _set_links(event: AdverseEvent, links: Links) -> None:
    products, lots = _exposed(links)
    event.sessions.set(links.sessions)
    event.injections.set(links.injections)
    event.products.set({p.pk for p in links.products} | products)
    event.lots.set({lot.pk for lot in links.lots} | lots)


def _link_ids(event: AdverseEvent) -> dict[str, list[int]]:
    return {
        "sessions": sorted(event.sessions.values_list("pk", flat=True)),
        "injections": sorted(event.injections.values_list("pk", flat=True)),
        "products": sorted(event.products.values_list("pk", flat=True)),
        "lots": sorted(event.lots.values_list("pk", flat=True)),
    }


def _apply(event: AdverseEvent, data: EventInput) -> None:
    for name in AUDITED:
        setattr(event, name, getattr(data, name))
    event.term_text = data.term_text.strip() if data.term == Term.OTHER else ""
    event.category = CATEGORY_OF[data.term]


# --- Writes -----------------------------------------------------------------------------


@transaction.atomic
def record_event(actor: Actor, patient: Patient, data: EventInput) -> AdverseEvent:
    """Records an event with its links, audits it, then checks its lots for a cluster."""
    links = _validated(patient, data)
    event = AdverseEvent(
        clinic=patient.clinic, patient=patient, reporter=data.reporter, recorded_by=actor.user
    )
    _apply(event, data)
    event.save()
    _set_links(event, links)
    audit.record(
        actor,
        AuditAction.CREATE,
        event,
        changes={"after": {**audit.snapshot(event, AUDITED), **_link_ids(event)}},
    )
    _check_lots(actor, event.lots.all())
    return event


def input_of(event: AdverseEvent) -> EventInput:
    """The event as an `EventInput`, to change some fields and `update_event` with it."""
    values = {f.name: getattr(event, f.name) for f in fields(EventInput) if f.name not in LINKS}
    values["reporter"] = event.reporter
    return EventInput(
        **values,
        session_ids=list(event.sessions.values_list("pk", flat=True)),
        injection_ids=list(event.injections.values_list("pk", flat=True)),
        product_ids=list(event.products.values_list("pk", flat=True)),
        lot_ids=list(event.lots.values_list("pk", flat=True)),
    )


@transaction.atomic
def update_event(actor: Actor, event: AdverseEvent, data: EventInput) -> AdverseEvent:
    """Changes an event (grading a patient's report included); audited with before/after."""
    locked = AdverseEvent.objects.select_for_update().get(pk=event.pk)
    data = replace(data, reporter=locked.reporter)
    links = _validated(locked.patient, data)
    before = {**audit.snapshot(locked, AUDITED), **_link_ids(locked)}
    _apply(locked, data)
    locked.save()
    _set_links(locked, links)
    after = {**audit.snapshot(locked, AUDITED), **_link_ids(locked)}
    audit.record(actor, AuditAction.UPDATE, locked, changes=audit.diff(before, after))
    _check_lots(actor, locked.lots.all())
    return locked


@transaction.atomic
def grade_event(
    actor: Actor,
    event: AdverseEvent,
    grade: int,
    *,
    causality: str | None = None,
    seriousness: Iterable[str] | None = None,
    session_ids: Iterable[int] = (),
) -> AdverseEvent:
    """Grades an event (e.g. one the patient reported through the portal), audited.

    `session_ids` are linked on top of the event's links (a portal report has none), so
    their lots enter the cluster check that `update_event` runs.
    """
    data = input_of(event)
    data = replace(
        data,
        grade=grade,
        causality=data.causality if causality is None else causality,
        seriousness=data.seriousness if seriousness is None else list(seriousness),
        session_ids=sorted(set(data.session_ids) | set(session_ids)),
    )
    return update_event(actor, event, data)


@transaction.atomic
def add_follow_up(
    actor: Actor, event: AdverseEvent, on: datetime.date, note: str, outcome: str = ""
) -> AdverseEventFollowUp:
    """A dated follow-up; an outcome given here becomes the event's outcome."""
    errors: dict[str, str] = {}
    note = (note or "").strip()
    if not note:
        errors["note"] = _("Write what was found at follow-up.")
    elif len(note) > MAX_TEXT:
        errors["note"] = _("At most %(n)s characters.") % {"n": MAX_TEXT}
    if outcome and outcome not in Outcome.values:
        errors["outcome"] = _("Choose an outcome from the list.")
    if on < event.onset_date:
        errors["on"] = _("A follow-up cannot be before the onset.")
    if on > clinic_today(event.clinic):
        errors["on"] = _("A follow-up cannot be in the future.")
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    entry = AdverseEventFollowUp.objects.create(
        clinic=event.clinic, event=event, on=on, note=note, outcome=outcome, by=actor.user
    )
    if outcome and outcome != event.outcome:
        event.outcome = outcome
        event.save(update_fields=["outcome", "updated_at"])
    audit.record(
        actor,
        AuditAction.CREATE,
        entry,
        patient_id=event.patient_id,
        details={"event": event.pk, "outcome": outcome},
    )
    return entry


@dataclass(frozen=True)
class ImportedFollowUp:
    """A follow-up another system exported with its event."""

    on: datetime.date
    note: str
    outcome: str = ""


def _follow_up_errors(event: AdverseEvent, given: ImportedFollowUp) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not given.note.strip():
        errors["note"] = _("Write what was found at follow-up.")
    elif len(given.note) > MAX_TEXT:
        errors["note"] = _("At most %(n)s characters.") % {"n": MAX_TEXT}
    if given.outcome and given.outcome not in Outcome.values:
        errors["outcome"] = _("Choose an outcome from the list.")
    if given.on < event.onset_date:
        errors["on"] = _("A follow-up cannot be before the onset.")
    if given.on > clinic_today(event.clinic):
        errors["on"] = _("A follow-up cannot be in the future.")
    return errors


@transaction.atomic
def import_follow_up(
    actor: Actor, event: AdverseEvent, given: ImportedFollowUp
) -> AdverseEventFollowUp:
    """A follow-up of an imported event, as it was written where it came from, audited as
    imported. The event's outcome is not changed: it came with the event, already the last."""
    errors = _follow_up_errors(event, given)
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    entry = AdverseEventFollowUp.objects.create(
        clinic=event.clinic,
        event=event,
        on=given.on,
        note=given.note.strip(),
        outcome=given.outcome,
        by=actor.user,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        entry,
        patient_id=event.patient_id,
        details={"event": event.pk, "outcome": given.outcome, "imported": True},
    )
    return entry
