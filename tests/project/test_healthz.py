"""The health check a load balancer polls: 200 while the database answers, 503 once it cannot.

The failing case runs the app in a child process against a database that cannot be reached,
so the real connection code fails the way it would in production.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json; from django.test import Client; r = Client().get('/healthz'); "
    "print(json.dumps({'status': r.status_code, 'body': r.json(), 'type': r['Content-Type']}))"
)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def health_in_child(database_url: str, var_dir: Path) -> dict[str, object]:
    env = {
        **os.environ,
        "MESOTRACE_ENV": "test",
        "MESOTRACE_VAR_DIR": str(var_dir),
        "SECRET_KEY": "health-check-test-key-" + "x" * 40,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "CRITICAL",
    }
    result = subprocess.run(  # noqa: S603  (our own manage.py with a fixed command)
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.django_db
def test_healthz_reports_ok_and_the_database_in_use(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": connection.vendor}
    assert response.json()["database"] in {"sqlite", "postgresql"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_needs_no_sign_in(client: Client) -> None:
    assert client.get("/healthz", HTTP_AUTHORIZATION="Bearer mt_forged").status_code == 200


def test_healthz_is_503_when_the_sqlite_file_cannot_be_opened(tmp_path: Path) -> None:
    unopenable = tmp_path / "no-such-dir" / "mesotrace.sqlite3"
    answer = health_in_child(f"sqlite:///{unopenable}", tmp_path)
    assert answer["status"] == 503
    assert answer["body"] == {"status": "unavailable", "database": "sqlite"}
    assert str(answer["type"]).startswith("application/json")
    assert not unopenable.parent.exists()


def test_healthz_is_503_when_postgresql_does_not_answer(tmp_path: Path) -> None:
    url = f"postgres://postgres@127.0.0.1:{closed_port()}/mesotrace"
    answer = health_in_child(url, tmp_path)
    assert answer["status"] == 503
    assert answer["body"] == {"status": "unavailable", "database": "postgresql"}
