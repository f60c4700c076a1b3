"""Rows that today's validation would refuse, planted straight into the database as old
data may hold them, break no page, document, export or API answer of the clinic."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mesotrace.consent.models import ConsentSignature
from mesotrace.inventory.models import Lot
from mesotrace.outcomes import services as outcomes
from mesotrace.outcomes.models import LifestyleLog, Measurement
from mesotrace.outcomes.queries.measurements import measurement_type
from mesotrace.patients.models import Patient
from mesotrace.safety.models import AdverseEvent
from mesotrace.treatments.models import Appointment, TreatmentPlan
from tests.conftest import SYSTEM, World
from tests.consent.builders import open_portal, portal_link
from tests.project.test_isolation_sweep import (
    _body,
    _call,
    _fill,
    _own_ids,
    _request,
    access_of,
    all_operations,
    all_pages,
    clinic_data,
)

__all__ = ["clinic_data"]  # the sweep's fixture: one object of each kind a URL can take

UTC = datetime.UTC
YEAR_ONE = datetime.datetime(1, 1, 1, 12, tzinfo=UTC)
YEAR_9999 = datetime.datetime(9999, 12, 31, 23, 30, tzinfo=UTC)  # next year in Paris


def plant(world: World, ids: dict[str, int]) -> Patient:
    """Out-of-range rows of every kind, written past every check, as an import might have."""
    plan = TreatmentPlan.objects.get(pk=ids["plan_id"])
    patient = plan.patient
    outcomes.allocate_split_body(SYSTEM, plan)  # so the evidence engine reads its rows
    weight, thigh = measurement_type("body-weight"), measurement_type("thigh-circumference")
    for side, value in [("left", 60), ("right", 61), ("left", 58), ("right", 60)]:
        outcomes.record_measurement(SYSTEM, patient, thigh, value, "cm", plan=plan, side=side)
    for when, kind, side in [
        (YEAR_ONE, weight, "none"),
        (YEAR_9999, weight, "none"),
        (YEAR_ONE, thigh, "left"),
        (YEAR_9999, thigh, "right"),
    ]:
        row = outcomes.record_measurement(
            SYSTEM, patient, kind, 60, kind.unit, plan=plan, side=side
        )
        Measurement.objects.filter(pk=row.pk).update(measured_at=when)
    outcomes.record_measurement(SYSTEM, patient, weight, 69, "kg", plan=plan)
    log = outcomes.log_lifestyle(SYSTEM, patient, timezone.localdate(), 50, 60)
    LifestyleLog.objects.filter(pk=log.pk).update(date=datetime.date(1, 1, 1))
    Lot.objects.filter(clinic=world.clinic).update(expiry_date=datetime.date(9999, 12, 31))
    AdverseEvent.objects.filter(clinic=world.clinic).update(
        onset_date=datetime.date(1, 1, 1), detected_on=datetime.date(9999, 12, 31)
    )
    late = Appointment.objects.filter(clinic=world.clinic).order_by("-pk").first()
    if late is not None:
        Appointment.objects.filter(pk=late.pk).update(
            starts_at=YEAR_9999, ends_at=YEAR_9999 + datetime.timedelta(minutes=20)
        )
    future = timezone.localdate() + datetime.timedelta(days=400)
    Patient.objects.filter(pk=patient.pk).update(date_of_birth=future)
    Patient.objects.filter(clinic=world.clinic).exclude(pk=patient.pk).update(
        date_of_birth=datetime.date(1, 1, 1)
    )
    return patient


def _answered(response: Any, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code)
    _body(response)  # a streamed export fails only while it streams


@pytest.fixture
def planted(world: World, clinic_data: dict[str, int]) -> dict[str, int]:
    plant(world, clinic_data)
    return clinic_data


def test_every_staff_page_answers(world: World, planted: dict[str, int], client: Client) -> None:
    owner = world.members["owner"]
    client.force_login(owner)
    ids = _own_ids(planted, owner, world)
    swept = 0
    for page in all_pages():
        if access_of(page.view) == "public":
            continue
        _answered(_request(client, _fill(page.route, page.params, ids)), page.route)
        swept += 1
    assert swept >= 40


def test_every_api_operation_answers(
    world: World, planted: dict[str, int], client: Client, bearer: Any
) -> None:
    headers = bearer(world.members["owner"], world.clinic)
    for op in all_operations():
        if op.permission is None or (op.method, op.path) == ("DELETE", "/auth/token"):
            continue
        url = "/api/v1" + _fill(op.path, op.params, planted, brace=True)
        _answered(_call(client, op, url, headers), f"{op.method} {op.path}")


def test_every_portal_page_answers(world: World, planted: dict[str, int], client: Client) -> None:
    plan = TreatmentPlan.objects.get(pk=planted["plan_id"])
    _link, token = portal_link(plan.patient, world.members["front_desk"])
    open_portal(client, token)
    signature = ConsentSignature.objects.filter(clinic=world.clinic).first()
    ids = {
        **planted,
        "document_id": planted["consent_id"],
        "signature_id": signature.pk if signature else 0,
    }
    for page in all_pages():
        if not page.route.startswith("portal/") or page.route.startswith(
            ("portal/open", "portal/leave", "portal/staff")
        ):
            continue
        _answered(_request(client, _fill(page.route, page.params, ids)), page.route)


def test_the_evidence_and_consent_of_a_planted_plan_answer(
    world: World, planted: dict[str, int], client: Client, bearer: Any
) -> None:
    headers = bearer(world.members["owner"], world.clinic)
    plan = TreatmentPlan.objects.get(pk=planted["plan_id"])
    generated = client.post(f"/api/v1/plans/{plan.pk}/consent", **headers)
    assert generated.status_code in {201, 422}, generated.content
    evidence = client.get(f"/api/v1/evidence/protocols/{plan.protocol_id}", **headers)
    assert evidence.status_code == 200, evidence.content
