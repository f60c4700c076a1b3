"""Every read and write of a patient leaves an audit record that nothing can change or remove.

The record is written in the transaction of the change it describes: a change that is
rolled back leaves no record, and a record that cannot be written takes the change with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from mesotrace.accounts.models import Clinic, User
from mesotrace.audit import services as audit
from mesotrace.audit.models import AppendOnlyError, AuditAction, AuditEvent, ObjectType
from mesotrace.patients import services as patients
from mesotrace.patients.models import Allergy, Patient
from tests.conftest import SYSTEM, World, make_patient

IP = "203.0.113.7"
TRACE: dict[str, Any] = {"REMOTE_ADDR": IP, "HTTP_X_REQUEST_ID": "trace-42"}  # WSGI environ
FORM = {
    "given_name": "Léa",
    "family_name": "Fontaine",
    "date_of_birth": "1990-04-12",
    "sex": "female",
    "phone": "",
    "email": "",
    "address": "",
    "medical_history": "",
    "pregnancy_status": "unknown",
}
CLINICAL_FORM = {
    "medical_history": "Updated.",
    "pregnancy_status": "unknown",
    "allergies-TOTAL_FORMS": "0",
    "allergies-INITIAL_FORMS": "0",
    "medications-TOTAL_FORMS": "0",
    "medications-INITIAL_FORMS": "0",
}


def _json(client: Client, method: str, url: str, body: Any, **extra: Any) -> Any:
    send = client.post if method == "post" else client.patch
    return send(url, json.dumps(body), content_type="application/json", **extra)


# Each operation: how the nurse does it, the action it must record, the status it answers.
Operation = Callable[[Client, Patient, dict[str, Any]], Any]
OPERATIONS: dict[str, tuple[Operation, str, int]] = {
    "page: register": (lambda c, p, h: c.post("/patients/new/", FORM, **TRACE), "create", 302),
    "page: open": (lambda c, p, h: c.get(f"/patients/{p.pk}/", **TRACE), "view", 200),
    "page: edit": (
        lambda c, p, h: c.post(f"/patients/{p.pk}/edit/", FORM, **TRACE),
        "update",
        302,
    ),
    "page: clinical": (lambda c, p, h: c.get(f"/patients/{p.pk}/clinical/", **TRACE), "view", 200),
    "page: clinical edit": (
        lambda c, p, h: c.post(f"/patients/{p.pk}/clinical/edit/", CLINICAL_FORM, **TRACE),
        "update",
        302,
    ),
    "api: create": (
        lambda c, p, h: _json(c, "post", "/api/v1/patients", FORM | {"phone": "01"}, **h, **TRACE),
        "create",
        201,
    ),
    "api: read": (lambda c, p, h: c.get(f"/api/v1/patients/{p.pk}", **h, **TRACE), "view", 200),
    "api: clinical": (
        lambda c, p, h: c.get(f"/api/v1/patients/{p.pk}/clinical", **h, **TRACE),
        "view",
        200,
    ),
    "api: patch": (
        lambda c, p, h: _json(
            c, "patch", f"/api/v1/patients/{p.pk}", {"phone": "02"}, **h, **TRACE
        ),
        "update",
        200,
    ),
}


@pytest.mark.parametrize(
    ("operation", "action", "status"), OPERATIONS.values(), ids=OPERATIONS.keys()
)
def test_every_patient_read_and_write_leaves_a_full_record(
    world: World,
    login: Callable[[User], Client],
    bearer: Callable[[User, Clinic], dict[str, Any]],
    operation: Operation,
    action: str,
    status: int,
) -> None:
    nurse = world.members["nurse"]
    patient = make_patient(world.clinic)
    headers = bearer(nurse, world.clinic)
    response = operation(login(nurse), patient, headers)
    assert response.status_code == status
    assert response["X-Request-ID"] == "trace-42"
    event = AuditEvent.objects.get(request_id="trace-42", action=action)
    subject = patient if action != "create" else Patient.objects.exclude(pk=patient.pk).get()
    assert (event.actor, event.actor_label) == (nurse, "nurse@alpha.test")
    assert event.clinic == world.clinic
    assert (event.object_type, event.object_id, event.patient_id) == (
        "patient",
        str(subject.pk),
        subject.pk,
    )
    assert event.ip == IP
    if action in {"create", "update"}:
        assert event.changes


def test_a_forwarded_for_header_does_not_fake_the_address_without_a_trusted_proxy(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic)
    login(world.members["nurse"]).get(
        f"/patients/{patient.pk}/", REMOTE_ADDR=IP, HTTP_X_FORWARDED_FOR="198.51.100.9"
    )
    assert AuditEvent.objects.get(action="view").ip == IP


def test_a_malformed_request_id_is_replaced_not_recorded(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic)
    response = login(world.members["nurse"]).get(
        f"/patients/{patient.pk}/", HTTP_X_REQUEST_ID="evil id'; --"
    )
    event = AuditEvent.objects.get(action="view")
    assert event.request_id == response["X-Request-ID"]
    assert len(event.request_id) == 32
    assert "evil" not in event.request_id


class CallerFailed(Exception):
    """The caller's own work fails after the service returned, inside the same transaction."""


def _fail_after(work: Callable[[], object]) -> None:
    with transaction.atomic():
        work()
        raise CallerFailed


def test_a_change_rolled_back_after_its_record_leaves_neither(world: World) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Latex"}])

    def change() -> None:
        patients.update_patient(
            SYSTEM,
            patient,
            patients.PatientInput(family_name="Roux", allergies=[patients.AllergyInput("Nickel")]),
        )
        assert AuditEvent.objects.filter(action="update").exists()

    with pytest.raises(CallerFailed):
        _fail_after(change)
    stored = Patient.objects.get(pk=patient.pk)
    assert stored.family_name == "Durand"
    assert [a.substance for a in Allergy.objects.filter(patient=patient)] == ["Latex"]
    assert not AuditEvent.objects.filter(action="update").exists()


def test_a_registration_rolled_back_after_its_record_leaves_neither(world: World) -> None:
    with pytest.raises(CallerFailed):
        _fail_after(lambda: make_patient(world.clinic, family_name="Fontaine"))
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.filter(object_type="patient").exists()


def test_a_change_whose_record_cannot_be_written_is_not_kept(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Latex"}])

    def fail(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("audit table unavailable")

    monkeypatch.setattr(audit, "record", fail)
    with pytest.raises(DatabaseError):
        patients.update_patient(
            SYSTEM,
            patient,
            patients.PatientInput(family_name="Roux", allergies=[patients.AllergyInput("Nickel")]),
        )
    assert Patient.objects.get(pk=patient.pk).family_name == "Durand"
    assert [a.substance for a in Allergy.objects.filter(patient=patient)] == ["Latex"]
    with pytest.raises(DatabaseError):
        make_patient(world.clinic, family_name="Fontaine")
    assert not Patient.objects.filter(family_name="Fontaine").exists()


@pytest.fixture
def event(world: World) -> AuditEvent:
    return audit.record(
        SYSTEM, AuditAction.VIEW, ObjectType.PATIENT, object_id=7, clinic=world.clinic
    )


def _unchanged(event: AuditEvent) -> None:
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.object_id, stored.actor_label) == ("view", "7", "system (test)")


def test_an_audit_record_cannot_be_changed_through_the_orm(event: AuditEvent) -> None:
    event.action = "delete"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="delete")
    # bulk_update joins the caller's transaction without a savepoint; give it its own.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update_or_create(pk=event.pk, defaults={"action": "delete"})
    _unchanged(event)


def test_an_audit_record_cannot_be_deleted_through_the_orm(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    _unchanged(event)


def test_a_forged_record_reusing_an_id_cannot_overwrite_the_original(event: AuditEvent) -> None:
    forged = AuditEvent(pk=event.pk, actor_label="nobody", action="delete", object_id="7")
    with pytest.raises((AppendOnlyError, DatabaseError)), transaction.atomic():
        forged.save()
    _unchanged(event)


def _raw(sql: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_a_raw_update(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["delete", event.pk])
    _unchanged(event)


def test_the_database_refuses_a_raw_delete_on_postgresql(event: AuditEvent) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite has no DELETE trigger (the test flush empties tables with DELETE); "
            "there the model and queryset guards above are what refuse deletion"
        )
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    _unchanged(event)
