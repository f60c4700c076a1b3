"""Bulk export as a client runs it: kick off, let the task worker run, poll, download."""

from __future__ import annotations

import json
from typing import Any

from django.http import StreamingHttpResponse
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker

from mesotrace.accounts.access import Actor
from mesotrace.fhir import services, tasks
from mesotrace.inventory.models import RecallCampaign
from mesotrace.inventory.services import recalls
from mesotrace.patients.models import Patient
from tests.conftest import SYSTEM, World
from tests.fhir.builders import BASE, Record
from tests.messaging.builders import run_worker

ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


def kick_off(client: Client, path: str, headers: dict[str, Any]) -> str:
    """Starts an export; the status URL to poll."""
    response = client.get(f"{BASE}/{path}", **{**headers, **ASYNC})
    assert response.status_code == 202, response.content[:400]
    return str(response["Content-Location"])


def manifest(client: Client, status_url: str, headers: dict[str, Any]) -> dict[str, Any]:
    """The task worker runs what is queued; then the status answers with the manifest."""
    run_worker()
    response = client.get(status_url, **headers)
    assert response.status_code == 200, response.content[:400]
    assert response["Content-Type"] == "application/json"
    return dict(response.json())


def exported(client: Client, path: str, headers: dict[str, Any]) -> dict[str, Any]:
    return manifest(client, kick_off(client, path, headers), headers)


def ndjson(client: Client, url: str, headers: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(url, **headers)
    assert response.status_code == 200, getattr(response, "content", b"")[:400]
    assert response["Content-Type"] == "application/fhir+ndjson"
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def files(client: Client, found: dict[str, Any], headers: dict[str, Any]) -> dict[str, list[Any]]:
    """Every file of a manifest, read: the resources by type."""
    return {part["type"]: ndjson(client, part["url"], headers) for part in found["output"]}


def campaign_of(record: Record, *others: Patient) -> RecallCampaign:
    """A recall of the record's lot calling its patient (and `others`)."""
    patients = [record.patient.pk, *(p.pk for p in others)]
    return recalls.open_campaign(SYSTEM, record.lot, patients, reason="Atypical mycobacteria")


def sweep_entries(world: World) -> dict[str, int]:
    """A finished whole-clinic export of clinic A, and its first file, for the page sweep."""
    owner = Actor.system("sweep", world.membership("owner"))
    wanted = services.ExportRequest("system", ["Organization"], f"{BASE}/$export", BASE)
    job = services.request_export(owner, world.clinic, wanted)
    run_worker()
    return {"job_id": job.pk, "part": 0}


def run_export_worker_loop() -> None:
    """The exports worker's whole loop, as `make serve` runs it (`db_worker
    --queue-name=exports`, here in batch mode): for committed data only."""
    Worker(
        queue_names=[tasks.QUEUE],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-exports",
        excluded_queue_names=[],
    ).run()
