"""Practitioner writes and the clinic's injection policy: each in a transaction, each audited."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic, User
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.practitioners.models import (
    PRACTITIONER_FIELDS,
    InjectionPolicy,
    Practitioner,
)
from mesotrace.practitioners.queries import policy_for


@dataclass(frozen=True)
class PractitionerInput:
    """A practitioner's name, qualification, account and credentials."""

    full_name: str
    qualification: str
    user: User | None = None
    licence_number: str = ""
    licence_jurisdiction: str = ""
    licence_expiry: datetime.date | None = None
    training_certificate: str = ""
    training_date: datetime.date | None = None
    supervising_physician: Practitioner | None = None
    is_active: bool = True


def _save(
    actor: Actor,
    action: AuditAction,
    practitioner: Practitioner,
    data: PractitionerInput,
    before: dict[str, Any],
) -> Practitioner:
    for name in PRACTITIONER_FIELDS:
        setattr(practitioner, name, getattr(data, name))
    practitioner.full_clean()
    practitioner.save()
    after = audit.snapshot(practitioner, PRACTITIONER_FIELDS)
    audit.record(actor, action, practitioner, changes=audit.diff(before, after))
    return practitioner


@transaction.atomic
def add_practitioner(actor: Actor, clinic: Clinic, data: PractitionerInput) -> Practitioner:
    return _save(actor, AuditAction.CREATE, Practitioner(clinic=clinic), data, {})


@transaction.atomic
def change_practitioner(
    actor: Actor, practitioner: Practitioner, data: PractitionerInput
) -> Practitioner:
    stored = Practitioner.objects.get(pk=practitioner.pk)
    before = audit.snapshot(stored, PRACTITIONER_FIELDS)
    return _save(actor, AuditAction.UPDATE, practitioner, data, before)


@transaction.atomic
def set_injection_policy(
    actor: Actor, clinic: Clinic, *, rule: str, require_training: bool
) -> InjectionPolicy:
    policy = policy_for(clinic)
    # The cached policy may already carry a form's new values; "before" is what was stored.
    stored = InjectionPolicy.objects.filter(clinic=clinic).first()
    before: dict[str, Any] = audit.snapshot(stored, ["rule", "require_training"]) if stored else {}
    policy.rule = rule
    policy.require_training = require_training
    policy.full_clean()
    policy.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        policy,
        changes=audit.diff(before, audit.snapshot(policy, ["rule", "require_training"])),
    )
    return policy
