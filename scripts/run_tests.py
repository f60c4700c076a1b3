"""The whole suite: lint, types, migrations, then pytest on SQLite and on PostgreSQL.

Browser tests run in both passes. Without CI=true an unreachable PostgreSQL or a
missing chromium is reported loudly and skipped; with CI=true either is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CI = os.environ.get("CI", "").lower() == "true"
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
CHROMIUM = "/usr/bin/chromium"


def banner(text: str) -> None:
    line = "!" * 78
    print(f"\n{line}\n!! {text}\n{line}\n", flush=True)


def run(title: str, command: list[str], env: dict[str, str] | None = None) -> bool:
    print(f"\n=== {title}: {' '.join(command)}", flush=True)
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603  (our own fixed commands)
        command, cwd=ROOT, env={**os.environ, **(env or {})}, check=False
    )
    print(
        f"=== {title}: {'ok' if result.returncode == 0 else 'FAILED'}"
        f" in {time.monotonic() - started:.1f} s"
    )
    return result.returncode == 0


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]
    return None


def pytest_command(browser: bool) -> list[str]:
    command = [str(BIN / "pytest"), "-n", os.environ.get("TEST_WORKERS", "2"), "-q", "-ra"]
    return command if browser else [*command, "-m", "not browser"]


def main() -> int:
    results: dict[str, bool] = {}
    base_env = {"MESOTRACE_ENV": "test", "PYTHONDONTWRITEBYTECODE": "1"}
    results["ruff"] = run("ruff lint", [str(BIN / "ruff"), "check", "."]) and run(
        "ruff format", [str(BIN / "ruff"), "format", "--check", "."]
    )
    results["mypy"] = run(
        "mypy", [str(BIN / "mypy"), "mesotrace", "bench", "scripts", "tests"], base_env
    )
    results["layers"] = run("import-linter", [str(BIN / "lint-imports")], base_env)
    results["migrations"] = run(
        "migrations up to date",
        [str(BIN / "python"), "manage.py", "makemigrations", "--check", "--dry-run"],
        base_env,
    )

    browser = Path(CHROMIUM).exists()
    if not browser:
        if CI:
            banner(f"{CHROMIUM} is missing: browser tests cannot run (apt-get install chromium).")
            results["chromium"] = False
        else:
            banner(f"{CHROMIUM} is missing: BROWSER TESTS SKIPPED (apt-get install chromium).")

    results["pytest sqlite"] = run(
        "pytest on SQLite", pytest_command(browser), {**base_env, "DATABASE_URL": ""}
    )

    problem = postgres_reachable()
    if problem is None:
        name = f"mesotrace_{uuid.uuid4().hex[:8]}"
        url = POSTGRES.rsplit("/", 1)[0] + "/" + name
        results["pytest postgresql"] = run(
            "pytest on PostgreSQL", pytest_command(browser), {**base_env, "DATABASE_URL": url}
        )
    elif CI:
        banner(f"PostgreSQL is not reachable ({problem}): CI requires it.")
        results["pytest postgresql"] = False
    else:
        banner(f"PostgreSQL is not reachable ({problem}): POSTGRESQL TESTS SKIPPED.")

    print("\nSummary:")
    for name, ok in results.items():
        print(f"  {'ok    ' if ok else 'FAILED'} {name}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
