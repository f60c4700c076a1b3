"""Writing the audit trail. Callers run inside the transaction of the change they record."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from mesotrace.accounts.models import Clinic
from mesotrace.audit.actor import Actor
from mesotrace.audit.models import AuditEvent


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


def record(
    actor: Actor,
    action: str,
    *,
    object_type: str = "",
    object_id: object = "",
    patient_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    clinic: Clinic | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        clinic=clinic or actor.clinic,
        actor=actor.user,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        patient_id=patient_id,
        changes=dict(changes or {}),
        details=dict(details or {}),
        request_id=actor.request_id,
        ip=actor.ip,
        user_agent=actor.user_agent,
        via=actor.via,
    )
