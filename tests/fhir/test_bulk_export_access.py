"""Who may export in bulk and read the files: the owner's token of the clinic; another
clinic's token finds nothing (404), a role without the right is refused (403); every export
and every file read is in the audit trail."""

from __future__ import annotations

import pytest

from mesotrace.audit.models import AuditAction, AuditEvent
from tests.fhir.builders import BASE, charted_record, validated
from tests.fhir.export_builders import ASYNC, exported, kick_off, manifest, ndjson


def _outcome(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    return validated(response.json())


def test_another_clinics_token_finds_neither_the_status_nor_the_files(world, client, bearer):
    charted_record(world)
    owner = bearer(world.members["owner"], world.clinic)
    status_url = kick_off(client, "$export", owner)
    found = manifest(client, status_url, owner)
    outsider = bearer(world.outsider, world.other_clinic)
    _outcome(client.get(status_url, **outsider), 404)
    _outcome(client.delete(status_url, **outsider), 404)
    for part in found["output"]:
        _outcome(client.get(part["url"], **outsider), 404)
    assert client.get(status_url, **owner).status_code == 200  # not cancelled by the outsider


@pytest.mark.parametrize("role", ["front_desk", "practitioner", "nurse", "auditor"])
def test_roles_without_the_right_cannot_export_or_read_exports(world, client, bearer, role):
    owner = bearer(world.members["owner"], world.clinic)
    status_url = kick_off(client, "$export?_type=Organization", owner)
    found = manifest(client, status_url, owner)
    member = bearer(world.members[role], world.clinic)
    for path in ("$export", "Patient/$export"):
        _outcome(client.get(f"{BASE}/{path}", **member, **ASYNC), 403)
    _outcome(client.get(status_url, **member), 403)
    _outcome(client.get(found["output"][0]["url"], **member), 403)


def test_without_a_token_nothing_is_exported(client):
    response = client.get(f"{BASE}/$export", **ASYNC)
    _outcome(response, 401)


def test_each_export_and_each_file_read_is_audited(world, client, bearer):
    charted_record(world)
    owner = world.members["owner"]
    headers = bearer(owner, world.clinic)
    found = exported(client, "$export?_type=Patient,MedicationAdministration", headers)
    (row,) = AuditEvent.objects.filter(action=AuditAction.EXPORT, details__fhir="$export")
    assert row.actor == owner
    assert row.clinic == world.clinic
    assert row.details["resources"] == {"Patient": 1, "MedicationAdministration": 2}
    assert row.details["total"] == 3
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, details__fhir="$export", actor=owner
    ).exists()
    administrations = next(p for p in found["output"] if p["type"] == "MedicationAdministration")
    assert len(ndjson(client, administrations["url"], headers)) == 2
    (read,) = AuditEvent.objects.filter(details__fhir="$export file")
    assert read.actor == owner
    assert read.details["type"] == "MedicationAdministration"
    assert read.details["count"] == 2
