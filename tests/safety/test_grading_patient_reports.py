"""Patients' reports are listed by who reported them, counted until graded, and graded by a
prescriber on the event page; linking the report's sessions brings its lots into the cluster
check, and a patient's report linked to a lot counts like any other."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.core.clock import clinic_today
from mesotrace.inventory.models import Lot, LotStatus
from mesotrace.safety.models import AdverseEvent, Reporter, SafetyAlert
from tests.charting.builders import minoxidil_lot
from tests.conftest import World, make_patient
from tests.consent.builders import open_portal, portal_link
from tests.safety.builders import charted_on, infection, patient_report

TO_GRADE = "/safety/?reported=patient_ungraded"


def _status(lot: Lot) -> str:
    lot.refresh_from_db()
    return lot.status


def _grade_url(event: AdverseEvent) -> str:
    return f"/safety/events/{event.pk}/grade/"


def test_the_list_says_who_reported_and_filters_reports_waiting_for_a_grade(
    world: World, login: Callable[[User], Client]
) -> None:
    waiting = patient_report(make_patient(world.clinic, family_name="Waiting"), term="nodules")
    graded = patient_report(make_patient(world.clinic, family_name="Graded"), grade=1)
    staff = infection(world, charted_on(world, minoxidil_lot(world.clinic)))
    nurse = login(world.members["nurse"])

    everything = nurse.get("/safety/").content.decode()
    assert "<th>Reported by</th>" in everything
    assert everything.count('<td class="reporter">Patient</td>') == 2
    assert everything.count('<td class="reporter">Staff</td>') == 1
    assert "1 patient report to grade" in everything  # the count on the safety nav

    filtered = nurse.get(TO_GRADE).content.decode()
    assert f'data-event="{waiting.pk}"' in filtered
    assert f'data-event="{graded.pk}"' not in filtered
    assert f'data-event="{staff.pk}"' not in filtered
    assert "reported by patients, not graded yet" in filtered


def test_the_nav_count_is_gone_once_everything_is_graded(
    world: World, login: Callable[[User], Client]
) -> None:
    event = patient_report(make_patient(world.clinic))
    owner = login(world.members["owner"])
    assert 'id="to-grade"' in owner.get("/safety/alerts/").content.decode()

    owner.post(_grade_url(event), {"grade": "1", "causality": "possible"})

    assert 'id="to-grade"' not in owner.get("/safety/alerts/").content.decode()
    assert "No patient report waiting for a grade." in owner.get(TO_GRADE).content.decode()


def test_a_practitioner_grades_a_portal_report_audited(
    world: World, login: Callable[[User], Client], client: Client
) -> None:
    patient = make_patient(world.clinic, family_name="Portal")
    _link, token = portal_link(patient, world.members["front_desk"])
    open_portal(client, token)
    onset = clinic_today(world.clinic) - datetime.timedelta(days=2)
    client.post("/portal/side-effect/", {"term": "nodules", "onset_date": onset.isoformat()})
    event = AdverseEvent.objects.get(patient=patient)
    assert (event.reporter, event.grade) == (Reporter.PATIENT, None)
    staff = Client()
    staff.force_login(world.members["practitioner"])
    page = staff.get(f"/safety/events/{event.pk}/").content.decode()
    assert 'id="grade-form"' in page

    body = {"grade": "3", "causality": "probable", "seriousness": ["medically_important"]}
    response = staff.post(_grade_url(event), body)

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.grade, event.causality) == (3, "probable")
    assert event.seriousness == ["medically_important"]
    audit = AuditEvent.objects.get(object_type="adverse_event", action="update")
    assert audit.actor == world.members["practitioner"]
    assert audit.changes["grade"] == {"before": None, "after": 3}
    assert audit.changes["causality"]["after"] == "probable"
    assert audit.patient_id == patient.pk


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"causality": "possible"}, "This field is required"),
        ({"grade": "6", "causality": "possible"}, "Select a valid choice"),
        ({"grade": "0", "causality": "possible"}, "Select a valid choice"),
        ({"grade": "2", "causality": "maybe"}, "Select a valid choice"),
        ({"grade": "2", "causality": "possible", "seriousness": ["sunburn"]}, "valid choice"),
    ],
)
def test_bad_grading_is_shown_and_changes_nothing(
    world: World, login: Callable[[User], Client], body: dict[str, str], reason: str
) -> None:
    event = patient_report(make_patient(world.clinic))
    owner = login(world.members["owner"])

    response = owner.post(_grade_url(event), body)

    assert response.status_code == 200
    page = response.content.decode()
    assert reason in page
    assert "Nothing was saved" in page
    event.refresh_from_db()
    assert event.grade is None
    assert not AuditEvent.objects.filter(object_type="adverse_event", action="update").exists()


@pytest.mark.parametrize("role", ["nurse", "front_desk", "researcher", "auditor"])
def test_only_prescribers_grade(world: World, login: Callable[[User], Client], role: str) -> None:
    event = patient_report(make_patient(world.clinic))
    client = login(world.members[role])

    response = client.post(_grade_url(event), {"grade": "2", "causality": "possible"})

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.grade is None
    if role == "nurse":  # sees the event, but not the grade form
        assert 'id="grade-form"' not in client.get(f"/safety/events/{event.pk}/").content.decode()


def test_another_clinics_event_cannot_be_graded(
    world: World, login: Callable[[User], Client]
) -> None:
    event = patient_report(make_patient(world.clinic))

    response = login(world.outsider).post(
        _grade_url(event), {"grade": "2", "causality": "possible"}
    )

    assert response.status_code == 404
    event.refresh_from_db()
    assert event.grade is None


def test_a_patients_report_linked_to_a_lot_counts_in_the_cluster_rule(world: World) -> None:
    lot = minoxidil_lot(world.clinic, "MX-PATIENT")
    reported = charted_on(world, lot)
    patient_report(reported.patient, session_ids=[reported.pk], organism="M. chelonae")
    assert _status(lot) == LotStatus.AVAILABLE

    infection(world, charted_on(world, lot))

    assert _status(lot) == LotStatus.UNDER_INVESTIGATION
    alert = SafetyAlert.objects.get(lot=lot)
    reporters = sorted(e.reporter for e in alert.events.all())
    assert reporters == [Reporter.PATIENT, Reporter.STAFF]


def test_linking_the_proposed_sessions_when_grading_runs_the_cluster_check(
    world: World, login: Callable[[User], Client]
) -> None:
    lot = minoxidil_lot(world.clinic, "MX-LINKED")
    infection(world, charted_on(world, lot))
    session = charted_on(world, lot)
    report = patient_report(session.patient, term="ntm_infection")
    assert _status(lot) == LotStatus.AVAILABLE
    practitioner = login(world.members["practitioner"])
    page = practitioner.get(f"/safety/events/{report.pk}/").content.decode()
    assert f'value="{session.pk}"' in page
    assert "lots MX-LINKED" in page  # the proposal says which lots linking brings in

    body = {"grade": "2", "causality": "possible", "sessions": [str(session.pk)]}
    response = practitioner.post(_grade_url(report), body, follow=True)

    assert _status(lot) == LotStatus.UNDER_INVESTIGATION
    assert "2 infection events within 90 days" in response.content.decode()
    report.refresh_from_db()
    assert list(report.lots.values_list("pk", flat=True)) == [lot.pk]
    audit = AuditEvent.objects.get(
        object_type="adverse_event", object_id=str(report.pk), action="update"
    )
    assert audit.changes["sessions"] == {"before": [], "after": [session.pk]}
    assert audit.changes["lots"] == {"before": [], "after": [lot.pk]}


def test_sessions_outside_the_look_back_or_of_another_patient_cannot_be_linked(
    world: World, login: Callable[[User], Client]
) -> None:
    lot = minoxidil_lot(world.clinic, "MX-OTHER")
    someone_else = charted_on(world, lot)
    report = patient_report(make_patient(world.clinic))

    body = {"grade": "2", "causality": "possible", "sessions": [str(someone_else.pk)]}
    response = login(world.members["owner"]).post(_grade_url(report), body)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    report.refresh_from_db()
    assert (report.grade, report.lots.count()) == (None, 0)


def test_by_api_only_prescribers_grade_a_patients_report(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    report = patient_report(make_patient(world.clinic))
    url = f"/api/v1/adverse-events/{report.pk}"

    refused = client.patch(
        url,
        data={"grade": 2},
        content_type="application/json",
        **bearer(world.members["nurse"], world.clinic),
    )
    assert refused.status_code == 403
    report.refresh_from_db()
    assert report.grade is None

    graded = client.patch(
        url,
        data={"grade": 2, "causality": "possible"},
        content_type="application/json",
        **bearer(world.members["practitioner"], world.clinic),
    )
    assert graded.status_code == 200
    assert (graded.json()["grade"], graded.json()["reporter"]) == (2, "patient")


def test_the_api_lists_the_patients_reports_waiting_for_a_grade(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    waiting = patient_report(make_patient(world.clinic))
    patient_report(make_patient(world.clinic), grade=2)
    infection(world, charted_on(world, minoxidil_lot(world.clinic)))
    headers = bearer(world.members["nurse"], world.clinic)

    listed = client.get("/api/v1/adverse-events?reporter=patient&graded=false", **headers)

    assert [e["id"] for e in listed.json()["items"]] == [waiting.pk]
    unknown = client.get("/api/v1/adverse-events?ungraded=1", **headers)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "ungraded"
