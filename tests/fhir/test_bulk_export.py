"""Bulk export ($export): a client kicks off, polls, reads the manifest and downloads NDJSON
files of valid FHIR; it chooses types and a change time; the export runs on the task
worker, may be cancelled, and its files expire."""

from __future__ import annotations

import datetime
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mesotrace.fhir import services, tasks
from mesotrace.fhir.models import ExportJob, ExportStatus
from mesotrace.fhir.queries import KINDS, SERVED
from mesotrace.patients.models import Patient
from tests.conftest import make_patient
from tests.fhir.builders import BASE, charted_record, validated
from tests.fhir.export_builders import (
    ASYNC,
    campaign_of,
    exported,
    files,
    kick_off,
    manifest,
    ndjson,
)
from tests.messaging.builders import run_worker, time_passes


def _outcome(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    body = validated(response.json())
    assert body["resourceType"] == "OperationOutcome"
    return body


def test_a_whole_clinic_export_is_polled_then_downloaded_as_valid_ndjson(world, client, bearer):
    record = charted_record(world)
    campaign_of(record)
    headers = bearer(world.members["owner"], world.clinic)
    status_url = kick_off(client, "$export", headers)
    assert status_url.startswith("http://testserver/fhir/r4/$export-poll-status/")

    waiting = client.get(status_url, **headers)
    assert waiting.status_code == 202
    assert waiting["X-Progress"].startswith("0%")
    assert int(waiting["Retry-After"]) > 0

    found = manifest(client, status_url, headers)
    assert found["requiresAccessToken"] is True
    assert found["request"] == f"http://testserver{BASE}/$export"
    assert found["transactionTime"]
    assert found["error"] == []
    assert {part["type"] for part in found["output"]} == set(SERVED)
    resources = files(client, found, headers)
    for part in found["output"]:
        assert part["count"] == len(resources[part["type"]])
    for name, rows in resources.items():
        for resource in rows:
            assert validated(resource)["resourceType"] == name
    ids = {name: {r["id"] for r in rows} for name, rows in resources.items()}
    for name, pk in record.ids.items():
        assert str(pk) in ids[name], name
    group = resources["Group"][0]
    assert group["member"] == [{"entity": {"reference": f"Patient/{record.patient.pk}"}}]


def test_kick_off_needs_respond_async_and_known_parameters(world, client, bearer):
    headers = bearer(world.members["owner"], world.clinic)
    body = _outcome(client.get(f"{BASE}/$export", **headers), 400)
    assert body["issue"][0]["expression"] == ["Prefer"]
    for query, parameter in [
        ("_outputFormat=text/csv", "_outputFormat"),
        ("_since=yesterday", "_since"),
        ("_since=2026-01-01T00:00:00", "_since"),  # no time zone
        ("_type=Basic", "_type"),
        ("_elements=id", "_elements"),
    ]:
        body = _outcome(client.get(f"{BASE}/$export?{query}", **headers, **ASYNC), 400)
        assert body["issue"][0]["expression"] == [parameter], query
    # Practitioners and lots are not about a patient: not in a patient-level export.
    body = _outcome(client.get(f"{BASE}/Patient/$export?_type=Medication", **headers, **ASYNC), 400)
    assert not ExportJob.objects.exists()
    for given in ("application/fhir+ndjson", "application/ndjson", "ndjson"):
        kick_off(client, f"$export?_outputFormat={given}&_type=Organization", headers)


def test_type_chooses_the_files(world, client, bearer):
    charted_record(world)
    headers = bearer(world.members["owner"], world.clinic)
    found = exported(client, "$export?_type=Patient,Observation", headers)
    assert [part["type"] for part in found["output"]] == ["Patient", "Observation"]


def test_since_exports_only_what_changed_after_it(world, client, bearer):
    old = make_patient(world.clinic, family_name="Ancien")
    new = make_patient(world.clinic, family_name="Nouveau")
    long_ago = timezone.now() - datetime.timedelta(days=30)
    Patient.objects.filter(pk=old.pk).update(updated_at=long_ago)
    headers = bearer(world.members["owner"], world.clinic)
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    found = exported(client, f"$export?_type=Patient&_since={since.replace('+', '%2B')}", headers)
    patients = files(client, found, headers)["Patient"]
    assert [p["id"] for p in patients] == [str(new.pk)]
    # Nothing changed since: no file at all.
    later = (timezone.now() + datetime.timedelta(minutes=1)).isoformat().replace("+", "%2B")
    assert exported(client, f"$export?_type=Patient&_since={later}", headers)["output"] == []


def test_a_patient_export_holds_the_records_about_patients(world, client, bearer):
    charted_record(world)
    headers = bearer(world.members["owner"], world.clinic)
    found = exported(client, "Patient/$export", headers)
    types = {part["type"] for part in found["output"]}
    assert types == {name for name, kind in KINDS.items() if kind.patient_path}
    assert not types & {"Organization", "Practitioner", "Medication", "Group"}


def test_a_group_export_holds_only_the_campaigns_patients(world, client, bearer):
    record = charted_record(world)
    outside = make_patient(world.clinic, family_name="Horsgroupe")
    campaign = campaign_of(record)
    headers = bearer(world.members["owner"], world.clinic)
    resources = files(client, exported(client, f"Group/{campaign.pk}/$export", headers), headers)
    assert [p["id"] for p in resources["Patient"]] == [str(record.patient.pk)]
    text = json.dumps(resources)
    assert f"Patient/{outside.pk}" not in text
    assert len(resources["MedicationAdministration"]) == 2
    _outcome(client.get(f"{BASE}/Group/999999/$export", **headers, **ASYNC), 404)
    group = client.get(f"{BASE}/Group/{campaign.pk}", **headers)
    assert validated(group.json())["quantity"] == 1


def test_delete_cancels_a_finished_export_and_removes_its_files(world, client, bearer):
    charted_record(world)
    headers = bearer(world.members["owner"], world.clinic)
    status_url = kick_off(client, "$export", headers)
    found = manifest(client, status_url, headers)
    job = ExportJob.objects.get()
    assert any(job.folder().iterdir())
    assert client.delete(status_url, **headers).status_code == 202
    assert not job.folder().exists()
    _outcome(client.get(status_url, **headers), 404)
    _outcome(client.get(found["output"][0]["url"], **headers), 404)
    _outcome(client.delete(status_url, **headers), 404)


def test_a_queued_export_cancelled_is_never_written(world, client, bearer):
    headers = bearer(world.members["owner"], world.clinic)
    status_url = kick_off(client, "$export", headers)
    assert client.delete(status_url, **headers).status_code == 202
    run_worker()
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.CANCELLED
    assert not job.folder().exists()
    _outcome(client.get(status_url, **headers), 404)


def test_files_expire_and_the_worker_deletes_them(world, client, bearer, settings):
    charted_record(world)
    headers = bearer(world.members["owner"], world.clinic)
    status_url = kick_off(client, "$export", headers)
    found = manifest(client, status_url, headers)
    job = ExportJob.objects.get()
    assert job.expires_at is not None
    assert job.finished_at is not None
    expires = job.expires_at - job.finished_at
    assert expires == datetime.timedelta(hours=settings.FHIR_EXPORT_HOURS)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    _outcome(client.get(status_url, **headers), 404)
    _outcome(client.get(found["output"][0]["url"], **headers), 404)
    time_passes()
    run_worker()
    assert not ExportJob.objects.exists()
    assert not job.folder().exists()


def test_a_running_export_reports_its_progress(world, client, bearer):
    for index in range(3):
        make_patient(world.clinic, family_name=f"Patient{index}")
    headers = bearer(world.members["owner"], world.clinic)
    status_url = kick_off(client, "$export?_type=Patient", headers)
    ExportJob.objects.update(status=ExportStatus.RUNNING, total=3, written=2)
    response = client.get(status_url, **headers)
    assert response.status_code == 202
    assert response["X-Progress"] == "66% (2 of 3 resources)"


def test_ndjson_lines_are_one_resource_each(world, client, bearer):
    make_patient(world.clinic, family_name="Ligne", address="1 rue de la Paix\nParis")
    headers = bearer(world.members["owner"], world.clinic)
    found = exported(client, "$export?_type=Patient", headers)
    (patient,) = ndjson(client, found["output"][0]["url"], headers)
    assert patient["address"] == [{"text": "1 rue de la Paix\nParis"}]


def _export_costs(client, headers) -> dict[str, tuple[int, int]]:
    """Per type: (resources exported, queries the worker ran) of a one-type export."""
    found = {}
    for name in SERVED:
        status_url = kick_off(client, f"$export?_type={name}", headers)
        with CaptureQueriesContext(connection) as queries:
            run_worker()
        output = client.get(status_url, **headers).json()["output"]
        found[name] = (sum(part["count"] for part in output), len(queries))
    return found


def test_the_worker_runs_no_query_per_resource(world, client, bearer):
    headers = bearer(world.members["owner"], world.clinic)
    campaign_of(charted_record(world, "MX-Q-1"))
    one = _export_costs(client, headers)
    campaign_of(charted_record(world, "MX-Q-2"))
    two = _export_costs(client, headers)
    for name, kind in KINDS.items():
        if kind.patient_path:
            assert two[name][0] > one[name][0], name
    for name in SERVED:
        assert two[name][1] == one[name][1], (name, one[name], two[name])


def test_exported_resources_are_those_read_gives(world, client, bearer):
    record = charted_record(world)
    campaign_of(record)
    headers = bearer(world.members["owner"], world.clinic)
    resources = files(client, exported(client, "$export", headers), headers)
    for name, rows in resources.items():
        for resource in rows:
            read = client.get(f"{BASE}/{name}/{resource['id']}", **headers)
            assert read.json() == resource, name


def test_the_capability_statement_declares_export_and_group(client):
    statement = validated(client.get(f"{BASE}/metadata").json())
    rest = statement["rest"][0]
    assert "export" in {operation["name"] for operation in rest["operation"]}
    served = {resource["type"]: resource for resource in rest["resource"]}
    for name in ("Patient", "Group"):
        assert "export" in {operation["name"] for operation in served[name]["operation"]}
    assert {"read", "search-type"} == {i["code"] for i in served["Group"]["interaction"]}


def test_an_export_cancelled_while_it_runs_stops_and_keeps_no_file(
    world, client, bearer, monkeypatch
):
    """The owner cancels while the worker is between two chunks of the Patient file: the
    worker stops there, deletes what it wrote, and the export is gone for every client."""
    for index in range(6):
        make_patient(world.clinic, family_name=f"Patient{index}")
    headers = bearer(world.members["owner"], world.clinic)
    status_url = kick_off(client, "$export?_type=Patient", headers)
    monkeypatch.setattr(tasks, "PROGRESS_EVERY", 2)
    reported = []
    record_progress = services.export_progress

    def owner_cancels_after_two(job, written):
        reported.append(written)
        if written == 2:
            assert client.delete(status_url, **headers).status_code == 202
        return record_progress(job, written)

    monkeypatch.setattr(services, "export_progress", owner_cancels_after_two)
    run_worker()
    job = ExportJob.objects.get()
    assert reported == [2]
    assert job.status == ExportStatus.CANCELLED
    assert job.written == 0
    assert job.output == []
    assert not job.folder().exists()
    _outcome(client.get(status_url, **headers), 404)
