"""From the portal the patient reports a side effect (graded later by staff) and logs lifestyle."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from mesotrace.core.clock import clinic_today
from mesotrace.outcomes.models import EnteredBy, LifestyleLog
from mesotrace.safety.models import AdverseEvent, Reporter
from tests.conftest import World, make_patient
from tests.consent.builders import open_portal, portal_link


@pytest.fixture
def portal(world: World, client: Client) -> Client:
    patient = make_patient(world.clinic, family_name="Zyxreporter")
    _link, token = portal_link(patient, world.members["front_desk"])
    open_portal(client, token)
    return client


def test_side_effect_is_stored_as_patient_reported_and_ungraded(
    world: World, portal: Client, login: Any
) -> None:
    onset = clinic_today(world.clinic) - datetime.timedelta(days=3)
    response = portal.post(
        "/portal/side-effect/",
        {"term": "nodules", "onset_date": onset.isoformat(), "description": "A lump on the thigh"},
    )

    assert response.status_code == 302
    event = AdverseEvent.objects.get()
    assert event.reporter == Reporter.PATIENT
    assert event.grade is None
    assert event.recorded_by is None
    assert event.patient.family_name == "Zyxreporter"
    assert event.description == "A lump on the thigh"
    assert event.detected_on == clinic_today(world.clinic)
    assert "The clinic has your report" in portal.get("/portal/").content.decode()

    staff_list = Client()
    staff_list.force_login(world.members["practitioner"])
    listing = staff_list.get("/safety/").content.decode()
    assert "ZYXREPORTER" in listing.upper()
    detail = staff_list.get(f"/safety/events/{event.pk}/").content.decode()
    assert "not graded yet" in detail


@pytest.mark.parametrize(
    ("fields", "field_error"),
    [
        ({"term": "other", "term_text": ""}, "Describe the event"),
        ({"onset_date": "2150-01-01"}, "cannot be after the date it was detected"),
        ({"term": "not-a-term"}, "Select a valid choice"),
    ],
)
def test_bad_side_effect_report_saves_nothing(
    world: World, portal: Client, fields: dict[str, str], field_error: str
) -> None:
    data = {"term": "pain", "onset_date": clinic_today(world.clinic).isoformat(), **fields}

    response = portal.post("/portal/side-effect/", data)

    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not AdverseEvent.objects.exists()


def test_lifestyle_log_is_stored_as_entered_by_the_patient(world: World, portal: Client) -> None:
    today = clinic_today(world.clinic)
    response = portal.post(
        "/portal/lifestyle/",
        {
            "date": today.isoformat(),
            "diet_adherence_percent": "80",
            "exercise_minutes_per_week": "150",
            "weight_kg": "71.5",
        },
    )

    assert response.status_code == 302
    log = LifestyleLog.objects.get()
    assert log.entered_by == EnteredBy.PATIENT
    assert log.entered_by_user is None
    assert (log.date, log.diet_adherence_percent, log.exercise_minutes_per_week) == (today, 80, 150)
    assert log.weight_kg == 71.5
    home = portal.get("/portal/").content.decode()
    assert "Your weight" in home  # the progress charts now draw the patient's entries


@pytest.mark.parametrize(
    "fields",
    [
        {"diet_adherence_percent": "120"},
        {"weight_kg": "5"},
        {"date": "2999-01-01"},
    ],
)
def test_implausible_lifestyle_log_saves_nothing(
    world: World, portal: Client, fields: dict[str, str]
) -> None:
    data = {
        "date": clinic_today(world.clinic).isoformat(),
        "diet_adherence_percent": "50",
        "exercise_minutes_per_week": "60",
        **fields,
    }

    response = portal.post("/portal/lifestyle/", data)

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not LifestyleLog.objects.exists()


def test_side_effect_form_speaks_plainly_and_chooses_nothing_for_the_patient(
    world: World, portal: Client
) -> None:
    form = portal.get("/portal/side-effect/").content.decode()
    assert "Lumps under the skin" in form
    assert "Skin that is red, warm, swollen or leaking pus" in form
    for clinical in ("Skin infection (bacterial)", "Panniculitis", "Haematoma", "Dysphagia"):
        assert clinical not in form
    assert re.search(r'<option value="" selected>Choose what you noticed</option>', form)
    today = clinic_today(world.clinic).isoformat()
    refused = portal.post("/portal/side-effect/", {"term": "", "onset_date": today})
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    assert not AdverseEvent.objects.exists()


def test_a_patient_report_shows_on_the_patient_record_not_only_in_safety(
    world: World, portal: Client
) -> None:
    onset = clinic_today(world.clinic) - datetime.timedelta(days=2)
    portal.post(
        "/portal/side-effect/",
        {"term": "nodules", "onset_date": onset.isoformat(), "description": "Lump on the thigh"},
    )
    event = AdverseEvent.objects.get()
    staff = Client()
    staff.force_login(world.members["practitioner"])
    record = staff.get(f"/patients/{event.patient_id}/").content.decode()
    section = record[record.index('id="patient-reports"') :]
    assert f'href="/safety/events/{event.pk}/"' in section
    assert "not graded yet" in section
    assert "Lump on the thigh" in section
    desk = Client()
    desk.force_login(world.members["front_desk"])
    assert 'id="patient-reports"' not in desk.get(f"/patients/{event.patient_id}/").content.decode()
