"""The practitioner's iCalendar file: RFC 5545 lines, UTC times, no clinical details, audited."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.treatments.documents import escape_text, fold
from mesotrace.treatments.models import Appointment
from mesotrace.treatments.services import schedule as scheduling
from tests.conftest import SYSTEM, World, make_patient, make_practitioner
from tests.treatments.builders import PAIN, active_plan, book, next_weekday

Exported = tuple[bytes, list[Appointment]]


def _unfold(body: bytes) -> list[str]:
    """Content lines as a calendar program reads them (RFC 5545 §3.1)."""
    return body.replace(b"\r\n ", b"").decode().split("\r\n")[:-1]


def _export(world: World, client: Client, practitioner_id: int) -> bytes:
    response = client.get(f"/treatments/schedule/{practitioner_id}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    return bytes(response.content)


@pytest.fixture
def exported(world: World, login: Callable[[User], Client]) -> Exported:
    practitioner = make_practitioner(
        world.clinic, full_name="Dr Éléonore de La Tour-Dauvergne-Saint-Clément, Lyon; Paris"
    )
    patient = make_patient(
        world.clinic,
        given_name="Zoé",
        family_name="Quémeneur",
        allergies=[{"substance": "Lidocaine"}],
    )
    plan = active_plan(
        world.clinic,
        world.members["practitioner"],
        patient=patient,
        practitioner=practitioner,
        protocol=PAIN,
        interval_days=7,
    )
    booked = book(plan, next_weekday(1, 17, 15), minutes=45)
    scheduling.cancel_appointment(SYSTEM, booked[-1], "Holiday.")
    body = _export(world, login(world.members["front_desk"]), practitioner.pk)
    return body, booked


def test_every_line_ends_in_crlf_and_is_folded_at_75_octets(exported: Exported) -> None:
    body, _booked = exported
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    physical = body.split(b"\r\n")[:-1]
    assert max(len(line) for line in physical) <= 75
    assert any(line.startswith(b" ") for line in physical)  # the long calendar name was folded
    for line in physical:
        line.decode()  # folding never splits a UTF-8 character


def test_calendar_and_events_carry_the_required_properties(
    exported: Exported,
) -> None:
    body, booked = exported
    lines = _unfold(body)
    assert lines[:5] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Mesotrace//Practitioner schedule//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    assert lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 5
    uids = [line for line in lines if line.startswith("UID:")]
    assert uids == [f"UID:appointment-{a.pk}@alpha.mesotrace" for a in booked]
    first = booked[0].starts_at.astimezone(datetime.UTC)
    assert f"DTSTART:{first:%Y%m%dT%H%M%SZ}" in lines
    end = booked[0].ends_at.astimezone(datetime.UTC)
    assert f"DTEND:{end:%Y%m%dT%H%M%SZ}" in lines
    assert all(line.endswith("Z") for line in lines if line.startswith(("DTSTAMP", "DTSTART")))
    assert lines.count("STATUS:CANCELLED") == 1
    assert lines.count("STATUS:CONFIRMED") == 4


def test_events_name_the_session_and_initials_but_nothing_clinical(
    exported: Exported,
) -> None:
    body, booked = exported
    text = "\n".join(_unfold(body))
    record = booked[0].patient.record_number
    assert f"SUMMARY:Session 1/5 · Z. Q. ({record})" in text
    for clinical in ("Quémeneur", "Zoé", "Lidocaine", "lidocaine", "pain", "ketoprofen", "back"):
        assert clinical not in text, clinical
    assert "LOCATION:Clinic alpha" in text
    assert "X-WR-CALNAME:Dr Éléonore de La Tour-Dauvergne-Saint-Clément\\, Lyon\\; Paris" in text


def test_the_export_is_audited_as_an_export(world: World, exported: Exported) -> None:
    _body, booked = exported
    event = AuditEvent.objects.get(action="export", object_type="appointment")
    assert event.actor == world.members["front_desk"]
    assert event.details["format"] == "ics"
    assert event.details["shown"] == [a.pk for a in booked]
    assert event.details["patients"] == [booked[0].patient_id]


def test_text_values_are_escaped() -> None:
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


@pytest.mark.parametrize("text", ["x" * 74, "x" * 75, "x" * 76, "é" * 80, "x" + "€" * 60, ""])
def test_folding_keeps_every_line_within_75_octets_and_loses_nothing(text: str) -> None:
    folded = fold("SUMMARY:" + text)
    physical = folded.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical)
    assert all(line.startswith(b" ") for line in physical[1:])
    assert folded.replace(b"\r\n ", b"").decode() == "SUMMARY:" + text + "\r\n"


def test_another_clinics_practitioner_calendar_is_not_found(
    world: World, login: Callable[[User], Client]
) -> None:
    theirs = make_practitioner(world.other_clinic)
    response = login(world.members["owner"]).get(f"/treatments/schedule/{theirs.pk}/calendar.ics")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()
