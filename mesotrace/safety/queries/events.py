"""Reading adverse events: the lists and the event itself, each read audited (they are
patient data); the look-back that proposes sessions; the reports waiting for a grade."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import ObjectType
from mesotrace.core.api import Paging, paginate
from mesotrace.core.clock import clinic_today
from mesotrace.core.inputs import plausible_days
from mesotrace.patients.models import Patient
from mesotrace.safety.models import DEFAULT_LOOK_BACK_DAYS, AdverseEvent, Reporter
from mesotrace.treatments.models import InjectionComponent, TreatmentSession

PAGE_SIZE = 50


def look_back_sessions(
    patient: Patient, onset: datetime.date | None = None, days: int = DEFAULT_LOOK_BACK_DAYS
) -> QuerySet[TreatmentSession]:
    """The patient's sessions in the `days` before onset (today if unknown), latest first."""
    # An onset stored outside the clinic's years (old data) looks back from within them.
    earliest, latest = plausible_days()
    end = min(max(onset or clinic_today(patient.clinic), earliest), latest)
    return (
        TreatmentSession.objects.for_clinic(patient.clinic)
        .filter(
            patient=patient,
            performed_on__lte=end,
            performed_on__gte=end - datetime.timedelta(days=days),
        )
        .select_related("practitioner")
        .order_by("-performed_on", "-id")
    )


def unlinked_look_back(event: AdverseEvent) -> QuerySet[TreatmentSession]:
    """The look-back sessions before the event's onset that it is not linked to yet."""
    linked = [s.pk for s in event.sessions.all()]
    return look_back_sessions(event.patient, event.onset_date).exclude(pk__in=linked)


def lots_per_session(session_ids: Iterable[int]) -> dict[int, list[str]]:
    """The lot numbers each session used, to show next to it before linking it."""
    pairs = (
        InjectionComponent.objects.filter(
            injection__session_id__in=list(session_ids), lot__isnull=False
        )
        .values_list("injection__session_id", "lot__lot_number")
        .order_by()
        .distinct()
    )
    found: dict[int, list[str]] = {}
    for session_id, number in pairs:
        found.setdefault(session_id, []).append(number)
    return {pk: sorted(numbers) for pk, numbers in found.items()}


def awaiting_grade(clinic: Clinic) -> QuerySet[AdverseEvent]:
    """Events the clinic's patients reported that staff have not graded yet."""
    return AdverseEvent.objects.for_clinic(clinic).filter(
        reporter=Reporter.PATIENT, grade__isnull=True
    )


def patient_reports(actor: Actor, patient: Patient) -> list[AdverseEvent]:
    """The side effects a patient reported from the portal, newest first, for their record
    (graded ones too, so staff see what the patient said); the reading is audited."""
    reports = list(
        AdverseEvent.objects.for_clinic(patient.clinic)
        .filter(patient=patient, reporter=Reporter.PATIENT)
        .order_by("-detected_on", "-pk")[:20]
    )
    audit.record_list(
        actor, ObjectType.ADVERSE_EVENT, reports, total=len(reports), patient_id=patient.pk
    )
    return reports


def with_details(clinic: Clinic) -> QuerySet[AdverseEvent]:
    """The clinic's events with what the event page shows of each."""
    return (
        AdverseEvent.objects.for_clinic(clinic)
        .select_related("patient", "recorded_by")
        .prefetch_related("sessions", "products", "lots__product", "follow_ups__by")
    )


def with_links(clinic: Clinic) -> QuerySet[AdverseEvent]:
    """The clinic's events with every link and follow-up the API answers with."""
    return (
        AdverseEvent.objects.for_clinic(clinic)
        .select_related("clinic")
        .prefetch_related("sessions", "injections", "products", "lots", "follow_ups__by")
    )


def read_event(actor: Actor, events: QuerySet[AdverseEvent], event_id: int) -> AdverseEvent:
    """One event of `events` (else 404), its reading audited."""
    event = get_object_or_404(events, pk=event_id)
    audit.record_read(actor, event)
    return event


def event_page(
    actor: Actor, clinic: Clinic, number: str | None, *, to_grade: bool = False
) -> Page[AdverseEvent]:
    """A page of the clinic's events (only the reports to grade, if asked), audited."""
    events = awaiting_grade(clinic) if to_grade else AdverseEvent.objects.for_clinic(clinic)
    events = events.select_related("patient").prefetch_related("lots")
    page = Paginator(events, PAGE_SIZE).get_page(number)
    audit.record_list(actor, ObjectType.ADVERSE_EVENT, list(page), total=page.paginator.count)
    return page


def find_events(
    actor: Actor,
    clinic: Clinic,
    paging: Paging,
    *,
    patient_id: int | None = None,
    lot_id: int | None = None,
    category: str | None = None,
    reporter: str | None = None,
    graded: bool | None = None,
) -> tuple[list[AdverseEvent], int]:
    """The asked page of the clinic's events that match, latest detected first, and how many
    match; the page is audited."""
    events = with_links(clinic)
    if patient_id is not None:
        events = events.filter(patient_id=patient_id)
    if lot_id is not None:
        events = events.filter(lots=lot_id)
    if category is not None:
        events = events.filter(category=category)
    if reporter is not None:
        events = events.filter(reporter=reporter)
    if graded is not None:
        events = events.filter(grade__isnull=not graded)
    rows, total = paginate(events, paging)
    audit.record_list(actor, ObjectType.ADVERSE_EVENT, rows, total=total)
    return rows, total
