"""Date searches as another system sends them: a year, a month, a day or an instant with its
zone, each standing for the range its precision gives, compared by each prefix."""

from __future__ import annotations

import datetime

import pytest

from mesotrace.outcomes import services as outcomes
from mesotrace.outcomes.queries.measurements import measurement_type
from tests.conftest import make_patient
from tests.fhir.builders import get
from tests.outcomes.builders import ensure_measurement_types
from tests.treatments.builders import actor_for

BORN = {
    "Early": datetime.date(1984, 5, 17),
    "Late": datetime.date(1984, 12, 31),
    "Next": datetime.date(1985, 1, 1),
}


def _found(client, headers, query: str) -> list[dict]:
    response = get(client, query, headers)
    assert response.status_code == 200, response.content[:300]
    return [entry["resource"] for entry in response.json().get("entry", [])]


@pytest.fixture
def born(world):
    for family, day in BORN.items():
        make_patient(world.clinic, family_name=family, date_of_birth=day)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1984", {"Early", "Late"}),
        ("1984-05", {"Early"}),
        ("1984-05-17", {"Early"}),
        ("eq1984-12", {"Late"}),
        ("ne1984", {"Next"}),
        ("gt1984", {"Next"}),
        ("ge1984-12", {"Late", "Next"}),
        ("lt1984-12", {"Early"}),
        ("le1984-12", {"Early", "Late"}),
        # A time searched on a birth date: the day as written, whatever its zone.
        ("1984-05-17T23:30:00-05:00", {"Early"}),
        ("ge9999", set()),
        ("le9999-12-31", {"Early", "Late", "Next"}),
        ("gt9999-12-31", set()),
        ("1984,1985-01-01", {"Early", "Late", "Next"}),
    ],
)
def test_a_birth_date_is_searched_at_the_precision_given(
    world, client, bearer, born, value, expected
):
    headers = bearer(world.members["owner"], world.clinic)
    found = _found(client, headers, f"Patient?birthdate={value}")
    assert {patient["name"][0]["family"] for patient in found} == expected


@pytest.fixture
def weighed(world):
    """Two weights of one patient, an hour apart on 9 March 2026 (UTC)."""
    ensure_measurement_types()
    patient = make_patient(world.clinic)
    actor = actor_for(world.members["practitioner"], world.clinic)
    kind = measurement_type("body-weight")
    for hour, value in ((9, 70.0), (10, 71.0)):
        moment = datetime.datetime(2026, 3, 9, hour, 30, tzinfo=datetime.UTC)
        outcomes.record_measurement(actor, patient, kind, value, "kg", measured_at=moment)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026", {70, 71}),
        ("2026-03", {70, 71}),
        ("2026-03-09T10:30:00Z", {71}),
        ("2026-03-09T11:30:00%2B01:00", {71}),
        ("2026-03-09T10:30Z", {71}),
        ("ge2026-03-09T10:00:00Z", {71}),
        ("lt2026-03-09T10:00:00Z", {70}),
        ("gt2026-03-09T09:30:00Z", {71}),
        ("le2026-03-09T09:30:00Z", {70}),
        ("ne2026-03-09T09:30:00Z", {71}),
        ("gt2026-03", set()),
        ("lt2026", set()),
    ],
)
def test_a_measurement_time_is_searched_at_the_precision_given(
    world, client, bearer, weighed, value, expected
):
    headers = bearer(world.members["owner"], world.clinic)
    found = _found(client, headers, f"Observation?code=http://loinc.org|29463-7&date={value}")
    assert {observation["valueQuantity"]["value"] for observation in found} == expected
