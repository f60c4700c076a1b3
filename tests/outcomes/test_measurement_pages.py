"""Recording measurements and lifestyle logs from the patient's progress page: saved in the
canonical unit when right, refused with the reason next to the field (and nothing saved)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from mesotrace.audit.models import AuditEvent
from mesotrace.outcomes import services
from mesotrace.outcomes.models import LifestyleLog, Measurement
from mesotrace.outcomes.queries.measurements import measurement_type
from tests.charting.builders import chartable, payload, point, record
from tests.conftest import SYSTEM, World, make_patient
from tests.inventory.builders import receive
from tests.outcomes.builders import HEAVY_LEGS, LEGS_COURSE
from tests.treatments.builders import ensure_starter_catalogue, make_plan

pytestmark = pytest.mark.django_db(databases=["default"])


def field_errors(html: str, name: str) -> list[str]:
    """The errors shown inside the form field `name`'s own block."""
    block = re.search(
        rf'<div class="field">(?:(?!<div class="field">).)*?id="id_{name}".*?</div>', html, re.S
    )
    assert block is not None, f"no field {name} on the page"
    return re.findall(r"<li>(.*?)</li>", block.group(0), re.S)


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "type": measurement_type("waist-circumference").pk,
        "value": "36",
        "unit": "[in_i]",
        "zone": "",
        "side": "none",
        "measured_at": "2026-03-02T09:30",
        "plan": "",
        "session": "",
    }
    data.update(overrides)
    return data


def test_nurse_records_a_waist_in_inches_and_sees_it_in_centimetres(
    world: World, client: Client
) -> None:
    patient = make_patient(world.clinic)
    client.force_login(world.members["nurse"])
    progress = client.get(f"/outcomes/patients/{patient.pk}/").content.decode()
    assert f'href="/outcomes/patients/{patient.pk}/measurements/new/"' in progress
    form = client.get(f"/outcomes/patients/{patient.pk}/measurements/new/").content.decode()
    assert 'data-canonical="kg"' in form
    assert 'data-unit="cm"' in form
    response = client.post(f"/outcomes/patients/{patient.pk}/measurements/new/", _form())
    assert response.status_code == 302
    row = Measurement.objects.get()
    assert row.value == pytest.approx(91.44)
    assert row.assessor == world.members["nurse"]
    assert row.measured_at.strftime("%Y-%m-%d") == "2026-03-02"
    assert AuditEvent.objects.filter(object_type="measurement", object_id=str(row.pk)).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Measurement recorded" in page
    assert "91.4 cm" in page
    assert "Waist circumference" in page


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"value": "900", "unit": "cm"}, "value", "not a plausible waist circumference"),
        ({"value": "abc"}, "value", "Enter a number."),
        ({"unit": "kg"}, "unit", "is not a unit for waist circumference"),
        ({"side": "left"}, "side", "Waist circumference is not measured per side."),
        ({"measured_at": "2150-01-01T10:00"}, "measured_at", "cannot be taken in the future"),
        ({"type": ""}, "type", "This field is required."),
    ],
)
def test_bad_measurements_are_refused_next_to_the_field_and_nothing_is_saved(
    world: World, client: Client, overrides: dict[str, Any], field: str, reason: str
) -> None:
    patient = make_patient(world.clinic)
    client.force_login(world.members["practitioner"])
    response = client.post(f"/outcomes/patients/{patient.pk}/measurements/new/", _form(**overrides))
    assert response.status_code == 200
    assert any(reason in e for e in field_errors(response.content.decode(), field))
    assert not Measurement.objects.exists()
    assert not AuditEvent.objects.filter(object_type="measurement").exists()


def test_control_side_on_a_plan_that_is_not_split_body_is_refused_on_the_page(
    world: World, client: Client
) -> None:
    ensure_starter_catalogue()
    plan = make_plan(world.clinic)
    calf = measurement_type("calf-circumference")
    client.force_login(world.members["nurse"])
    response = client.post(
        f"/outcomes/patients/{plan.patient_id}/measurements/new/",
        _form(type=calf.pk, unit="cm", value="38", side="control", plan=plan.pk),
    )
    assert response.status_code == 200
    errors = field_errors(response.content.decode(), "side")
    assert errors == ["A control-side measurement needs a split-body plan; this plan is not."]
    assert not Measurement.objects.exists()


def test_a_session_of_another_patient_is_refused(world: World, client: Client) -> None:
    ensure_starter_catalogue()
    other = chartable(world, protocol=HEAVY_LEGS, **LEGS_COURSE)
    lot = receive(world.clinic, "TX-9", "10", product="troxerutin-generic")
    session = record(
        other, payload(point(lot, where=(Decimal("0.425"), Decimal("0.84")), view="front"))
    )
    patient = make_patient(world.clinic, given_name="Other")
    client.force_login(world.members["nurse"])
    response = client.post(
        f"/outcomes/patients/{patient.pk}/measurements/new/", _form(session=session.pk)
    )
    assert response.status_code == 200
    assert field_errors(response.content.decode(), "session")
    assert not Measurement.objects.filter(patient=patient).exists()


def test_lifestyle_log_from_the_page_converts_pounds_and_refuses_bad_values(
    world: World, client: Client
) -> None:
    patient = make_patient(world.clinic)
    client.force_login(world.members["nurse"])
    url = f"/outcomes/patients/{patient.pk}/lifestyle/new/"
    good = {
        "date": "2026-03-02",
        "diet_adherence_percent": "80",
        "exercise_minutes_per_week": "150",
        "weight": "154",
        "weight_unit": "[lb_av]",
    }
    for bad, field, reason in (
        ({"diet_adherence_percent": "140"}, "diet_adherence_percent", "0 to 100"),
        ({"exercise_minutes_per_week": "-5"}, "exercise_minutes_per_week", "0 to 10,080"),
        ({"weight": "900", "weight_unit": "kg"}, "weight", "not a plausible body weight"),
        ({"date": "soon"}, "date", "Enter a valid date."),
    ):
        refused = client.post(url, {**good, **bad})
        assert refused.status_code == 200
        assert any(reason in e for e in field_errors(refused.content.decode(), field)), bad
    assert not LifestyleLog.objects.exists()
    saved = client.post(url, good)
    assert saved.status_code == 302
    log = LifestyleLog.objects.get()
    assert log.weight_kg == pytest.approx(69.85, abs=0.01)
    assert log.entered_by == "staff"
    assert log.entered_by_user == world.members["nurse"]
    page = client.get(saved["Location"]).content.decode()
    assert "69.9 kg" in page


@pytest.mark.parametrize("role", ["front_desk", "researcher", "auditor"])
def test_roles_without_outcome_record_cannot_open_the_forms(
    world: World, client: Client, role: str
) -> None:
    patient = make_patient(world.clinic)
    client.force_login(world.members[role])
    for url in ("measurements/new/", "lifestyle/new/"):
        assert client.get(f"/outcomes/patients/{patient.pk}/{url}").status_code == 403
        assert client.post(f"/outcomes/patients/{patient.pk}/{url}", _form()).status_code == 403
    assert not Measurement.objects.exists()


def test_progress_page_offers_recording_and_shows_values_in_their_unit(
    world: World, client: Client
) -> None:
    patient = make_patient(world.clinic)
    services.record_measurement(SYSTEM, patient, measurement_type("body-weight"), 70, "kg")
    client.force_login(world.members["owner"])
    page = client.get(f"/outcomes/patients/{patient.pk}/").content.decode()
    assert "Record a measurement" in page
    assert "70 kg" in page
