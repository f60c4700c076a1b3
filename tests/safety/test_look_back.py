"""The new-event form proposes the patient's sessions in the 90 days before onset."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.safety.queries.events import look_back_sessions
from mesotrace.treatments.models import TreatmentSession
from tests.charting.builders import minoxidil_lot
from tests.conftest import World, make_patient
from tests.safety.builders import charted_on


def test_sessions_within_90_days_are_proposed_and_older_ones_are_not(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic)
    lot = minoxidil_lot(world.clinic)
    recent = charted_on(world, lot, patient)
    old = charted_on(world, lot, patient)
    TreatmentSession.objects.filter(pk=old.pk).update(
        performed_on=recent.performed_on - datetime.timedelta(days=120)
    )
    someone_else = charted_on(world, lot)

    proposed = list(look_back_sessions(patient))
    assert proposed == [recent]
    assert set(look_back_sessions(patient, days=180)) == {recent, old}

    page = login(world.members["practitioner"]).get(f"/safety/patients/{patient.pk}/new/")
    assert page.status_code == 200
    assert f'name="sessions" value="{recent.pk}"'.encode() in page.content
    assert f'name="sessions" value="{old.pk}"'.encode() not in page.content
    assert f'name="sessions" value="{someone_else.pk}"'.encode() not in page.content


def test_recording_from_the_page_links_the_chosen_session(
    world: World, login: Callable[[User], Client]
) -> None:
    lot = minoxidil_lot(world.clinic)
    session = charted_on(world, lot)
    day = session.performed_on.isoformat()
    page = login(world.members["practitioner"])

    response = page.post(
        f"/safety/patients/{session.patient_id}/new/",
        {
            "term": "skin_infection",
            "onset_date": day,
            "detected_on": day,
            "grade": "2",
            "outcome": "recovering",
            "causality": "possible",
            "reporter": "staff",
            "sessions": [str(session.pk)],
        },
    )

    assert response.status_code == 302, response.content[:2000]
    detail = page.get(response["Location"])
    assert b"MX-001" in detail.content
