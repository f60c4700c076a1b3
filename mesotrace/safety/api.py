"""`/api/v1/adverse-events`: list, record, read and change adverse events.

PATCH finds the event (or 404) first, then validates, so another clinic's id never learns
more than "Not found". Recording or relinking an event runs the cluster check on its lots.
"""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError

from mesotrace.accounts.access import ApiRequest, TokenAuth, denial_reason
from mesotrace.core.api import (
    ERRORS,
    InSchema,
    Page,
    Paging,
    field_error,
    reject_unknown_query,
)
from mesotrace.patients.models import Patient
from mesotrace.safety.models import (
    MAX_TEXT,
    AdverseEvent,
    Category,
    Causality,
    Outcome,
    Reporter,
    SafetySettings,
)
from mesotrace.safety.queries import alerts as alert_queries
from mesotrace.safety.queries import events as event_queries
from mesotrace.safety.rules import MAX_CLUSTER_THRESHOLD, MAX_CLUSTER_WINDOW_DAYS
from mesotrace.safety.services import alerts, events

router = Router(tags=["safety"])
MAX_PAGE = 200
MAX_LINKS = 500


class EventFields(InSchema):
    term: str | None = Field(None, description="A code of the shipped list (e.g. ntm_infection).")
    term_text: str | None = Field(None, max_length=200, description="Required for term other.")
    onset_date: datetime.date | None = None
    detected_on: datetime.date | None = None
    grade: int | None = Field(None, description="CTCAE-style 1 (mild) to 5 (death).")
    seriousness: list[str] | None = Field(None, max_length=6)
    outcome: Outcome | None = None
    causality: Causality | None = Field(None, description="WHO-UMC category.")
    actions_taken: str | None = Field(None, max_length=MAX_TEXT)
    organism: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=MAX_TEXT)
    session_ids: list[int] | None = Field(None, max_length=MAX_LINKS)
    injection_ids: list[int] | None = Field(None, max_length=MAX_LINKS)
    product_ids: list[int] | None = Field(None, max_length=MAX_LINKS)
    lot_ids: list[int] | None = Field(None, max_length=MAX_LINKS)


class EventIn(EventFields):
    patient_id: int | None = None
    reporter: Reporter = Reporter.STAFF


class FollowUpOut(Schema):
    id: int
    on: datetime.date
    note: str
    outcome: str
    by: str | None


class EventOut(Schema):
    id: int
    patient_id: int
    reporter: str
    term: str
    term_label: str
    category: str
    onset_date: datetime.date
    detected_on: datetime.date
    grade: int | None
    serious: bool
    seriousness: list[str]
    outcome: str
    causality: str
    actions_taken: str
    organism: str
    description: str
    session_ids: list[int]
    injection_ids: list[int]
    product_ids: list[int]
    lot_ids: list[int]
    follow_ups: list[FollowUpOut]
    created_at: datetime.datetime


class EventPage(Page[EventOut]):
    pass


class EventFilters(Paging):
    patient_id: int | None = None
    lot_id: int | None = None
    category: str | None = None
    reporter: Reporter | None = None
    graded: bool | None = Field(None, description="false: the reports staff still have to grade.")
    page_size: int = Field(50, ge=1, le=MAX_PAGE)


def event_out(event: AdverseEvent) -> EventOut:
    return EventOut(
        id=event.pk,
        patient_id=event.patient_id,
        reporter=event.reporter,
        term=event.term,
        term_label=event.term_label,
        category=event.category,
        onset_date=event.onset_date,
        detected_on=event.detected_on,
        grade=event.grade,
        serious=event.serious,
        seriousness=list(event.seriousness),
        outcome=event.outcome,
        causality=event.causality,
        actions_taken=event.actions_taken,
        organism=event.organism,
        description=event.description,
        session_ids=sorted(s.pk for s in event.sessions.all()),
        injection_ids=sorted(i.pk for i in event.injections.all()),
        product_ids=sorted(p.pk for p in event.products.all()),
        lot_ids=sorted(lot.pk for lot in event.lots.all()),
        follow_ups=[
            FollowUpOut(
                id=f.pk, on=f.on, note=f.note, outcome=f.outcome, by=f.by.email if f.by else None
            )
            for f in event.follow_ups.all()
        ],
        created_at=event.created_at,
    )


def _require(**values: Any) -> None:
    """The fields given as None are refused as missing, all of them at once."""
    missing = [name for name, value in values.items() if value is None]
    if missing:
        required = [field_error(name, "This field is required.") for name in missing]
        raise ValidationError([error for each in required for error in each.errors])


def _merge(data: events.EventInput, payload: EventFields) -> events.EventInput:
    """The input with the fields the payload sets; only the grade may be set to null."""
    sent = payload.dict(exclude_unset=True)
    changes = {
        name: value for name, value in sent.items() if name not in {"patient_id", "reporter"}
    }
    for name, value in changes.items():
        if value is None and name != "grade":
            raise field_error(name, "May not be null.")
    return replace(data, **changes)


def _check_grading(request: ApiRequest, event: AdverseEvent, payload: EventFields) -> None:
    """Grading a patient's report needs the grading permission, as on the event page."""
    grading = {"grade", "causality", "seriousness"} & payload.model_fields_set
    permission = "adverse_event.grade"
    if grading and event.reporter == Reporter.PATIENT and not request.membership.may(permission):
        raise PermissionDenied(denial_reason(request.membership, permission))


@router.get(
    "/adverse-events", response={200: EventPage, **ERRORS}, auth=TokenAuth("adverse_event.view")
)
def list_events(request: ApiRequest, filters: Query[EventFilters]) -> EventPage:
    """The clinic's adverse events, latest detected first."""
    reject_unknown_query(request, set(EventFilters.model_fields))
    criteria = filters.model_dump(exclude=set(Paging.model_fields))
    rows, total = event_queries.find_events(request.actor, request.clinic, filters, **criteria)
    return EventPage(
        items=[event_out(e) for e in rows],
        count=total,
        page=filters.page,
        page_size=filters.page_size,
    )


@router.post(
    "/adverse-events",
    response={201: EventOut, **ERRORS},
    auth=TokenAuth("adverse_event.record"),
)
def record_event(request: ApiRequest, payload: EventIn) -> Status[EventOut]:
    """Records an event; its lots are checked for a cluster (see the safety alerts)."""
    _require(
        patient_id=payload.patient_id,
        term=payload.term,
        onset_date=payload.onset_date,
        detected_on=payload.detected_on,
    )
    patient = Patient.objects.for_clinic(request.clinic).filter(pk=payload.patient_id or 0).first()
    if patient is None:
        raise field_error("patient_id", f"No patient with id {payload.patient_id} here.")
    data = events.EventInput(
        term=payload.term or "",
        onset_date=payload.onset_date or datetime.date.min,
        detected_on=payload.detected_on or datetime.date.min,
        reporter=payload.reporter,
    )
    event = events.record_event(request.actor, patient, _merge(data, payload))
    found = event_queries.with_links(request.clinic)
    return Status(201, event_out(get_object_or_404(found, pk=event.pk)))


@router.get(
    "/adverse-events/{event_id}",
    response={200: EventOut, **ERRORS},
    auth=TokenAuth("adverse_event.view"),
)
def get_event(request: ApiRequest, event_id: int) -> EventOut:
    found = event_queries.with_links(request.clinic)
    return event_out(event_queries.read_event(request.actor, found, event_id))


@router.patch(
    "/adverse-events/{event_id}",
    response={200: EventOut, **ERRORS},
    auth=TokenAuth("adverse_event.record"),
)
def patch_event(request: ApiRequest, event_id: int, payload: EventFields) -> EventOut:
    """Changes the fields sent (grading a patient's report included); links are replaced."""
    found = event_queries.with_links(request.clinic)
    event = get_object_or_404(found, pk=event_id)
    _check_grading(request, event, payload)
    data = _merge(events.input_of(event), payload)
    events.update_event(request.actor, event, data)
    return event_out(get_object_or_404(found, pk=event_id))


# --- The clinic's cluster rule --------------------------------------------------------------


class ClusterRuleIn(InSchema):
    category: Category = Field(description="The event category counted (e.g. infection).")
    threshold: int = Field(
        strict=True,
        description=f"Events on one lot raising an alert, 1 to {MAX_CLUSTER_THRESHOLD}.",
    )
    window_days: int = Field(
        strict=True, description=f"Within this many days, 1 to {MAX_CLUSTER_WINDOW_DAYS}."
    )


class ClusterRuleOut(Schema):
    category: str
    threshold: int
    window_days: int
    is_default: bool = Field(description="True while the clinic has never set its rule.")


class ClusterRuleChangeOut(ClusterRuleOut):
    rechecked: bool = Field(
        description="Whether the lots with events were re-checked: only when the new rule "
        "may catch more (fewer events, a longer window, or another category)."
    )
    newly_under_investigation: list[int] = Field(
        description="Ids of the lots the re-check put under investigation. A looser rule "
        "never releases a lot: releasing stays an owner's decision."
    )


def rule_out(rule: SafetySettings) -> ClusterRuleOut:
    return ClusterRuleOut(
        category=rule.category,
        threshold=rule.threshold,
        window_days=rule.window_days,
        is_default=rule.pk is None,
    )


@router.get(
    "/safety/cluster-rule",
    response={200: ClusterRuleOut, **ERRORS},
    auth=TokenAuth("safety_settings.manage"),
)
def get_cluster_rule(request: ApiRequest) -> ClusterRuleOut:
    """The clinic's cluster rule: `threshold` events of `category` on one lot within
    `window_days` put the lot under investigation."""
    return rule_out(alert_queries.settings_for(request.clinic))


@router.put(
    "/safety/cluster-rule",
    response={200: ClusterRuleChangeOut, **ERRORS},
    auth=TokenAuth("safety_settings.manage"),
)
def put_cluster_rule(request: ApiRequest, payload: ClusterRuleIn) -> ClusterRuleChangeOut:
    """Sets the rule (audited); a rule that may catch more re-checks the lots at once."""
    change = alerts.update_cluster_rule(
        request.actor,
        request.clinic,
        str(payload.category),
        payload.threshold,
        payload.window_days,
    )
    return ClusterRuleChangeOut(
        **rule_out(change.rule).dict(),
        rechecked=change.rechecked,
        newly_under_investigation=[lot.pk for lot in change.newly_under_investigation],
    )
