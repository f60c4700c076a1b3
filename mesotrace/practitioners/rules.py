"""Who may inject: the clinic's policy applied to a practitioner's licence, qualification,
supervision and training on a given day. No database: the policy is given (`queries`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from mesotrace.accounts.models import Clinic
from mesotrace.core import formats
from mesotrace.practitioners.models import (
    InjectionPolicy,
    InjectionRule,
    Practitioner,
    Qualification,
)


@dataclass(frozen=True)
class InjectionDecision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _licence_problem(person: Practitioner, clinic: Clinic, day: datetime.date) -> str | None:
    if not person.licence_number or person.licence_expiry is None:
        return _("%(name)s has no licence number and expiry on record.") % {
            "name": person.full_name
        }
    if person.licence_expiry < day:
        return _("%(name)s's licence expired on %(date)s.") % {
            "name": person.full_name,
            "date": formats.day(person.licence_expiry),
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
        "The clinic's policy is “%(rule)s” and %(name)s is recorded as: %(qualification)s."
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


def not_here(practitioner: Practitioner, clinic: Clinic) -> InjectionDecision | None:
    """The refusal of a practitioner of another clinic or no longer active, whatever the policy."""
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
    return None


def decide(
    practitioner: Practitioner, clinic: Clinic, policy: InjectionPolicy, on_date: datetime.date
) -> InjectionDecision:
    """Whether an active practitioner of the clinic may inject under its policy on this date."""
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
        _("%(name)s may inject under “%(rule)s” (licence valid until %(date)s).")
        % {
            "name": practitioner.full_name,
            "rule": InjectionRule(policy.rule).label,
            "date": formats.day(practitioner.licence_expiry),
        },
    )
