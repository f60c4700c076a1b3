"""The owner keeps practitioners' credentials and the injection policy up to date from the pages."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.practitioners.models import InjectionPolicy, Practitioner
from tests.conftest import World, make_practitioner

NOTHING_SAVED = "Please correct the fields marked below; nothing was saved."


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "full_name": "Dr Élise Moreau",
        "qualification": "physician",
        "user": "",
        "licence_number": "RPPS-10099900012",
        "licence_jurisdiction": "FR",
        "licence_expiry": "2030-12-31",
        "training_certificate": "DIU de mésothérapie",
        "training_date": "2015-06-30",
        "supervising_physician": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def owner(world: World, login: Callable[[User], Client]) -> Client:
    return login(world.members["owner"])


def test_owner_adds_a_practitioner_through_the_form(world: World, owner: Client) -> None:
    practitioner_user = world.members["practitioner"]
    response = owner.post("/practitioners/new/", _form(user=practitioner_user.pk))
    person = Practitioner.objects.for_clinic(world.clinic).get()
    assert response.status_code == 302
    assert response["Location"] == f"/practitioners/{person.pk}/"
    assert person.full_name == "Dr Élise Moreau"
    assert person.user == practitioner_user
    assert person.licence_expiry == datetime.date(2030, 12, 31)
    assert person.training_date == datetime.date(2015, 6, 30)
    assert "Dr Élise Moreau" in owner.get("/practitioners/").content.decode()


def test_owner_edits_a_practitioner_through_the_form(world: World, owner: Client) -> None:
    person = make_practitioner(world.clinic)
    response = owner.post(
        f"/practitioners/{person.pk}/edit/",
        _form(full_name="Dr Jeanne Martin-Roux", licence_expiry="2031-01-15"),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.full_name == "Dr Jeanne Martin-Roux"
    assert person.licence_expiry == datetime.date(2031, 1, 15)


def test_owner_puts_a_nurse_under_a_supervising_physician(world: World, owner: Client) -> None:
    physician = make_practitioner(world.clinic)
    response = owner.post(
        "/practitioners/new/",
        _form(full_name="Julien Petit", qualification="nurse", supervising_physician=physician.pk),
    )
    assert response.status_code == 302
    nurse = Practitioner.objects.for_clinic(world.clinic).get(full_name="Julien Petit")
    assert nurse.supervising_physician == physician


BAD_INPUT = {
    "over-long name": ({"full_name": "x" * 201}, "full_name"),
    "over-long licence number": ({"licence_number": "9" * 51}, "licence_number"),
    "jurisdiction that is not a code": ({"licence_jurisdiction": "fr"}, "licence_jurisdiction"),
    "over-long jurisdiction": ({"licence_jurisdiction": "France"}, "licence_jurisdiction"),
    "impossible expiry date": ({"licence_expiry": "2030-02-31"}, "licence_expiry"),
    "training date that is not a date": ({"training_date": "last June"}, "training_date"),
    "unknown qualification": ({"qualification": "surgeon"}, "qualification"),
    "over-long certificate": ({"training_certificate": "c" * 201}, "training_certificate"),
}


@pytest.mark.parametrize(("changes", "field"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_on_a_new_practitioner_shows_the_field_and_saves_nothing(
    world: World, owner: Client, changes: dict[str, Any], field: str
) -> None:
    events = AuditEvent.objects.count()
    response = owner.post("/practitioners/new/", _form(**changes))
    assert response.status_code == 200
    assert NOTHING_SAVED in response.content.decode()
    assert field in response.context["form"].errors
    assert not Practitioner.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(("changes", "field"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_on_an_edit_leaves_the_practitioner_unchanged(
    world: World, owner: Client, changes: dict[str, Any], field: str
) -> None:
    person = make_practitioner(world.clinic)
    response = owner.post(f"/practitioners/{person.pk}/edit/", _form(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    saved = Practitioner.objects.get(pk=person.pk)
    assert (saved.full_name, saved.licence_number, saved.licence_jurisdiction) == (
        "Dr Jeanne Martin",
        "RPPS-10000000001",
        "FR",
    )
    assert saved.licence_expiry == datetime.date(2099, 1, 1)


def test_a_nurse_cannot_be_chosen_as_supervisor(world: World, owner: Client) -> None:
    physician = make_practitioner(world.clinic)
    nurse = make_practitioner(
        world.clinic, full_name="Nurse A", qualification="nurse", supervising_physician=physician
    )
    response = owner.post(
        "/practitioners/new/",
        _form(full_name="Nurse B", qualification="nurse", supervising_physician=nurse.pk),
    )
    assert response.status_code == 200
    assert "supervising_physician" in response.context["form"].errors
    assert not Practitioner.objects.filter(full_name="Nurse B").exists()


def test_a_physician_cannot_supervise_themselves(world: World, owner: Client) -> None:
    person = make_practitioner(world.clinic)
    response = owner.post(
        f"/practitioners/{person.pk}/edit/", _form(supervising_physician=person.pk)
    )
    assert response.status_code == 200
    assert "supervising_physician" in response.context["form"].errors
    assert Practitioner.objects.get(pk=person.pk).supervising_physician is None


def test_another_clinics_physician_or_member_cannot_be_chosen(world: World, owner: Client) -> None:
    foreign = make_practitioner(world.other_clinic, licence_jurisdiction="US")
    response = owner.post(
        "/practitioners/new/",
        _form(supervising_physician=foreign.pk, user=world.outsider.pk),
    )
    assert response.status_code == 200
    assert {"supervising_physician", "user"} <= set(response.context["form"].errors)
    assert not Practitioner.objects.for_clinic(world.clinic).exists()


def test_a_member_has_at_most_one_practitioner_profile(world: World, owner: Client) -> None:
    member = world.members["practitioner"]
    make_practitioner(world.clinic, user=member)
    response = owner.post("/practitioners/new/", _form(full_name="Second", user=member.pk))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Practitioner.objects.for_clinic(world.clinic).count() == 1


def test_only_the_owner_manages_practitioners(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    assert client.post("/practitioners/new/", _form()).status_code == 403
    assert not Practitioner.objects.exists()


def test_owner_changes_the_injection_policy(world: World, owner: Client) -> None:
    response = owner.post(
        "/practitioners/policy/", {"rule": "physician_or_supervised_nurse", "require_training": ""}
    )
    assert response.status_code == 302
    policy = InjectionPolicy.objects.get(clinic=world.clinic)
    assert policy.rule == "physician_or_supervised_nurse"
    assert policy.require_training is False
    listing = owner.get("/practitioners/").content.decode()
    assert "Licensed physician, or licensed nurse with a supervising physician" in listing


def test_an_unknown_policy_rule_is_refused(world: World, owner: Client) -> None:
    response = owner.post("/practitioners/policy/", {"rule": "anyone", "require_training": "on"})
    assert response.status_code == 200
    assert "rule" in response.context["form"].errors
    assert not InjectionPolicy.objects.filter(clinic=world.clinic).exists()


def _events(world: World, object_type: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.for_clinic(world.clinic).filter(object_type=object_type).order_by("id")
    )


def test_adding_and_editing_a_practitioner_is_audited(world: World, owner: Client) -> None:
    owner.post("/practitioners/new/", _form(), HTTP_X_REQUEST_ID="req-add-1")
    person = Practitioner.objects.for_clinic(world.clinic).get()
    owner.post(f"/practitioners/{person.pk}/edit/", _form(licence_number="RPPS-2"))
    created, changed = _events(world, "practitioner")
    assert (created.action, created.actor, created.object_id) == (
        "create",
        world.members["owner"],
        str(person.pk),
    )
    assert created.request_id == "req-add-1"
    assert created.changes["full_name"] == {"before": None, "after": "Dr Élise Moreau"}
    assert changed.action == "update"
    assert changed.changes == {"licence_number": {"before": "RPPS-10099900012", "after": "RPPS-2"}}


def test_changing_the_injection_policy_is_audited(world: World, owner: Client) -> None:
    owner.post("/practitioners/policy/", {"rule": "any_licensed", "require_training": "on"})
    owner.post("/practitioners/policy/", {"rule": "physician_only", "require_training": "on"})
    first, second = _events(world, "injection_policy")
    assert first.actor == world.members["owner"]
    assert first.changes["rule"] == {"before": None, "after": "any_licensed"}
    assert second.changes == {"rule": {"before": "any_licensed", "after": "physician_only"}}
