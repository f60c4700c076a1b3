"""What every database benchmark shares: one child process per database, and its set-up.

Django reads DATABASE_URL once, at setup, so a benchmark's `run` starts its own module as
a child per database: SQLite in a temporary file, then PostgreSQL in a fresh
`mesotrace_bench_*` database dropped afterwards, or skipped, loudly, when the server does
not answer. The child calls `setup()` and measures.
"""

from __future__ import annotations

import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import LiteralString

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL",
    os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
)


def banner(text: str) -> None:
    line = "!" * 78
    print(f"\n{line}\n!! {text}\n{line}\n", flush=True)


def postgres_problem() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    return None


def admin(statement: LiteralString, database: str) -> None:
    """CREATE or DROP DATABASE {} on the server, with `database` quoted as a name."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql.SQL(statement).format(sql.Identifier(database)))


def _child(title: str, module: str, arguments: Sequence[str], url: str, var_dir: str) -> bool:
    print(f"\n=== {title}", flush=True)
    env = {**os.environ, "DATABASE_URL": url, "MESOTRACE_VAR_DIR": var_dir}
    env.setdefault("MESOTRACE_ENV", "development")
    env["DEBUG"] = "false"  # DEBUG keeps every query's SQL, which would skew the timings
    command = [sys.executable, "-m", module, *arguments]
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
    return result.returncode == 0


def _on_sqlite(name: str, module: str, arguments: Sequence[str]) -> bool:
    var_dir = tempfile.mkdtemp(prefix="mesotrace_bench_")
    try:
        url = f"sqlite:///{var_dir}/bench.sqlite3"
        return _child(f"{name} on SQLite", module, arguments, url, var_dir)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def _on_postgres(name: str, module: str, arguments: Sequence[str]) -> bool:
    database = f"mesotrace_bench_{secrets.token_hex(4)}"
    base, _, _old = POSTGRES_URL.rpartition("/")
    admin("CREATE DATABASE {}", database)
    var_dir = tempfile.mkdtemp(prefix="mesotrace_bench_")
    try:
        title = f"{name} on PostgreSQL (database {database})"
        return _child(title, module, arguments, f"{base}/{database}", var_dir)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        admin("DROP DATABASE IF EXISTS {} WITH (FORCE)", database)


def on_each_database(name: str, module: str, arguments: Sequence[str]) -> bool:
    """Runs `python -m module arguments` on SQLite, then on PostgreSQL when it answers."""
    ok = _on_sqlite(name, module, arguments)
    problem = postgres_problem()
    if problem:
        banner(f"POSTGRESQL BENCHMARK SKIPPED: {POSTGRES_URL} is not reachable ({problem})")
        return ok
    return _on_postgres(name, module, arguments) and ok


# --- In the child -------------------------------------------------------------------------


def setup() -> None:
    """Django set up on the child's DATABASE_URL, migrated, and which database it is said."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesotrace.settings")
    os.environ.setdefault("MESOTRACE_ENV", "development")
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    print(f"{database_name()}: migrated in {time.monotonic() - started:.1f} s", flush=True)


def peak_memory_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM starts afresh at exec, where
    getrusage's maxrss keeps the peak of the process that started this one."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def database_name() -> str:
    from django.db import connection

    query = "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
    with connection.cursor() as cursor:
        cursor.execute(query)
        version = cursor.fetchone()[0]
    return f"{connection.display_name} {version}"


def median_seconds(job: Callable[[], object], repeats: int, warm: bool = True) -> float:
    """Median of `repeats` timed runs, after one untimed run to warm caches (`warm`)."""
    if warm:
        job()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        job()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def median_ms(job: Callable[[], object], repeats: int, warm: bool = True) -> float:
    return median_seconds(job, repeats, warm) * 1000


def load_average() -> str:
    """What else the machine was doing, printed beside the timings."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f} on {os.cpu_count()} CPUs"
