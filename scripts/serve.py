"""What `make serve` runs: the app as production runs it, with every process it needs.

Prepares (migrate; demo data when the database is empty, outside production; collectstatic),
then starts each process in PROCESSES and keeps them together: when one stops, or on
Ctrl-C or SIGTERM, the others are stopped too. Beside gunicorn run the task worker, which
sends e-mail from the database queue, the export worker, which writes bulk FHIR exports
from theirs, and the reminder sweep, which queues due appointment
confirmations and reminders every minute: no other server is needed. `scripts/dev.py`
(`make dev`) runs the same two beside Django's development server.

MESOTRACE_ENV defaults to "local": production settings served over plain HTTP at
127.0.0.1. PORT (8000), WEB_WORKERS and WEB_THREADS tune gunicorn.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STOP_GRACE_SECONDS = 10

# Two cores: two workers of four threads measured best for the clinic mix, since a request
# waiting on SQLite's commit sync leaves the core to another thread (README, Load).
WORKERS = os.environ.get("WEB_WORKERS", "2")
THREADS = os.environ.get("WEB_THREADS", "4")


@dataclass(frozen=True)
class Process:
    name: str
    command: Callable[[], list[str]]


def web() -> list[str]:
    host = os.environ.get("HOST", "127.0.0.1")
    return [
        str(BIN / "gunicorn"),
        "mesotrace.wsgi",
        f"--bind={host}:{os.environ.get('PORT', '8000')}",
        f"--workers={WORKERS}",
        f"--threads={THREADS}",
        "--timeout=30",
        "--graceful-timeout=10",
        "--max-requests=5000",  # recycles a worker now and then, with jitter, against leaks
        "--max-requests-jitter=500",
        "--forwarded-allow-ips=127.0.0.1",
        "--no-control-socket",
    ]


def worker() -> list[str]:
    """The background task worker: sends each queued e-mail; SIGTERM ends it between tasks."""
    return [str(BIN / "python"), "manage.py", "db_worker", "--interval=2", "--no-reload"]


def exports() -> list[str]:
    """The worker of bulk FHIR exports, on their own queue so e-mail never waits behind one."""
    return [
        *worker(),
        "--queue-name=exports",
        "--worker-id=exports",
    ]


def reminders() -> list[str]:
    return [str(BIN / "python"), "manage.py", "queue_reminders", "--every=60"]


PROCESSES = [
    Process("web", web),
    Process("worker", worker),
    Process("exports", exports),
    Process("reminders", reminders),
]


def manage(*args: str) -> None:
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, check=True)  # noqa: S603


def static_sources_stamp() -> str:
    """Changes when our static files or the pinned packages (which ship some) change."""
    digest = hashlib.sha256((ROOT / "constraints.txt").read_bytes())
    for path in sorted((ROOT / "mesotrace").glob("**/static/**/*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(ROOT)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def collect_static() -> None:
    """collectstatic compresses every file again (a minute on two cores): only when needed."""
    var = Path(os.environ.get("MESOTRACE_VAR_DIR", str(ROOT / "var")))
    stamp_file = Path(os.environ.get("MESOTRACE_STATIC_DIR", str(var / "static"))) / ".collected"
    stamp = static_sources_stamp()
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    print("Collecting and compressing static files (once per change)", flush=True)
    manage("collectstatic", "--noinput", "-v0")
    stamp_file.write_text(stamp)


def prepare(environment: str) -> None:
    manage("migrate", "--noinput", "-v0")
    if environment != "production":
        manage("demo_data", "--if-empty")
    collect_static()


def run(processes: list[Process]) -> int:
    children = {
        p.name: subprocess.Popen(p.command(), cwd=ROOT)  # noqa: S603
        for p in processes
    }
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    while not stopping:
        ended = [(name, c.returncode) for name, c in children.items() if c.poll() is not None]
        if ended:
            name, code = ended[0]
            print(f"serve: {name} stopped (exit {code}); stopping the others", flush=True)
            break
        time.sleep(0.2)
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return code


def main() -> int:
    os.environ.setdefault("MESOTRACE_ENV", "local")
    environment = os.environ["MESOTRACE_ENV"]
    prepare(environment)
    port = os.environ.get("PORT", "8000")
    print(f"Mesotrace ({environment}) on http://127.0.0.1:{port}/", flush=True)
    return run(PROCESSES)


if __name__ == "__main__":
    sys.exit(main())
