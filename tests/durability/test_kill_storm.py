"""Every write the server acknowledged survives `kill -9` of the whole server, with its audit row.

Writers register patients through the API as fast as they can while the gunicorn server
(master and workers) is killed with SIGKILL and started again, a few times in a few
seconds. Afterwards every patient whose creation was answered 201 is in the database,
with its "create" audit row, and the database passes its integrity check.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections
from psycopg import sql

from mesotrace.accounts import services as accounts
from mesotrace.accounts.models import Membership
from tests.backups.databases import opened, postgres_url
from tests.conftest import SYSTEM, make_clinic

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WRITERS = 4
KILLS = 3
SECONDS_BETWEEN_KILLS = 1.2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def storm_database(folder: Path) -> Iterator[str]:
    """A copy of the (migrated, committed) test database for the server to write into."""
    if connection.vendor == "sqlite":
        copy = folder / "storm.sqlite3"
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        with sqlite3.connect(copy) as target:
            source.backup(target)
        source.close()
        target.close()
        yield f"sqlite:///{copy}"
        return
    name = f"mt_ops_storm_{uuid.uuid4().hex[:10]}"
    template = str(connection.settings_dict["NAME"])
    connections.close_all()  # a template database must have no other session
    with psycopg.connect(postgres_url("postgres"), autocommit=True) as admin:
        # This worker's test database: a session still open on it is one an earlier
        # test's server thread left behind, so it may be ended.
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [template],
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    try:
        yield postgres_url(name)
    finally:
        with psycopg.connect(postgres_url("postgres"), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


class Gunicorn:
    """The production server, started and killed as a whole process group."""

    def __init__(self, database_url: str, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "MESOTRACE_ENV": "local",
            "MESOTRACE_VAR_DIR": str(folder),
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "ERROR",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        log = (self.folder / f"server-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603  (our own server, fixed arguments)
            [
                str(BIN / "gunicorn"),
                "mesotrace.wsgi",
                f"--bind=127.0.0.1:{self.port}",
                "--workers=2",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        self.starts += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not come back within 60 s")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class Writers:
    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token
        self.stop = threading.Event()
        self.acknowledged: list[tuple[int, str]] = []
        self.failed = 0
        self.refused: list[str] = []
        self.threads = [threading.Thread(target=self._write, args=(n,)) for n in range(WRITERS)]

    def _write(self, writer: int) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            name = f"Storm{writer}x{number}"
            body = json.dumps(
                {
                    "given_name": "Ana",
                    "family_name": name,
                    "date_of_birth": "1980-01-02",
                    "sex": "female",
                }
            )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request(
                    "POST",
                    "/api/v1/patients",
                    body=body,
                    headers={
                        "Authorization": f"Bearer {self.token}",
                        "Content-Type": "application/json",
                    },
                )
                answer = conn.getresponse()
                payload = answer.read()
            except (OSError, http.client.HTTPException):
                self.failed += 1  # not acknowledged: the server died under it
                time.sleep(0.05)
                continue
            if answer.status == 201:
                self.acknowledged.append((int(json.loads(payload)["id"]), name))
            else:
                self.refused.append(f"{answer.status} {payload[:200]!r}")


@pytest.mark.django_db(transaction=True)
def test_every_acknowledged_write_survives_kill_9_with_its_audit_row(tmp_path: Path) -> None:
    clinic = make_clinic("storm")
    owner = accounts.add_member(
        SYSTEM, clinic, email="owner@storm.test", role="owner", password="x" * 20
    )
    _token, raw_token = accounts.issue_token(
        SYSTEM, Membership.objects.get(user=owner.user), "storm"
    )

    with storm_database(tmp_path) as url:
        server = Gunicorn(url, tmp_path)
        server.start()
        writers = Writers(server.port, raw_token)
        for thread in writers.threads:
            thread.start()
        started = time.monotonic()
        try:
            for _ in range(KILLS):
                time.sleep(SECONDS_BETWEEN_KILLS)
                server.kill()
                server.start()
            time.sleep(SECONDS_BETWEEN_KILLS)
        finally:
            writers.stop.set()
            for thread in writers.threads:
                thread.join(timeout=30)
            server.kill()
        storm_seconds = time.monotonic() - started

        with opened(url) as raw:
            patients = dict(
                raw.execute(
                    "SELECT id, family_name FROM patients_patient WHERE family_name LIKE 'Storm%'"
                ).fetchall()
            )
            audited = {
                int(row[0])
                for row in raw.execute(
                    "SELECT object_id FROM audit_auditevent "
                    "WHERE action = 'create' AND object_type = 'patient'"
                )
            }
            if isinstance(raw, sqlite3.Connection):
                assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    assert not writers.refused, writers.refused[:3]
    lost = [(pk, name) for pk, name in writers.acknowledged if patients.get(pk) != name]
    unaudited = [pk for pk, _ in writers.acknowledged if pk not in audited]
    print(
        f"\nkill storm ({connection.vendor}): {KILLS} kill -9 in {storm_seconds:.1f} s, "
        f"{len(writers.acknowledged)} writes acknowledged, {writers.failed} cut off unanswered, "
        f"{len(patients)} patients stored, {len(lost)} acknowledged writes lost, "
        f"{len(unaudited)} without their audit row"
    )
    assert len(writers.acknowledged) > 20, "the writers hardly wrote: the storm proves nothing"
    assert server.starts == KILLS + 1
    assert lost == []
    assert unaudited == []
    assert set(patients) <= audited  # nothing stored without its audit row either
