"""The background work of FHIR, run by the task worker (`manage.py db_worker`).

`run_export` writes a bulk export's NDJSON files, one per resource type, streaming the
clinic's rows a chunk at a time; between chunks it records its progress and stops if the
export was cancelled. `expire_export` deletes an export's files when its time is up.
"""

from __future__ import annotations

import shutil
from typing import Any

import orjson
from django_tasks import task

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Membership
from mesotrace.fhir import queries, services
from mesotrace.fhir.models import ExportJob, ExportStatus

# Exports have their own queue and worker (`make serve`'s "exports" process), so a long
# export never delays the e-mail the default queue sends.
QUEUE = "exports"
# Progress is written to the job's row at most this often (resources written).
PROGRESS_EVERY = 5_000


class Cancelled(Exception):
    """The export was cancelled while it ran."""


def _actor(job: ExportJob) -> Actor:
    """The member who asked, acting through the worker (their role chose the types)."""
    asked = Membership.objects.select_related("user", "clinic").filter(clinic_id=job.clinic_id)
    if job.requested_by_id is None:
        return Actor.system("fhir export")
    return Actor.system("fhir export", asked.filter(user_id=job.requested_by_id).first())


def _absolute(job: ExportJob) -> Any:
    origin = job.base_url.split("/fhir/")[0]
    return lambda path: f"{origin}{path}"


def _rows(job: ExportJob) -> list[tuple[queries.Kind, Any]]:
    return [
        (
            queries.SERVED[name],
            queries.export_rows(queries.SERVED[name], job.clinic, job.group_id, job.since),
        )
        for name in job.types
    ]


class _Writer:
    """Writes each type's file and counts, telling the job's row how far it got."""

    def __init__(self, job: ExportJob) -> None:
        self.job = job
        self.written = 0
        self.reported = 0
        self.folder = job.folder()

    def write(self, kind: queries.Kind, rows: Any) -> dict[str, Any] | None:
        name = f"{kind.name}.ndjson"
        context = queries.context_for(self.job.clinic, _absolute(self.job), kind)
        count = 0
        with (self.folder / name).open("wb") as out:
            for resource in queries.exported(kind, rows, context):
                out.write(orjson.dumps(resource, option=orjson.OPT_APPEND_NEWLINE))
                count += 1
                self.written += 1
                if self.written - self.reported >= PROGRESS_EVERY:
                    self.report()
        if not count:
            (self.folder / name).unlink()
            return None
        return {"type": kind.name, "count": count, "file": name}

    def report(self) -> None:
        self.reported = self.written
        if not services.export_progress(self.job, self.written):
            raise Cancelled


def _write_all(job: ExportJob) -> list[dict[str, Any]] | None:
    chosen = _rows(job)
    if not services.start_export(job, sum(rows.count() for _kind, rows in chosen)):
        return None
    writer = _Writer(job)
    writer.folder.mkdir(parents=True, exist_ok=True)
    output = []
    for kind, rows in chosen:
        part = writer.write(kind, rows)
        if part:
            output.append(part)
    writer.report()
    return output


@task(queue_name=QUEUE)
def run_export(job_id: int) -> str:
    job = ExportJob.objects.select_related("clinic").filter(pk=job_id).first()
    if job is None or job.status != ExportStatus.QUEUED:
        return "skipped"
    try:
        output = _write_all(job)
    except Cancelled:
        shutil.rmtree(job.folder(), ignore_errors=True)
        return "cancelled"
    except Exception as error:
        if not services.fail_export(job, f"{type(error).__name__}: {error}"):
            return "cancelled"
        raise
    if output is None:
        return "cancelled"
    if not services.finish_export(_actor(job), job, output):
        shutil.rmtree(job.folder(), ignore_errors=True)
        return "cancelled"
    return "done"


@task(queue_name=QUEUE)
def expire_export(job_id: int) -> str:
    """Runs when an export's files expire: deletes them, and every other expired export."""
    return f"{services.remove_expired_exports()} expired"
