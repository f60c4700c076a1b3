"""Audit rows for reading adverse events (they are patient data)."""

from __future__ import annotations

from collections.abc import Sequence

from mesotrace.audit import services as audit
from mesotrace.audit.actor import Actor
from mesotrace.audit.models import AuditAction
from mesotrace.safety.models import AdverseEvent


def record_view(actor: Actor, event: AdverseEvent) -> None:
    audit.record(
        actor,
        AuditAction.VIEW,
        object_type="adverse_event",
        object_id=event.pk,
        patient_id=event.patient_id,
        clinic=event.clinic,
    )


def record_list(actor: Actor, events: Sequence[AdverseEvent]) -> None:
    audit.record(
        actor,
        AuditAction.LIST,
        object_type="adverse_event",
        details={"events": [e.pk for e in events]},
    )
