"""Audit rows for reading adverse events (they are patient data)."""

from __future__ import annotations

from collections.abc import Sequence

from mesotrace.accounts.access import Actor
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.safety.models import AdverseEvent


def record_view(actor: Actor, event: AdverseEvent) -> None:
    audit.record(
        actor,
        AuditAction.VIEW,
        ObjectType.ADVERSE_EVENT,
        object_id=event.pk,
        patient_id=event.patient_id,
        clinic=event.clinic,
    )


def record_list(actor: Actor, events: Sequence[AdverseEvent]) -> None:
    audit.record(
        actor,
        AuditAction.LIST,
        ObjectType.ADVERSE_EVENT,
        details={"events": [e.pk for e in events]},
    )
