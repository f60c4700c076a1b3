"""Recording adverse events: linked to the session's lot, audited; bad input saves nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesotrace.accounts.models import Clinic, User
from mesotrace.audit.models import AuditEvent
from mesotrace.safety.models import AdverseEvent, AdverseEventFollowUp
from tests.charting.builders import minoxidil_lot
from tests.conftest import World
from tests.safety.builders import charted_on, infection

Bearer = Callable[[User, Clinic], dict[str, Any]]


def _post(client: Client, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    return client.post(
        "/api/v1/adverse-events", data=body, content_type="application/json", **headers
    )


def _body(session: Any, **fields: Any) -> dict[str, Any]:
    day = session.performed_on.isoformat()
    values = {
        "patient_id": session.patient_id,
        "term": "ntm_infection",
        "onset_date": day,
        "detected_on": day,
        "grade": 2,
        "seriousness": [],
        "causality": "probable",
        "organism": "Mycobacterium chelonae",
        "session_ids": [session.pk],
    }
    values.update(fields)
    return values


def test_an_event_linked_to_a_session_carries_its_product_and_lot(
    world: World, client: Client, bearer: Bearer
) -> None:
    lot = minoxidil_lot(world.clinic)
    session = charted_on(world, lot)
    headers = bearer(world.members["practitioner"], world.clinic)

    response = _post(client, headers, _body(session))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["lot_ids"] == [lot.pk]
    assert body["product_ids"] == [lot.product_id]
    assert body["category"] == "infection"
    assert body["grade"] == 2
    assert AuditEvent.objects.filter(
        object_type="adverse_event", action="create", object_id=str(body["id"])
    ).exists()


def _other_clinics_lot(world: World) -> dict[str, Any]:
    return {"lot_ids": [minoxidil_lot(world.other_clinic, "B-1").pk]}


BAD: dict[str, tuple[Callable[[World], dict[str, Any]], str, str]] = {
    "grade_0": (lambda w: {"grade": 0}, "grade", "1 (mild) to 5"),
    "grade_6": (lambda w: {"grade": 6}, "grade", "1 (mild) to 5"),
    "onset_after_detection": (
        lambda w: {"onset_date": "2099-01-02", "detected_on": "2099-01-01"},
        "onset_date",
        "cannot be after",
    ),
    "onset_before_the_session": (
        lambda w: {"onset_date": "2001-01-01"},
        "onset_date",
        "before the linked session",
    ),
    "another_clinics_lot": (_other_clinics_lot, "lot_ids", "Not lots of this clinic"),
    "unknown_term": (lambda w: {"term": "zombie_bite"}, "term", "Choose an event"),
    "other_without_text": (lambda w: {"term": "other"}, "term_text", "Describe the event"),
    "unknown_seriousness": (
        lambda w: {"seriousness": ["embarrassing"]},
        "seriousness",
        "Unknown seriousness",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_refused_with_its_field_and_nothing_is_saved(
    world: World, client: Client, bearer: Bearer, name: str
) -> None:
    build, field, reason = BAD[name]
    session = charted_on(world, minoxidil_lot(world.clinic))
    headers = bearer(world.members["practitioner"], world.clinic)
    audit_before = AuditEvent.objects.filter(object_type="adverse_event").count()

    response = _post(client, headers, _body(session, **build(world)))

    assert response.status_code == 422, response.json()
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors, errors
    assert reason in errors[field]
    assert AdverseEvent.objects.count() == 0
    assert AuditEvent.objects.filter(object_type="adverse_event").count() == audit_before


def test_a_patient_report_waits_for_staff_to_grade_it(
    world: World, client: Client, bearer: Bearer
) -> None:
    session = charted_on(world, minoxidil_lot(world.clinic))
    headers = bearer(world.members["practitioner"], world.clinic)
    created = _post(client, headers, _body(session, grade=None, reporter="patient")).json()
    assert created["grade"] is None

    graded = client.patch(
        f"/api/v1/adverse-events/{created['id']}",
        data={"grade": 3},
        content_type="application/json",
        **headers,
    )

    assert graded.status_code == 200, graded.json()
    assert graded.json()["grade"] == 3
    change = AuditEvent.objects.get(object_type="adverse_event", action="update")
    assert change.changes["grade"] == {"before": None, "after": 3}


def test_staff_must_grade_what_they_record(world: World, client: Client, bearer: Bearer) -> None:
    session = charted_on(world, minoxidil_lot(world.clinic))
    headers = bearer(world.members["practitioner"], world.clinic)

    response = _post(client, headers, _body(session, grade=None))

    assert response.status_code == 422
    assert AdverseEvent.objects.count() == 0


def test_front_desk_cannot_read_adverse_events(
    world: World, client: Client, bearer: Bearer
) -> None:
    response = client.get(
        "/api/v1/adverse-events", **bearer(world.members["front_desk"], world.clinic)
    )
    assert response.status_code == 403


def test_a_follow_up_updates_the_outcome(world: World, login: Callable[[User], Client]) -> None:
    session = charted_on(world, minoxidil_lot(world.clinic))
    event = infection(world, session)
    page = login(world.members["practitioner"])
    today = session.performed_on

    response = page.post(
        f"/safety/events/{event.pk}/follow-up/",
        {
            "on": today.isoformat(),
            "note": "Culture positive; referred to infectious diseases.",
            "outcome": "recovering",
        },
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.outcome == "recovering"
    assert AdverseEventFollowUp.objects.filter(event=event).count() == 1
    refused = page.post(
        f"/safety/events/{event.pk}/follow-up/",
        {"on": (today + datetime.timedelta(days=30)).isoformat(), "note": "Too early"},
    )
    assert refused.status_code == 200
    assert AdverseEventFollowUp.objects.filter(event=event).count() == 1
