"""Who may inject, on which day, under each clinic policy; and why not, in words staff act on."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from mesotrace.accounts.models import Clinic, User
from mesotrace.practitioners.models import InjectionRule, Practitioner, Qualification
from mesotrace.practitioners.queries import may_inject
from mesotrace.practitioners.services import set_injection_policy
from tests.conftest import SYSTEM, World, make_clinic, make_practitioner

DAY = datetime.date(2025, 3, 14)
ALL_RULES = list(InjectionRule)


def _policy(clinic: Clinic, rule: InjectionRule, require_training: bool = True) -> None:
    set_injection_policy(SYSTEM, clinic, rule=rule, require_training=require_training)


def _nurse(
    clinic: Clinic, supervisor: Practitioner | None = None, **overrides: object
) -> Practitioner:
    fields: dict[str, object] = {
        "full_name": "Julien Petit, IDE",
        "qualification": Qualification.NURSE,
        "licence_number": "ADELI-759900341",
        "supervising_physician": supervisor,
    }
    fields.update(overrides)
    return make_practitioner(clinic, **fields)


@pytest.mark.parametrize("rule", ALL_RULES)
def test_licensed_trained_physician_may_inject_under_every_rule(
    world: World, rule: InjectionRule
) -> None:
    _policy(world.clinic, rule)
    decision = may_inject(make_practitioner(world.clinic), world.clinic, DAY)
    assert decision.allowed
    assert bool(decision) is True
    assert "Dr Jeanne Martin may inject" in decision.reason
    assert str(rule.label) in decision.reason


def test_nurse_is_refused_under_physician_only_with_the_policy_named(world: World) -> None:
    _policy(world.clinic, InjectionRule.PHYSICIAN_ONLY)
    physician = make_practitioner(world.clinic)
    decision = may_inject(_nurse(world.clinic, physician), world.clinic, DAY)
    assert not decision.allowed
    assert bool(decision) is False
    assert decision.reason == (
        "The clinic's policy is \u201cLicensed physician only\u201d "
        "and Julien Petit, IDE is recorded as: nurse."
    )


def test_clinic_without_a_policy_allows_physicians_only(world: World) -> None:
    physician = make_practitioner(world.clinic)
    nurse = _nurse(world.clinic, physician)
    assert may_inject(physician, world.clinic, DAY).allowed
    refused = may_inject(nurse, world.clinic, DAY)
    assert not refused.allowed
    assert "Licensed physician only" in refused.reason


def test_supervised_nurse_may_inject_under_physician_or_supervised_nurse(world: World) -> None:
    _policy(world.clinic, InjectionRule.PHYSICIAN_OR_SUPERVISED_NURSE)
    nurse = _nurse(world.clinic, make_practitioner(world.clinic))
    decision = may_inject(nurse, world.clinic, DAY)
    assert decision.allowed, decision.reason


def test_unsupervised_nurse_is_refused_under_physician_or_supervised_nurse(world: World) -> None:
    _policy(world.clinic, InjectionRule.PHYSICIAN_OR_SUPERVISED_NURSE)
    decision = may_inject(_nurse(world.clinic), world.clinic, DAY)
    assert not decision.allowed
    assert (
        decision.reason == "Julien Petit, IDE is a nurse with no supervising physician on record."
    )


def test_nurse_whose_supervisor_licence_lapsed_is_refused(world: World) -> None:
    _policy(world.clinic, InjectionRule.PHYSICIAN_OR_SUPERVISED_NURSE)
    supervisor = make_practitioner(world.clinic, licence_expiry=datetime.date(2025, 1, 31))
    decision = may_inject(_nurse(world.clinic, supervisor), world.clinic, DAY)
    assert not decision.allowed
    assert decision.reason == (
        "Supervising physician: Dr Jeanne Martin's licence expired on 2025-01-31."
    )


def test_nurse_whose_supervisor_left_the_clinic_is_refused(world: World) -> None:
    _policy(world.clinic, InjectionRule.PHYSICIAN_OR_SUPERVISED_NURSE)
    supervisor = make_practitioner(world.clinic, is_active=False)
    decision = may_inject(_nurse(world.clinic, supervisor), world.clinic, DAY)
    assert not decision.allowed
    assert "supervising physician is not active in this clinic" in decision.reason


def test_other_qualification_needs_the_any_licensed_rule(world: World) -> None:
    other = make_practitioner(world.clinic, full_name="Alex Roy", qualification=Qualification.OTHER)
    _policy(world.clinic, InjectionRule.PHYSICIAN_OR_SUPERVISED_NURSE)
    refused = may_inject(other, world.clinic, DAY)
    assert not refused.allowed
    assert refused.reason.startswith("The clinic's policy is \u201cLicensed physician, or")
    _policy(world.clinic, InjectionRule.ANY_LICENSED)
    assert may_inject(other, world.clinic, DAY).allowed


def test_unsupervised_nurse_may_inject_under_any_licensed(world: World) -> None:
    _policy(world.clinic, InjectionRule.ANY_LICENSED)
    assert may_inject(_nurse(world.clinic), world.clinic, DAY).allowed


@pytest.mark.parametrize("rule", ALL_RULES)
def test_expired_licence_is_refused_after_expiry_but_allowed_until_then(
    world: World, rule: InjectionRule
) -> None:
    _policy(world.clinic, rule)
    physician = make_practitioner(world.clinic, licence_expiry=datetime.date(2024, 6, 30))
    assert may_inject(physician, world.clinic, datetime.date(2024, 6, 1)).allowed
    assert may_inject(physician, world.clinic, datetime.date(2024, 6, 30)).allowed
    after = may_inject(physician, world.clinic, datetime.date(2024, 7, 1))
    assert not after.allowed
    assert after.reason == "Dr Jeanne Martin's licence expired on 2024-06-30."


def test_licence_without_number_or_expiry_is_refused(world: World) -> None:
    no_number = make_practitioner(world.clinic, licence_number="")
    no_expiry = make_practitioner(world.clinic, full_name="Dr Paul Roux", licence_expiry=None)
    for person in (no_number, no_expiry):
        decision = may_inject(person, world.clinic, DAY)
        assert not decision.allowed
        assert decision.reason == f"{person.full_name} has no licence number and expiry on record."


def test_licence_from_another_country_is_refused(world: World) -> None:
    physician = make_practitioner(world.clinic, licence_jurisdiction="US-NY")
    decision = may_inject(physician, world.clinic, DAY)
    assert not decision.allowed
    assert decision.reason == "Dr Jeanne Martin's licence was issued in US-NY, not in FR."


def test_licence_from_a_state_of_the_clinic_country_is_accepted(db: object) -> None:
    clinic = make_clinic("gamma", jurisdiction="US", currency="USD")
    physician = make_practitioner(clinic, licence_jurisdiction="US-NY")
    assert may_inject(physician, clinic, DAY).allowed


def test_licence_with_no_issuing_jurisdiction_is_refused(world: World) -> None:
    physician = make_practitioner(world.clinic, licence_jurisdiction="")
    decision = may_inject(physician, world.clinic, DAY)
    assert not decision.allowed
    assert decision.reason == "Dr Jeanne Martin's licence has no issuing jurisdiction on record."


def test_missing_training_is_refused_when_the_policy_requires_it(world: World) -> None:
    _policy(world.clinic, InjectionRule.PHYSICIAN_ONLY, require_training=True)
    untrained = make_practitioner(world.clinic, training_certificate="", training_date=None)
    decision = may_inject(untrained, world.clinic, DAY)
    assert not decision.allowed
    assert decision.reason == "Dr Jeanne Martin has no mesotherapy training on record."
    _policy(world.clinic, InjectionRule.PHYSICIAN_ONLY, require_training=False)
    assert may_inject(untrained, world.clinic, DAY).allowed


def test_training_counts_only_from_the_day_it_was_completed(world: World) -> None:
    physician = make_practitioner(world.clinic, training_date=datetime.date(2025, 3, 15))
    assert not may_inject(physician, world.clinic, datetime.date(2025, 3, 14)).allowed
    assert may_inject(physician, world.clinic, datetime.date(2025, 3, 15)).allowed


def test_inactive_practitioner_is_refused(world: World) -> None:
    decision = may_inject(make_practitioner(world.clinic, is_active=False), world.clinic, DAY)
    assert not decision.allowed
    assert decision.reason == "Dr Jeanne Martin is not active."


def test_practitioner_of_another_clinic_is_refused(world: World) -> None:
    visitor = make_practitioner(world.other_clinic, licence_jurisdiction="US")
    decision = may_inject(visitor, world.clinic, DAY)
    assert not decision.allowed
    assert decision.reason == "Dr Jeanne Martin is not a practitioner of Clinic alpha."


@pytest.mark.parametrize("rule", ALL_RULES)
def test_every_refusal_reads_as_a_sentence_not_a_code(world: World, rule: InjectionRule) -> None:
    _policy(world.clinic, rule)
    physician = make_practitioner(world.clinic)
    people = [
        _nurse(world.clinic),
        _nurse(world.clinic, physician, full_name="Nurse Two", training_date=None),
        make_practitioner(
            world.clinic, full_name="Dr Old", licence_expiry=datetime.date(2020, 1, 1)
        ),
        make_practitioner(world.clinic, full_name="Dr Abroad", licence_jurisdiction="DE"),
        make_practitioner(world.clinic, full_name="Alex Roy", qualification=Qualification.OTHER),
    ]
    refusals = [d for d in (may_inject(p, world.clinic, DAY) for p in people) if not d.allowed]
    assert refusals
    for decision in refusals:
        assert decision.reason.endswith(".")
        assert decision.reason[0].isupper()
        for code in ("physician_only", "supervised_nurse", "any_licensed", "None", "%("):
            assert code not in decision.reason


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


EXPIRED_BADGE = '<span class="badge bad">expired</span>'


def test_practitioner_pages_flag_an_expired_licence(
    world: World, login: Callable[[User], Client]
) -> None:
    today = timezone.localdate()
    lapsed = make_practitioner(
        world.clinic, full_name="Dr Hugo Lefevre", licence_expiry=today - datetime.timedelta(30)
    )
    client = login(world.members["front_desk"])
    listing = _page(client, "/practitioners/")
    assert "Dr Hugo Lefevre" in listing
    assert EXPIRED_BADGE in listing
    detail = _page(client, f"/practitioners/{lapsed.pk}/")
    assert EXPIRED_BADGE in detail
    assert "licence expired on" in detail


def test_practitioner_pages_do_not_flag_a_valid_licence(
    world: World, login: Callable[[User], Client]
) -> None:
    valid = make_practitioner(
        world.clinic, licence_expiry=timezone.localdate() + datetime.timedelta(30)
    )
    client = login(world.members["front_desk"])
    assert EXPIRED_BADGE not in _page(client, "/practitioners/")
    assert EXPIRED_BADGE not in _page(client, f"/practitioners/{valid.pk}/")
