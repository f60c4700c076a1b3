"""Production fails closed: no secret, no start; no debug pages; Django's deploy check is clean.

Settings are read once per process, so each case starts the app in a child process with a
clean environment (nothing inherited from the shell running the tests).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOST = "clinic.example.org"
FACTS = (
    "import json; from django.conf import settings as s; "
    "from django.contrib.auth.hashers import get_hasher; "
    "print(json.dumps({'env': s.ENVIRONMENT, 'debug': s.DEBUG, 'hasher': get_hasher().algorithm, "
    "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE, "
    "'ssl_redirect': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS}))"
)


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MESOTRACE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        **env,
    }
    return subprocess.run(  # noqa: S603  (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def production(**extra: str) -> dict[str, str]:
    return {
        "MESOTRACE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        **extra,
    }


@pytest.mark.parametrize("mode", [{"MESOTRACE_ENV": "production"}, {}], ids=["explicit", "default"])
def test_production_without_a_secret_key_refuses_to_start(
    tmp_path: Path, mode: dict[str, str]
) -> None:
    result = manage(tmp_path, "check", ALLOWED_HOSTS=HOST, **mode)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set in production." in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_to_run_with_debug_on(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", **production(DEBUG="true"))
    assert result.returncode != 0
    assert "DEBUG cannot be on when MESOTRACE_ENV is production." in result.stderr


def test_configured_production_passes_the_deploy_check(tmp_path: Path) -> None:
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_runs_without_debug_and_with_secure_defaults(tmp_path: Path) -> None:
    result = manage(tmp_path, "shell", "-c", FACTS, **production())
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts == {
        "env": "production",
        "debug": False,
        "hasher": "argon2",
        "session_secure": True,
        "csrf_secure": True,
        "ssl_redirect": True,
        "hsts": 31536000,
    }
