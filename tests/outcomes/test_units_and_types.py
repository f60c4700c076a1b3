"""What a clinic reads on the measurement pages: the types each indication needs, units
as people write them, values at a sensible precision, and blinding only where it applies."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client

from mesotrace.catalogue.shipped.data import INDICATIONS
from mesotrace.outcomes import services
from mesotrace.outcomes.documents import ForestRow, forest_svg, nice_ticks
from mesotrace.outcomes.models import Measurement
from mesotrace.outcomes.queries.measurements import measurement_type
from mesotrace.outcomes.rules import show_p
from mesotrace.outcomes.shipped import INDICATION_MEASURES, LOINC, SHIPPED_TYPES
from tests.conftest import SYSTEM, World, make_patient
from tests.outcomes.builders import HEAVY_LEGS, LEGS_COURSE
from tests.treatments.builders import ensure_starter_catalogue, make_plan

pytestmark = pytest.mark.django_db(databases=["default"])

# LOINC codes listed in the reference's section 5a; a shipped code must be one of them.
REFERENCE_LOINC = {"29463-7", "8280-0", "39156-5", "62409-8", "41982-0", "72514-3"}


def _new(patient_id: int) -> str:
    return f"/outcomes/patients/{patient_id}/measurements/new/"


def _post(type_slug: str, value: str, unit: str, **extra: object) -> dict[str, object]:
    return {
        "type": measurement_type(type_slug).pk,
        "value": value,
        "unit": unit,
        "zone": "",
        "side": "none",
        "measured_at": "2026-03-02T09:30",
        "plan": "",
        "session": "",
        **extra,
    }


def test_every_shipped_indication_has_a_measure_a_clinic_can_record() -> None:
    shipped_types = {row["slug"]: row for row in SHIPPED_TYPES}
    assert set(INDICATION_MEASURES) == {row["slug"] for row in INDICATIONS}
    for indication, measures in INDICATION_MEASURES.items():
        assert measures, indication
        assert set(measures) <= set(shipped_types), indication
    for row in SHIPPED_TYPES:
        if row["code_system"] == LOINC:
            assert row["code"] in REFERENCE_LOINC, row["slug"]
        else:
            assert "no LOINC" in row["note"], row["slug"]


def test_hair_loss_plan_records_its_hair_density_goal(world: World, client: Client) -> None:
    ensure_starter_catalogue()
    plan = make_plan(world.clinic)  # the hair-loss protocol
    client.force_login(world.members["practitioner"])
    form = client.get(_new(plan.patient_id), {"plan": plan.pk}).content.decode()
    assert ">Hair density (hairs/cm²)<" in form
    response = client.post(
        _new(plan.patient_id), _post("hair-density", "142", "{hairs}/cm2", plan=plan.pk)
    )
    assert response.status_code == 302
    row = Measurement.objects.get()
    assert (row.type.slug, row.value, row.plan_id) == ("hair-density", 142, plan.pk)
    page = client.get(response["Location"]).content.decode()
    assert "142 hairs/cm²" in page


def test_pounds_are_shown_in_kilograms_to_one_decimal(world: World, client: Client) -> None:
    patient = make_patient(world.clinic)
    client.force_login(world.members["nurse"])
    response = client.post(_new(patient.pk), _post("body-weight", "141", "[lb_av]"))
    assert response.status_code == 302
    assert Measurement.objects.get().value == pytest.approx(63.9565, abs=1e-4)
    page = client.get(response["Location"]).content.decode()
    assert "64 kg" in page
    assert "63.9565" not in page


def test_a_pain_score_shows_no_unit_placeholder(world: World, client: Client) -> None:
    patient = make_patient(world.clinic)
    services.record_measurement(SYSTEM, patient, measurement_type("pain-score"), 4, "{score}")
    client.force_login(world.members["nurse"])
    form = client.get(_new(patient.pk)).content.decode()
    assert ">Pain score (0-10)<" in form
    page = client.get(f"/outcomes/patients/{patient.pk}/").content.decode()
    assert "{score}" not in re.sub(r"<[^>]*>", " ", form + page)  # the text people read
    assert "<td>4</td>" in page


def test_blinded_box_starts_unticked_on_a_plan_that_is_not_split_body(
    world: World, client: Client
) -> None:
    ensure_starter_catalogue()
    split = make_plan(world.clinic, protocol=HEAVY_LEGS, **LEGS_COURSE)
    plain = make_plan(world.clinic, split.patient, protocol=HEAVY_LEGS, **LEGS_COURSE)
    services.allocate_split_body(SYSTEM, split, blinding=True)
    client.force_login(world.members["nurse"])
    ticked = 'id="id_assessor_blinded" checked'
    assert ticked not in client.get(_new(split.patient_id), {"plan": plain.pk}).content.decode()
    assert ticked not in client.get(_new(split.patient_id)).content.decode()
    assert ticked in client.get(_new(split.patient_id), {"plan": split.pk}).content.decode()


def test_progress_chart_has_a_date_axis_and_a_value_axis_in_its_unit(
    world: World, client: Client
) -> None:
    patient = make_patient(world.clinic)
    weight = measurement_type("body-weight")
    for day, kg in (("2026-03-02", 80.0), ("2026-04-13", 77.5)):
        measured = datetime.datetime.fromisoformat(f"{day}T09:00:00+00:00")
        services.record_measurement(SYSTEM, patient, weight, kg, "kg", measured_at=measured)
    client.force_login(world.members["nurse"])
    page = client.get(f"/outcomes/patients/{patient.pk}/").content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "Body weight (kg)" in svg
    assert ">2026-03-02<" in svg
    assert ">Date<" in svg
    assert ">77.5<" in svg or ">77<" in svg


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0, 2930, [0, 1000, 2000, 3000]),
        (77.5, 80, [77.5, 78, 78.5, 79, 79.5, 80]),
        (0, 42, [0, 10, 20, 30, 40, 50]),
    ],
)
def test_axis_ticks_are_round_numbers(low: float, high: float, ticks: list[float]) -> None:
    assert nice_ticks(low, high) == ticks


@pytest.mark.parametrize(
    ("p", "shown"), [(0.00002, "< 0.001"), (0.0, "< 0.001"), (0.0312, "0.031"), (None, "")]
)
def test_p_values_read_as_a_report_writes_them(p: float | None, shown: str) -> None:
    assert show_p(p) == shown


def test_the_forest_plot_has_an_axis_in_its_unit_and_a_line_at_zero() -> None:
    svg = forest_svg([ForestRow("Heavy legs, troxerutin and melilotus", -1.4, -2.2, -0.6, 30)])
    assert "Split-body effect by protocol: treated minus control side (cm), 95% CI" in svg
    assert "cm, treated minus control (0 = no effect; below 0 = reduction)" in svg
    assert re.search(r">-2\.5<.*>0<", svg)  # round ticks from below the CI to zero
    assert 'stroke-dasharray="3 2"' in svg  # the line of no effect
