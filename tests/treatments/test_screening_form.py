"""Screening in one form: every open warning on one page, in plain words, acknowledged together
with one reason each; what the record already answers is not asked."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent, ObjectType
from mesotrace.treatments.models import ScreeningAcknowledgement, TreatmentPlan
from mesotrace.treatments.queries.plans import screen_patient, screening_for
from tests.conftest import World, make_patient
from tests.treatments.builders import HAIR, make_plan, shipped

Login = Callable[[User], Client]


def _plan_with_warnings(world: World) -> TreatmentPlan:
    patient = make_patient(
        world.clinic,
        pregnancy_status="unknown",
        medications=[{"name": "Warfarin", "dose": "5 mg"}],
    )
    return make_plan(world.clinic, patient=patient)


def _answers(
    plan: TreatmentPlan, reason: str = "Checked with the patient."
) -> dict[str, list[str]]:
    open_items = [i for i in screening_for(plan) if i.open and not i.warning.blocking]
    return {
        "code": [i.warning.code for i in open_items],
        "fingerprint": [i.warning.fingerprint for i in open_items],
        "reason": [reason for _item in open_items],
    }


def test_every_open_warning_is_acknowledged_in_one_post(world: World, login: Login) -> None:
    plan = _plan_with_warnings(world)
    answers = _answers(plan)
    assert len(answers["code"]) >= 3
    client = login(world.members["practitioner"])
    page = client.get(f"/treatments/plans/{plan.pk}/").content.decode()
    assert page.count('name="reason"') == len(answers["code"])
    assert page.count('<form method="post" action="/treatments/plans/') == 2  # screening, activate
    response = client.post(f"/treatments/plans/{plan.pk}/acknowledge/", answers)
    assert response.status_code == 302
    assert ScreeningAcknowledgement.objects.filter(plan=plan).count() == len(answers["code"])
    assert not [i for i in screening_for(plan) if i.open]
    audited = AuditEvent.objects.filter(object_type=ObjectType.SCREENING_ACKNOWLEDGEMENT)
    assert audited.count() == len(answers["code"])
    after = client.get(response["Location"]).content.decode()
    assert f"{len(answers['code'])} warnings acknowledged." in after


def test_one_missing_reason_saves_nothing_and_keeps_what_was_typed(
    world: World, login: Login
) -> None:
    plan = _plan_with_warnings(world)
    answers = _answers(plan, "Scalp inspected.")
    answers["reason"][1] = "  "
    client = login(world.members["practitioner"])
    response = client.post(f"/treatments/plans/{plan.pk}/acknowledge/", answers)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("Give the reason treatment may go ahead.") == 1
    assert body.count(">Scalp inspected.</textarea>") == len(answers["code"]) - 1
    assert not ScreeningAcknowledgement.objects.exists()


def test_a_changed_warning_is_refused_with_the_others(world: World, login: Login) -> None:
    plan = _plan_with_warnings(world)
    answers = _answers(plan)
    answers["fingerprint"][0] = "0" * 32
    response = login(world.members["practitioner"]).post(
        f"/treatments/plans/{plan.pk}/acknowledge/", answers
    )
    assert response.status_code == 200
    assert "has changed since it was shown" in response.content.decode()
    assert not ScreeningAcknowledgement.objects.exists()


def test_the_page_shows_sentences_not_codes(world: World, login: Login) -> None:
    plan = _plan_with_warnings(world)
    page = login(world.members["practitioner"]).get(f"/treatments/plans/{plan.pk}/")
    body = page.content.decode()
    assert "<code>" not in body
    assert ">check." not in body
    assert "The patient takes Warfarin (5 mg)" in body


def test_an_adult_is_not_asked_about_children_and_a_man_not_about_pregnancy(
    world: World,
) -> None:
    man = make_patient(
        world.clinic,
        sex="male",
        pregnancy_status="unknown",
        date_of_birth=datetime.date(1990, 3, 1),
    )
    warnings = screen_patient(man, shipped(HAIR), world.clinic)
    assert not [w for w in warnings if "child" in w.message.lower()]
    assert not [w for w in warnings if w.field == "pregnancy_status"]
    woman = make_patient(world.clinic, pregnancy_status="unknown")
    asked = screen_patient(woman, shipped(HAIR), world.clinic)
    assert [w for w in asked if w.code == "pregnancy_status_unknown"]
    born = datetime.date.today() - datetime.timedelta(days=15 * 365)
    child = make_patient(world.clinic, date_of_birth=born)
    minor = screen_patient(child, shipped(HAIR), world.clinic)
    assert [w.code for w in minor if "child" in w.message.lower()] == ["age_under_18"]


def test_a_nurse_cannot_post_the_screening_form(world: World, login: Login) -> None:
    plan = _plan_with_warnings(world)
    response = login(world.members["nurse"]).post(
        f"/treatments/plans/{plan.pk}/acknowledge/", _answers(plan)
    )
    assert response.status_code == 403
    assert not ScreeningAcknowledgement.objects.exists()
