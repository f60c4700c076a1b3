"""Writing the audit trail. Callers run inside the transaction of the change they record.

`record` is the one way to write a row; `record_read` and `record_list` are the one way to
audit that patient data was read. The type of the object comes from its model
(`ObjectType.of`), never from free text.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from django.db import models

from mesotrace.audit.models import AuditAction, AuditEvent, ObjectType


class AuditActor(Protocol):
    """Who acts, from where: what an audit row says about the actor."""

    @property
    def user_pk(self) -> int | None: ...
    @property
    def clinic_pk(self) -> int | None: ...
    @property
    def label(self) -> str: ...
    @property
    def request_id(self) -> str: ...
    @property
    def ip(self) -> str | None: ...
    @property
    def user_agent(self) -> str: ...
    @property
    def via(self) -> str: ...


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value for the before/after record."""
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields whose value changed, as {field: {"before": ..., "after": ...}}."""
    return {
        name: {"before": before.get(name), "after": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def patient_of(subject: models.Model) -> int | None:
    """The patient a record concerns: the patient itself, or the record's `patient`."""
    if ObjectType.of(subject) == ObjectType.PATIENT:
        return int(subject.pk)
    found = getattr(subject, "patient_id", None)
    return int(found) if found is not None else None


def _clinic_pk(subject: models.Model | None) -> int | None:
    found = getattr(subject, "clinic_id", None) if subject is not None else None
    return int(found) if found is not None else None


# Reads audited while a page is built, written together when it is done (`reads_collected`).
_collected: ContextVar[list[AuditEvent] | None] = ContextVar("audit_reads", default=None)
READS = frozenset({AuditAction.VIEW, AuditAction.LIST, AuditAction.SEARCH, AuditAction.EXPORT})


@contextmanager
def reads_collected() -> Iterator[None]:
    """Within the block, read audits (view, list, search, export) are kept, then written in
    one short transaction as the block ends, before the answer leaves: a page that shows
    six kinds of record costs one durable commit, not six, and holds no write lock while
    it renders. Write audits are never kept: they go in their change's transaction."""
    rows: list[AuditEvent] = []
    token = _collected.set(rows)
    try:
        yield
    finally:
        _collected.reset(token)
        if rows:  # one INSERT statement: one transaction of its own, or the caller's
            AuditEvent.objects.bulk_create(rows)


def record(
    actor: AuditActor,
    action: AuditAction,
    subject: models.Model | ObjectType,
    *,
    object_id: object = None,
    patient_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    clinic: models.Model | None = None,
) -> AuditEvent:
    """One audit row. A model `subject` gives the type, id, patient and clinic of the row."""
    row = subject if isinstance(subject, models.Model) else None
    kind = subject if isinstance(subject, ObjectType) else ObjectType.of(subject)
    if object_id is None:
        object_id = row.pk if row is not None else ""
    if patient_id is None and row is not None:
        patient_id = patient_of(row)
    clinic_pk = clinic.pk if clinic is not None else _clinic_pk(row) or actor.clinic_pk
    event = AuditEvent(
        clinic_id=clinic_pk,
        actor_id=actor.user_pk,
        actor_label=actor.label,
        action=action,
        object_type=kind,
        object_id=str(object_id),
        patient_id=patient_id,
        changes=dict(changes or {}),
        details=dict(details or {}),
        request_id=actor.request_id,
        ip=actor.ip,
        user_agent=actor.user_agent,
        via=actor.via,
    )
    collected = _collected.get()
    if collected is not None and action in READS:
        collected.append(event)
    else:
        event.save(force_insert=True)
    return event


def record_read(
    actor: AuditActor,
    subject: models.Model,
    *,
    export: bool = False,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Audits that one record was read (or exported as a file)."""
    action = AuditAction.EXPORT if export else AuditAction.VIEW
    return record(actor, action, subject, details=details)


def record_list(
    actor: AuditActor,
    kind: ObjectType,
    shown: Sequence[models.Model],
    *,
    total: int | None = None,
    query: str = "",
    export: bool = False,
    details: Mapping[str, Any] | None = None,
    clinic: models.Model | None = None,
    patient_id: int | None = None,
) -> AuditEvent:
    """Audits a list, search or export: what was asked, which rows and patients were shown.

    `patient_id` names the patient whose list it is (their plan's documents, their links),
    so the list shows in that patient's trail even when it is empty.
    """
    action = AuditAction.SEARCH if query else AuditAction.LIST
    listed: dict[str, Any] = {
        "shown": [row.pk for row in shown],
        "patients": sorted({p for p in (patient_of(row) for row in shown) if p is not None}),
        "total": len(shown) if total is None else total,
    }
    if query:
        listed["query"] = query
    return record(
        actor,
        AuditAction.EXPORT if export else action,
        kind,
        details={**listed, **(details or {})},
        clinic=clinic,
        patient_id=patient_id,
    )
