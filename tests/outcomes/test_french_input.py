"""A French nurse types a weight with a decimal comma: 72,5 is stored as 72.5 kg and shown
again as "72,5 kg"; the form's box takes commas (text with a decimal keypad, not type=number)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils import translation

from mesotrace.accounts.models import User
from mesotrace.outcomes.forms import MeasurementForm
from mesotrace.outcomes.models import Measurement
from mesotrace.outcomes.queries.measurements import measurement_type
from tests.conftest import World, make_patient, speaks

FR: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def _weight_form(measured_at: str) -> dict[str, Any]:
    """The measurement form as a French nurse fills it: a weight typed with a comma."""
    return {
        "type": measurement_type("body-weight").pk,
        "value": "72,5",
        "unit": "kg",
        "zone": "",
        "side": "none",
        "measured_at": measured_at,
        "plan": "",
        "session": "",
    }


def test_french_weight_with_a_decimal_comma_round_trips(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic)
    client = login(world.members["nurse"])
    speaks(world.members["nurse"], "fr")
    url = f"/outcomes/patients/{patient.pk}/measurements/new/"
    response = client.post(url, _weight_form("2026-03-02T09:30"), **FR)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Measurement.objects.get(patient=patient).value == 72.5
    progress = client.get(f"/outcomes/patients/{patient.pk}/", **FR).content.decode()
    assert "72,5 kg" in progress
    assert "02/03/2026" in progress
    speaks(world.members["nurse"], "en")
    english = client.get(f"/outcomes/patients/{patient.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "72.5 kg" in english.content.decode()


def test_the_value_box_takes_commas_and_shows_one_again(world: World) -> None:
    patient = make_patient(world.clinic)
    with translation.override("fr"):
        form = MeasurementForm(initial={"value": 72.5}, patient=patient, split_plan_ids=set())
        html = str(form["value"])
    assert 'value="72,5"' in html
    assert 'inputmode="decimal"' in html
    assert 'type="text"' in html


def test_a_wrong_french_value_is_shown_back_as_typed(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic)
    client = login(world.members["nurse"])
    speaks(world.members["nurse"], "fr")
    url = f"/outcomes/patients/{patient.pk}/measurements/new/"
    page = client.post(url, _weight_form("pas une date"), **FR).content.decode()
    assert 'value="72,5"' in page
    assert not Measurement.objects.filter(patient=patient).exists()
