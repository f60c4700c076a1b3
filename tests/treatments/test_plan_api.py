"""`/api/v1/plans`: create, read, change, screen, acknowledge, activate; bad input is a 422."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesotrace.accounts.models import Clinic, User
from mesotrace.catalogue.models import BodyZone, Protocol
from mesotrace.treatments.models import PlanStatus, ScreeningAcknowledgement, TreatmentPlan
from tests.conftest import World, make_patient, make_practitioner
from tests.treatments.builders import HAIR, PAIN, PC_DC, clinic_protocol, make_plan, shipped

Headers = Callable[[User, Clinic], dict[str, Any]]


@pytest.fixture
def api(world: World, client: Client, bearer: Headers) -> Callable[..., Any]:
    """Calls the API as the clinic's practitioner (or another member) and returns the response."""

    def call(method: str, path: str, body: Any = None, role: str = "practitioner") -> Any:
        headers = bearer(world.members[role], world.clinic)
        send = getattr(client, method.lower())
        if body is None:
            return send("/api/v1" + path, **headers)
        return send(
            "/api/v1" + path, data=json.dumps(body), content_type="application/json", **headers
        )

    return call


def _body(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "patient_id": make_patient(world.clinic).pk,
        "protocol_id": shipped(HAIR).pk,
        "practitioner_id": make_practitioner(world.clinic).pk,
        "price_per_session": "250.00",
    }
    body.update(overrides)
    return body


def _fields(response: Any) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


def test_create_plan_defaults_from_the_protocol_and_totals_the_price(
    world: World, api: Callable[..., Any]
) -> None:
    response = api(
        "POST",
        "/plans",
        _body(
            world,
            discount_percent="10",
            diet_type="mediterranean",
            exercise_minutes_per_week=150,
            goals=[
                {
                    "text": "Denser crown",
                    "measure": "hair_density",
                    "change": "12",
                    "unit": "hairs/cm2",
                    "weeks": 24,
                }
            ],
        ),
    )
    assert response.status_code == 201, response.json()
    plan = response.json()
    assert (plan["planned_sessions"], plan["interval_days"]) == (10, 14)
    assert (plan["list_total"], plan["total"], plan["currency"]) == ("2500.00", "2250.00", "EUR")
    assert plan["status"] == "draft"
    assert plan["zone_ids"] == [BodyZone.objects.get(slug="scalp").pk]
    assert plan["goals"][0]["target"].startswith("Hair density +12")
    assert api("GET", f"/plans/{plan['id']}").json()["total"] == "2250.00"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price_per_session": "-0.01"}, "price_per_session"),
        ({"price_per_session": "1e9"}, "price_per_session"),
        ({"price_per_session": "12.345"}, "price_per_session"),
        ({"planned_sessions": 0}, "planned_sessions"),
        ({"planned_sessions": 51}, "planned_sessions"),
        ({"interval_days": -7}, "interval_days"),
        ({"interval_days": 400}, "interval_days"),
        ({"discount_percent": "120"}, "discount_percent"),
        ({"package_price": "2000", "discount_percent": "5"}, "discount_percent"),
        ({"protocol_id": 999999}, "protocol_id"),
        ({"practitioner_id": 999999}, "practitioner_id"),
        ({"patient_id": 999999}, "patient_id"),
        ({"zone_ids": [999999]}, "zone_ids"),
        ({"zone_ids": []}, "zone_ids"),
        ({"favourite_colour": "teal"}, "favourite_colour"),
        ({"status": "active"}, "status"),
        ({"goals": [{"text": "x", "weeks": 0}]}, "goals.0.weeks"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_saves_nothing(
    world: World, api: Callable[..., Any], overrides: dict[str, Any], field: str
) -> None:
    response = api("POST", "/plans", _body(world, **overrides))
    assert response.status_code == 422, response.json()
    assert field in _fields(response)
    assert not TreatmentPlan.objects.exists()


def test_a_banned_protocol_is_refused_naming_the_rule_and_its_source(
    world: World, api: Callable[..., Any]
) -> None:
    response = api("POST", "/plans", _body(world, protocol_id=shipped(PC_DC).pk))
    assert response.status_code == 422
    error = next(e for e in response.json()["errors"] if e["field"] == "protocol_id")
    assert "2011-382" in error["message"]
    assert "legifrance.gouv.fr" in error["message"]
    assert not TreatmentPlan.objects.exists()


def test_another_clinics_patient_practitioner_and_protocol_are_not_found(
    world: World, api: Callable[..., Any]
) -> None:
    theirs: Protocol = clinic_protocol(world.other_clinic, [], slug="beta-only")
    for field, pk in [
        ("patient_id", make_patient(world.other_clinic).pk),
        ("practitioner_id", make_practitioner(world.other_clinic).pk),
        ("protocol_id", theirs.pk),
    ]:
        response = api("POST", "/plans", _body(world, **{field: pk}))
        assert response.status_code == 422
        assert field in _fields(response)
    assert not TreatmentPlan.objects.exists()


def test_list_plans_filters_by_patient_and_status(world: World, api: Callable[..., Any]) -> None:
    first = make_plan(world.clinic)
    make_plan(world.clinic, patient=make_patient(world.clinic, family_name="Other"))
    listing = api("GET", f"/plans?patient_id={first.patient_id}").json()
    assert [p["id"] for p in listing["items"]] == [first.pk]
    assert api("GET", "/plans?status=active").json()["count"] == 0
    assert api("GET", "/plans?colour=red").status_code == 422


def test_screening_lists_warnings_with_source_and_mark(
    world: World, api: Callable[..., Any]
) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Lidocaine"}])
    plan = make_plan(world.clinic, patient=patient, protocol=PAIN)
    screening = api("GET", f"/plans/{plan.pk}/screening").json()
    assert screening["may_activate"] is False
    allergy = next(w for w in screening["warnings"] if w["code"] == "allergy.lidocaine.lidocaine")
    assert allergy["field"] == "allergies"
    assert allergy["verification"] == "U"
    assert allergy["acknowledgement"] is None
    pregnancy = next(w for w in screening["warnings"] if w["code"] == "check.coagulation_disorder")
    assert pregnancy["verification"] == "V2"
    assert pregnancy["source_url"].startswith("http")
    assert screening["unacknowledged"] == len(screening["warnings"])


def test_front_desk_may_not_read_the_screening(world: World, api: Callable[..., Any]) -> None:
    plan = make_plan(world.clinic)
    response = api("GET", f"/plans/{plan.pk}/screening", role="front_desk")
    assert response.status_code == 403


def test_acknowledge_every_warning_then_activate(world: World, api: Callable[..., Any]) -> None:
    plan = make_plan(world.clinic, patient=make_patient(world.clinic, pregnancy_status="unknown"))
    refused = api("POST", f"/plans/{plan.pk}/activate")
    assert refused.status_code == 422
    assert "screening" in _fields(refused)

    for warning in api("GET", f"/plans/{plan.pk}/screening").json()["warnings"]:
        response = api(
            "POST",
            f"/plans/{plan.pk}/acknowledgements",
            {"code": warning["code"], "fingerprint": warning["fingerprint"], "reason": "Asked."},
        )
        assert response.status_code == 201, response.json()
        assert response.json()["acknowledged_by"] == "practitioner@alpha.test"
    assert api("GET", f"/plans/{plan.pk}/screening").json()["may_activate"] is True

    activated = api("POST", f"/plans/{plan.pk}/activate")
    assert activated.status_code == 200
    assert activated.json()["status"] == "active"
    assert api("POST", f"/plans/{plan.pk}/activate").status_code == 422  # already active


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "code"),
        ({"code": "check.infection_at_site", "fingerprint": "x"}, "reason"),
        ({"code": "check.infection_at_site", "fingerprint": "x", "reason": "   "}, "reason"),
        ({"code": "no.such.warning", "fingerprint": "x", "reason": "ok"}, "code"),
        (
            {"code": "check.infection_at_site", "fingerprint": "stale", "reason": "ok"},
            "fingerprint",
        ),
        ({"code": "check.infection_at_site", "fingerprint": "x", "reason": "ok", "by": 1}, "by"),
    ],
)
def test_bad_acknowledgements_are_refused(
    world: World, api: Callable[..., Any], body: dict[str, Any], field: str
) -> None:
    plan = make_plan(world.clinic)
    response = api("POST", f"/plans/{plan.pk}/acknowledgements", body)
    assert response.status_code == 422
    assert field in _fields(response)
    assert not ScreeningAcknowledgement.objects.exists()


def test_a_nurse_may_not_acknowledge(world: World, api: Callable[..., Any]) -> None:
    plan = make_plan(world.clinic)
    response = api(
        "POST",
        f"/plans/{plan.pk}/acknowledgements",
        {"code": "check.infection_at_site", "fingerprint": "x", "reason": "ok"},
        role="nurse",
    )
    assert response.status_code == 403


def test_patch_changes_price_and_stops_with_a_reason(world: World, api: Callable[..., Any]) -> None:
    plan = make_plan(world.clinic)
    changed = api(
        "PATCH", f"/plans/{plan.pk}", {"price_per_session": "200", "package_price": "1800"}
    )
    assert changed.status_code == 200
    assert changed.json()["total"] == "1800.00"
    assert api("PATCH", f"/plans/{plan.pk}", {"package_price": None}).json()["total"] == "2000.00"

    no_reason = api("PATCH", f"/plans/{plan.pk}", {"status": "stopped"})
    assert no_reason.status_code == 422
    assert "stop_reason" in _fields(no_reason)
    stopped = api("PATCH", f"/plans/{plan.pk}", {"status": "stopped", "stop_reason": "Declined."})
    assert stopped.json()["status"] == "stopped"
    again = api("PATCH", f"/plans/{plan.pk}", {"price_per_session": "1"})
    assert again.status_code == 422
    plan.refresh_from_db()
    assert plan.status == PlanStatus.STOPPED
    assert str(plan.price_per_session) == "200.00"


def test_patch_with_bad_values_changes_nothing(world: World, api: Callable[..., Any]) -> None:
    plan = make_plan(world.clinic)
    for body in (
        {"planned_sessions": None},
        {"planned_sessions": 0, "price_per_session": "1"},
        {"protocol_id": shipped(PC_DC).pk},
        {"interval_days": "weekly"},
    ):
        assert api("PATCH", f"/plans/{plan.pk}", body).status_code == 422, body
    plan.refresh_from_db()
    assert (plan.planned_sessions, str(plan.price_per_session)) == (10, "250.00")
    assert plan.protocol == shipped(HAIR)


def test_another_clinics_plan_is_not_found(world: World, client: Client, bearer: Headers) -> None:
    plan = make_plan(world.clinic)
    headers = bearer(world.outsider, world.other_clinic)
    for method, path in [
        ("get", f"/plans/{plan.pk}"),
        ("get", f"/plans/{plan.pk}/screening"),
        ("post", f"/plans/{plan.pk}/activate"),
        ("post", f"/plans/{plan.pk}/acknowledgements"),
        ("patch", f"/plans/{plan.pk}"),
    ]:
        send = getattr(client, method)
        if method == "get":
            response = send("/api/v1" + path, **headers)
        else:
            response = send("/api/v1" + path, data="{}", content_type="application/json", **headers)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}


def test_a_goal_change_of_twenty_reads_plus_twenty_on_the_page_and_in_the_api(
    world: World, api: Callable[..., Any], client: Client
) -> None:
    goal = {"text": "Fuller crown", "measure": "hair_density", "change": "20", "unit": "hairs/cm2"}
    created = api("post", "/plans", _body(world, goals=[{**goal, "weeks": 24}]))
    assert created.status_code == 201, created.content
    plan_id = created.json()["id"]
    expected = "Hair density +20 hairs/cm² in 24 weeks"
    assert api("get", f"/plans/{plan_id}").json()["goals"][0]["target"] == expected
    client.force_login(world.members["practitioner"])
    page = client.get(f"/treatments/plans/{plan_id}/").content.decode()
    assert expected in page
    assert "E+" not in page
