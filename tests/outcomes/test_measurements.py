"""Measurements are stored in one UCUM unit; impossible values and wrong units are refused."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from mesotrace.audit.models import AuditEvent
from mesotrace.outcomes import services
from mesotrace.outcomes.models import LifestyleLog, Measurement
from mesotrace.outcomes.queries.measurements import measurement_type
from tests.conftest import SYSTEM, World, make_patient
from tests.treatments.builders import ensure_starter_catalogue, make_plan

pytestmark = pytest.mark.django_db(databases=["default"])


def test_weight_entered_in_pounds_is_stored_in_kilograms(world: World) -> None:
    patient = make_patient(world.clinic)
    kind = measurement_type("body-weight")
    row = services.record_measurement(SYSTEM, patient, kind, 154, "[lb_av]")
    assert row.type.unit == "kg"
    assert row.type.code == "29463-7"
    assert row.value == pytest.approx(69.8532, abs=1e-4)


def test_thigh_entered_in_inches_is_stored_in_centimetres(world: World) -> None:
    patient = make_patient(world.clinic)
    kind = measurement_type("thigh-circumference")
    row = services.record_measurement(SYSTEM, patient, kind, 22, "in", side="left")
    assert Measurement.objects.get(pk=row.pk).value == pytest.approx(55.88)
    assert kind.is_local_code


@pytest.mark.parametrize(
    ("slug", "value", "unit", "field"),
    [
        ("body-weight", 900, "kg", "value"),
        ("body-weight", -3, "kg", "value"),
        ("pain-score", 11, "{score}", "value"),
        ("waist-circumference", 80, "kg", "unit"),
        ("body-weight", 70, "cm", "unit"),
    ],
)
def test_impossible_values_and_wrong_units_are_refused(
    world: World, slug: str, value: float, unit: str, field: str
) -> None:
    patient = make_patient(world.clinic)
    with pytest.raises(ValidationError) as refused:
        services.record_measurement(SYSTEM, patient, measurement_type(slug), value, unit)
    assert field in refused.value.message_dict
    assert not Measurement.objects.exists()


def test_control_side_measurement_on_a_plan_that_is_not_split_body_is_refused(
    world: World,
) -> None:
    ensure_starter_catalogue()
    plan = make_plan(world.clinic)
    kind = measurement_type("thigh-circumference")
    with pytest.raises(ValidationError) as refused:
        services.record_measurement(
            SYSTEM, plan.patient, kind, 55, "cm", plan=plan, side="left", control=True
        )
    assert "split-body" in refused.value.message_dict["side"][0]


def test_lifestyle_log_refuses_impossible_adherence_and_records_audit(world: World) -> None:
    patient = make_patient(world.clinic)
    with pytest.raises(ValidationError) as refused:
        services.log_lifestyle(SYSTEM, patient, datetime.date(2026, 1, 5), 140, 90)
    assert "diet_adherence_percent" in refused.value.message_dict
    log = services.log_lifestyle(SYSTEM, patient, datetime.date(2026, 1, 5), 80, 150, 72.5)
    assert LifestyleLog.objects.get(pk=log.pk).exercise_minutes_per_week == 150
    assert AuditEvent.objects.filter(object_type="lifestyle_log", object_id=str(log.pk)).exists()


def test_api_records_and_lists_measurements_with_field_errors(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    patient = make_patient(world.clinic)
    headers = bearer(world.members["nurse"], world.clinic)
    body: dict[str, Any] = {
        "patient_id": patient.pk,
        "type": "waist-circumference",
        "value": 36,
        "unit": "[in_i]",
    }
    created = client.post("/api/v1/measurements", body, content_type="application/json", **headers)
    assert created.status_code == 201, created.content
    assert created.json()["value"] == pytest.approx(91.44)
    assert created.json()["unit"] == "cm"
    refused = client.post(
        "/api/v1/measurements",
        {**body, "value": 500},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "value"
    listed = client.get(f"/api/v1/measurements?patient_id={patient.pk}", **headers)
    assert [m["code"] for m in listed.json()] == ["8280-0"]
