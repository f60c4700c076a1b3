"""Reads of practitioners: the clinic's list, its injection policy, and `may_inject`, which
charting and booking call."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from mesotrace.accounts.models import Clinic, User
from mesotrace.practitioners.models import InjectionPolicy, InjectionRule, Practitioner
from mesotrace.practitioners.rules import InjectionDecision, decide, not_here


def practitioners_of(clinic: Clinic) -> QuerySet[Practitioner]:
    """The clinic's practitioners with what deciding who may inject reads of each."""
    return Practitioner.objects.for_clinic(clinic).select_related("clinic", "supervising_physician")


def name_of(clinic: Clinic, user: User | None) -> str:
    """What a page calls a user who signed something: their practitioner name in the
    clinic, or their email when they are not a practitioner there."""
    if user is None:
        return ""
    practitioner = Practitioner.objects.for_clinic(clinic).filter(user=user).first()
    return practitioner.full_name if practitioner else user.email


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


def may_inject(
    practitioner: Practitioner, clinic: Clinic, on_date: datetime.date
) -> InjectionDecision:
    """Whether the practitioner may inject in this clinic on this date, and why (not)."""
    refused = not_here(practitioner, clinic)
    if refused is not None:
        return refused
    return decide(practitioner, clinic, policy_for(clinic), on_date)
