"""The today board: each role starts the day on its own work, one click from where it is done."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent, ObjectType
from mesotrace.treatments.models import Appointment
from tests.charting.builders import (
    appointment_today,
    chartable,
    minoxidil_lot,
    payload,
    point,
    record,
)
from tests.conftest import World, make_patient
from tests.consent.builders import drawn_consent
from tests.treatments.builders import HAIR, active_plan

Login = Callable[[User], Client]


def _board(login: Login, user: User) -> str:
    response = login(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_practitioner_sees_todays_appointment_with_its_chart_link(
    world: World, login: Login
) -> None:
    appointment = chartable(world, patient=make_patient(world.clinic, family_name="Garnier"))
    page = _board(login, world.members["practitioner"])
    assert f"/charting/appointments/{appointment.pk}/chart/" in page
    assert "Chart GARNIER" in page
    assert "Consent in place" in page
    assert "Screened" in page


def test_consent_waiting_for_countersignature_links_to_the_document(
    world: World, login: Login
) -> None:
    patient = make_patient(world.clinic, family_name="Lemaire")
    plan = active_plan(world.clinic, world.members["practitioner"], patient=patient, protocol=HAIR)
    signature = drawn_consent(plan, world.members["front_desk"])
    appointment_today(plan)
    page = _board(login, world.members["nurse"])
    assert "Consents to countersign" in page
    assert f"/consent/documents/{signature.document_id}/" in page
    assert "not countersigned by a clinician yet" in page


def test_front_desk_sees_arrivals_and_the_next_days_without_chart_links(
    world: World, login: Login
) -> None:
    appointment = chartable(world, patient=make_patient(world.clinic, family_name="Roux"))
    later = make_patient(world.clinic, family_name="Vidal", phone="+33 6 99 88 77 66")
    plan = active_plan(world.clinic, world.members["practitioner"], patient=later, protocol=HAIR)
    tomorrow = appointment_today(plan, minutes_ago=-24 * 60)
    page = _board(login, world.members["front_desk"])
    assert "Arrivals today" in page
    assert "ROUX" in page
    assert "/chart/" not in page
    assert "Screening" not in page
    assert "appointments to confirm" in page
    assert "+33 6 99 88 77 66" in page
    assert f"/treatments/appointments/{tomorrow.pk}/reschedule/" in page
    assert isinstance(appointment, Appointment)


def test_owner_sees_alerts_reports_stock_and_recalls(world: World, login: Login) -> None:
    page = _board(login, world.members["owner"])
    for part in ("open safety alerts", "patient reports to grade", "near or past expiry"):
        assert part in page
    assert "recalls with calls pending" in page


def test_researcher_and_auditor_start_from_their_own_pages(world: World, login: Login) -> None:
    researcher = _board(login, world.members["researcher"])
    assert "/outcomes/evidence/" in researcher
    assert "/safety/signals/" in researcher
    assert "Today's appointments" not in researcher
    auditor = _board(login, world.members["auditor"])
    assert "/audit/" in auditor
    assert "/outcomes/evidence/" not in auditor


def test_the_board_is_audited_and_shows_nothing_of_another_clinic(
    world: World, login: Login
) -> None:
    appointment = chartable(world, patient=make_patient(world.clinic, family_name="Garnier"))
    other = make_patient(world.other_clinic, family_name="Outsider")
    page = _board(login, world.outsider)
    assert "GARNIER" not in page
    assert other.family_name not in page
    _board(login, world.members["practitioner"])
    listed = AuditEvent.objects.filter(
        actor=world.members["practitioner"], object_type=ObjectType.APPOINTMENT
    ).latest("id")
    assert appointment.patient_id in listed.details["patients"]


def test_board_shows_a_charted_appointment_as_charted(world: World, login: Login) -> None:
    appointment = chartable(world, patient=make_patient(world.clinic, family_name="Garnier"))
    lot = minoxidil_lot(world.clinic, "MX-B1", "5")
    session = record(appointment, payload(point(lot)), world.members["practitioner"])
    page = _board(login, world.members["practitioner"])
    assert f"/charting/sessions/{session.pk}/" in page
    assert "Charted, to sign" in page
    assert f"/charting/appointments/{appointment.pk}/chart/" not in page


def test_plan_calendar_and_patient_record_link_to_the_chart(world: World, login: Login) -> None:
    appointment = chartable(world, patient=make_patient(world.clinic, family_name="Garnier"))
    later = appointment_today(appointment.plan, minutes_ago=-3 * 24 * 60)
    chart = f"/charting/appointments/{appointment.pk}/chart/"
    client = login(world.members["practitioner"])
    pages = [
        f"/treatments/plans/{appointment.plan_id}/",
        f"/treatments/schedule/{appointment.practitioner_id}/day/",
        f"/treatments/schedule/{appointment.practitioner_id}/week/",
        f"/patients/{appointment.patient_id}/",
    ]
    for url in pages:
        page = client.get(url).content.decode()
        assert chart in page, url
        assert f"/charting/appointments/{later.pk}/chart/" not in page, url
    record_page = client.get(f"/patients/{appointment.patient_id}/").content.decode()
    assert "Open treatment plans" in record_page
    assert f"/treatments/plans/{appointment.plan_id}/" in record_page
    assert "Upcoming appointments" in record_page
