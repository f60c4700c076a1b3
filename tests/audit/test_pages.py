"""The auditor reads and exports the clinic's trail, narrowed by patient, user, dates and action."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from tests.conftest import World, make_patient

UTC = datetime.UTC


def _event(world: World, role: str, action: str, **fields: Any) -> AuditEvent:
    user = world.members[role]
    fields.setdefault("object_type", "patient")
    return AuditEvent.objects.create(
        clinic=world.clinic, actor=user, actor_label=user.email, action=action, **fields
    )


def _shown(client: Client, **filters: Any) -> set[int]:
    response = client.get("/audit/", filters)
    assert response.status_code == 200
    return {event.pk for event in response.context["page"]}


def _export(client: Client, **filters: Any) -> list[dict[str, str]]:
    response: HttpResponseBase = client.get("/audit/export.csv", filters)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="audit.csv"'
    assert isinstance(response, StreamingHttpResponse)
    text = response.getvalue().decode("utf-8-sig")  # Excel's byte-order mark
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def auditor(world: World, login: Callable[[User], Client]) -> Client:
    return login(world.members["auditor"])


def test_auditor_sees_the_clinics_trail(world: World, auditor: Client) -> None:
    patient = make_patient(world.clinic, family_name="Fontaine")
    read = _event(world, "nurse", "view", object_id=str(patient.pk), patient_id=patient.pk)
    response = auditor.get("/audit/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "nurse@alpha.test" in page
    assert f"patient {patient.pk}" in page
    assert read.pk in {event.pk for event in response.context["page"]}


def test_filter_by_patient_shows_only_that_patients_events(world: World, auditor: Client) -> None:
    first, second = make_patient(world.clinic), make_patient(world.clinic, family_name="Roux")
    for patient in (first, second):
        _event(world, "nurse", "view", object_id=str(patient.pk), patient_id=patient.pk)
    expected = set(AuditEvent.objects.filter(patient_id=first.pk).values_list("pk", flat=True))
    assert len(expected) == 2  # its registration and the nurse's read
    assert _shown(auditor, patient=first.pk) == expected


def test_filter_by_user_shows_only_what_they_did(world: World, auditor: Client) -> None:
    nurse_read = _event(world, "nurse", "view", patient_id=1)
    _event(world, "front_desk", "view", patient_id=1)
    assert _shown(auditor, user=world.members["nurse"].pk) == {nurse_read.pk}


def test_filter_by_action_shows_only_that_action(world: World, auditor: Client) -> None:
    export = _event(world, "owner", "export", object_type="audit_event")
    _event(world, "nurse", "view", patient_id=1)
    assert _shown(auditor, action="export") == {export.pk}


def test_date_range_covers_whole_days_in_the_clinics_timezone(
    world: World, auditor: Client
) -> None:
    def at(year: int, month: int, day: int, hour: int, minute: int) -> AuditEvent:
        moment = datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)
        return _event(world, "nurse", "view", at=moment)

    at(2024, 2, 29, 22, 30)  # 23:30 in Paris, the day before the range
    first_day = at(2024, 2, 29, 23, 30)  # 00:30 on 1 March in Paris
    last_day = at(2024, 3, 10, 22, 30)  # 23:30 on 10 March in Paris
    at(2024, 3, 10, 23, 30)  # 00:30 on 11 March in Paris, the day after
    shown = _shown(auditor, date_from="2024-03-01", date_to="2024-03-10")
    assert shown == {first_day.pk, last_day.pk}


def test_filters_combine(world: World, auditor: Client) -> None:
    match = _event(world, "nurse", "update", patient_id=5)
    _event(world, "nurse", "view", patient_id=5)
    _event(world, "nurse", "update", patient_id=6)
    _event(world, "practitioner", "update", patient_id=5)
    filters = {"patient": 5, "user": world.members["nurse"].pk, "action": "update"}
    assert _shown(auditor, **filters) == {match.pk}


INVALID_FILTERS = {
    "patient id in words": {"patient": "abc"},
    "impossible date": {"date_from": "2024-02-31"},
    "end before start": {"date_from": "2024-03-10", "date_to": "2024-03-01"},
    "unknown action": {"action": "drop_table"},
    "unknown user": {"user": "999999"},
}


@pytest.mark.parametrize("filters", INVALID_FILTERS.values(), ids=INVALID_FILTERS.keys())
def test_invalid_filters_show_the_error_and_no_records(
    world: World, auditor: Client, filters: dict[str, str]
) -> None:
    _event(world, "nurse", "view", patient_id=1)
    response = auditor.get("/audit/", filters)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "The filters are not valid:" in response.content.decode()
    assert list(response.context["page"]) == []


def test_csv_export_holds_the_filtered_events(world: World, auditor: Client) -> None:
    patient = make_patient(world.clinic)
    _event(
        world,
        "nurse",
        "view",
        object_id=str(patient.pk),
        patient_id=patient.pk,
        request_id="req-7",
        ip="203.0.113.7",
        details={"part": "clinical"},
    )
    _event(world, "nurse", "view", patient_id=patient.pk + 1)
    rows = _export(auditor, patient=patient.pk, action="view")
    assert len(rows) == 1
    row = rows[0]
    assert (row["actor"], row["action"], row["object_type"], row["object_id"]) == (
        "nurse@alpha.test",
        "view",
        "patient",
        str(patient.pk),
    )
    assert (row["patient_id"], row["request_id"], row["ip"]) == (
        str(patient.pk),
        "req-7",
        "203.0.113.7",
    )
    assert "clinical" in row["details"]


def test_csv_export_is_itself_audited(world: World, auditor: Client) -> None:
    _export(auditor, action="view", patient=3)
    export = AuditEvent.objects.get(action="export")
    assert export.clinic == world.clinic
    assert export.actor == world.members["auditor"]
    assert export.details["filters"] == {"action": "view", "patient": "3"}
    assert export.request_id


def test_owner_may_read_the_trail(world: World, login: Callable[[User], Client]) -> None:
    assert login(world.members["owner"]).get("/audit/").status_code == 200


@pytest.mark.parametrize("role", ["nurse", "practitioner", "front_desk", "researcher"])
def test_staff_without_the_audit_right_get_403(
    world: World, login: Callable[[User], Client], role: str
) -> None:
    client = login(world.members[role])
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_outsider_never_sees_this_clinics_events(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic)
    _event(world, "nurse", "view", object_id=str(patient.pk), patient_id=patient.pk)
    outsider = login(world.outsider)
    response = outsider.get("/audit/")
    assert response.status_code == 200
    assert all(event.clinic_id == world.other_clinic.pk for event in response.context["page"])
    assert "alpha.test" not in response.content.decode()
    assert _shown(outsider, patient=patient.pk) == set()
    assert _shown(outsider, user=world.members["nurse"].pk) == set()
    rows = _export(outsider)
    assert rows
    assert not any("alpha" in value for row in rows for value in row.values())


def test_changes_and_details_read_as_sentences(world: World, auditor: Client) -> None:
    _event(
        world,
        "practitioner",
        "update",
        object_type="treatment_plan",
        changes={
            "status": {"before": "draft", "after": "active"},
            "notes": {"before": "", "after": "Week 2"},
        },
        details={"patients": [3, 5], "export": False},
    )
    page = auditor.get("/audit/").content.decode()
    # The plan's own labels for its stored choices, not the codes "draft" and "active".
    assert "Status changed from Draft to Active." in page
    assert "Notes set to Week 2." in page
    assert "Patients: 3, 5." in page
    assert "Export: no." in page
    assert "{&#x27;" not in page
    assert "{'" not in page


def test_the_export_writes_changes_as_json_and_french_in_french(
    world: World, auditor: Client
) -> None:
    patient = make_patient(world.clinic, family_name="Fontaine")
    _event(
        world,
        "nurse",
        "update",
        object_id=str(patient.pk),
        patient_id=patient.pk,
        changes={"phone": {"before": None, "after": "+33 6 12 34 56 78"}},
    )
    english = next(row for row in _export(auditor) if row["action"] == "update")
    assert (english["action"], english["object_type"]) == ("update", "patient")
    assert json.loads(english["changes"]) == {
        "phone": {"before": None, "after": "+33 6 12 34 56 78"}
    }
    User.objects.filter(pk=world.members["auditor"].pk).update(language="fr")
    response: HttpResponseBase = auditor.get("/audit/export.csv")
    assert isinstance(response, StreamingHttpResponse)
    text = response.getvalue().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    french = next(
        dict(zip(header, row, strict=True))
        for row in rows
        if row[header.index("Action")] == "Modifié"
    )
    assert french["Action"] == "Modifié"
    assert french["Type d'objet"] == "Patient"
    assert json.loads(french["Modifications"])["phone"]["after"] == "+33 6 12 34 56 78"
