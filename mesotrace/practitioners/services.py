"""Practitioner writes, the clinic's injection policy, and `may_inject`, which charting calls."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.practitioners.models import (
    InjectionPolicy,
    InjectionRule,
    Practitioner,
    Qualification,
)

PRACTITIONER_FIELDS = [
    "user",
    "full_name",
    "qualification",
    "licence_number",
    "licence_jurisdiction",
    "licence_expiry",
    "training_certificate",
    "training_date",
    "supervising_physician",
    "is_active",
]


@dataclass(frozen=True)
class InjectionDecision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def policy_for(clinic: Clinic) -> InjectionPolicy:
    """The clinic's policy; an unsaved physician-only policy when none was set (fail closed).

    The reverse accessor caches the policy on the clinic, so a list of decisions costs one query.
    """
    try:
        return clinic.injection_policy
    except InjectionPolicy.DoesNotExist:
        return InjectionPolicy(
            clinic=clinic, rule=InjectionRule.PHYSICIAN_ONLY, require_training=True
        )


def _licence_problem(person: Practitioner, clinic: Clinic, day: datetime.date) -> str | None:
    if not person.licence_number or person.licence_expiry is None:
        return _("%(name)s has no licence number and expiry on record.") % {
            "name": person.full_name
        }
    if person.licence_expiry < day:
        return _("%(name)s's licence expired on %(date)s.") % {
            "name": person.full_name,
            "date": person.licence_expiry.isoformat(),
        }
    if not person.licence_jurisdiction:
        return _("%(name)s's licence has no issuing jurisdiction on record.") % {
            "name": person.full_name
        }
    country = person.licence_jurisdiction.split("-")[0]
    if country != clinic.jurisdiction:
        return _("%(name)s's licence was issued in %(issued)s, not in %(here)s.") % {
            "name": person.full_name,
            "issued": person.licence_jurisdiction,
            "here": clinic.jurisdiction,
        }
    return None


def _supervision_problem(nurse: Practitioner, clinic: Clinic, day: datetime.date) -> str | None:
    supervisor = nurse.supervising_physician
    if supervisor is None:
        return _("%(name)s is a nurse with no supervising physician on record.") % {
            "name": nurse.full_name
        }
    if supervisor.clinic_id != clinic.pk or not supervisor.is_active:
        return _("%(name)s's supervising physician is not active in this clinic.") % {
            "name": nurse.full_name
        }
    if supervisor.qualification != Qualification.PHYSICIAN:
        return _("%(name)s's supervisor is not a physician.") % {"name": nurse.full_name}
    problem = _licence_problem(supervisor, clinic, day)
    return _("Supervising physician: %(problem)s") % {"problem": problem} if problem else None


def _rule_problem(person: Practitioner, policy: InjectionPolicy, day: datetime.date) -> str | None:
    rule = InjectionRule(policy.rule)
    qualification = Qualification(person.qualification)
    refused = _(
        "The clinic's policy is \u201c%(rule)s\u201d and %(name)s is recorded as: "
        "%(qualification)s."
    ) % {
        "rule": rule.label,
        "name": person.full_name,
        "qualification": qualification.label.lower(),
    }
    if rule == InjectionRule.PHYSICIAN_ONLY and qualification != Qualification.PHYSICIAN:
        return refused
    if rule == InjectionRule.PHYSICIAN_OR_SUPERVISED_NURSE:
        if qualification == Qualification.NURSE:
            return _supervision_problem(person, policy.clinic, day)
        if qualification != Qualification.PHYSICIAN:
            return refused
    return None


def may_inject(
    practitioner: Practitioner, clinic: Clinic, on_date: datetime.date
) -> InjectionDecision:
    """Whether the practitioner may inject in this clinic on this date, and why (not)."""
    if practitioner.clinic_id != clinic.pk:
        return InjectionDecision(
            False,
            _("%(name)s is not a practitioner of %(clinic)s.")
            % {"name": practitioner.full_name, "clinic": clinic.name},
        )
    if not practitioner.is_active:
        return InjectionDecision(
            False, _("%(name)s is not active.") % {"name": practitioner.full_name}
        )
    policy = policy_for(clinic)
    problem = _licence_problem(practitioner, clinic, on_date) or _rule_problem(
        practitioner, policy, on_date
    )
    if (
        problem is None
        and policy.require_training
        and (practitioner.training_date is None or practitioner.training_date > on_date)
    ):
        problem = _("%(name)s has no mesotherapy training on record.") % {
            "name": practitioner.full_name
        }
    if problem:
        return InjectionDecision(False, problem)
    return InjectionDecision(
        True,
        _("%(name)s may inject under \u201c%(rule)s\u201d (licence valid until %(date)s).")
        % {
            "name": practitioner.full_name,
            "rule": InjectionRule(policy.rule).label,
            "date": practitioner.licence_expiry.isoformat() if practitioner.licence_expiry else "",
        },
    )


@transaction.atomic
def save_practitioner(actor: Actor, practitioner: Practitioner) -> Practitioner:
    """Creates or updates a practitioner (already validated by its form or schema)."""
    creating = practitioner.pk is None
    before = {}
    if not creating:
        before = audit.snapshot(Practitioner.objects.get(pk=practitioner.pk), PRACTITIONER_FIELDS)
    practitioner.full_clean()
    practitioner.save()
    after = audit.snapshot(practitioner, PRACTITIONER_FIELDS)
    audit.record(
        actor,
        AuditAction.CREATE if creating else AuditAction.UPDATE,
        ObjectType.PRACTITIONER,
        object_id=practitioner.pk,
        changes=audit.diff(before, after),
        clinic=practitioner.clinic,
    )
    return practitioner


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
        ObjectType.INJECTION_POLICY,
        object_id=policy.pk,
        changes=audit.diff(before, audit.snapshot(policy, ["rule", "require_training"])),
        clinic=clinic,
    )
    return policy
