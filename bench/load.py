"""The clinic's mixed load against `make serve`'s server, measured with wrk:
`python -m bench.load [--seconds 15] [--connections 32] [--only sqlite]`.

On SQLite and then PostgreSQL, a child process builds the demo practice plus one patient
with 30 sessions of 40 injections, starts the server exactly as `make serve` does
(scripts/serve.py: gunicorn, WhiteNoise, DEBUG off) with a no-op view added, and runs
wrk (C, one thread, so the server keeps the two cores) for each scenario: the no-op view,
an audited API read, the heavy patient's page, and the mix of pages, API lists and
charting writes. It prints requests/s, p50 and p99, and each scenario's ratio to the
no-op view of the same run. `--profile` samples the server instead with pyinstrument.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.databases import ROOT, banner, database_name, load_average, on_each_database, setup

SCRIPT = Path(__file__).with_name("load.lua")
HEAVY_SESSIONS = 30
HEAVY_INJECTIONS = 40
# (weight, what) of the mix: reads dominate; every read of patient data writes its audit row.
MIX_WEIGHTS = {
    "patient search": 3,
    "patient record": 3,
    "plan page": 2,
    "chart page": 1,
    "lot trace": 1,
    "API patient list": 2,
    "API appointments": 2,
    "API patient": 3,
    "charting write (amendment)": 1,
}


@dataclass(frozen=True)
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: str


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15, help="per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--servers",
        default=f"{os.environ.get('WEB_WORKERS', '2')}x{os.environ.get('WEB_THREADS', '4')}",
        help="gunicorn workers x threads to compare, comma-separated (e.g. 2x1,4x1,2x4)",
    )
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run(options: argparse.Namespace) -> bool:
    if shutil.which("wrk") is None:
        banner("wrk is missing: apt-get install wrk")
        return False
    arguments = [
        "--child",
        f"--seconds={options.seconds}",
        f"--connections={options.connections}",
        f"--servers={options.servers}",
    ]
    from bench.databases import _on_postgres, _on_sqlite

    if options.only == "sqlite":
        return _on_sqlite("load", "bench.load", arguments)
    if options.only == "postgresql":
        return _on_postgres("load", "bench.load", arguments)
    return on_each_database("load", "bench.load", arguments)


# --- In the child: the practice, the server, wrk -------------------------------------------


def heavy_patient() -> int:
    """A patient with 30 signed sessions of 40 injections, copied from a charted demo session."""
    from django.db import transaction

    from mesotrace.treatments.models import Appointment, Injection, InjectionComponent
    from mesotrace.treatments.models import TreatmentSession as Session

    source = Session.objects.filter(injections__isnull=False).order_by("pk").first()
    assert source is not None, "the demo has no charted session to copy"
    injections = list(source.injections.order_by("pk"))
    components = {i.pk: list(InjectionComponent.objects.filter(injection=i)) for i in injections}
    with transaction.atomic():
        for number in range(HEAVY_SESSIONS):
            appointment = Appointment.objects.get(pk=source.appointment_id)
            appointment.pk = None
            appointment.sequence = 1000 + number
            shift = datetime.timedelta(days=7 * (number + 2))
            appointment.starts_at -= shift
            appointment.ends_at -= shift
            appointment.save()
            session = Session.objects.get(pk=source.pk)
            session.pk = None
            session.appointment = appointment
            session.idempotency_key = f"bench-heavy-{number}"
            session.save()
            for point in range(HEAVY_INJECTIONS):
                original = injections[point % len(injections)]
                copy = Injection.objects.get(pk=original.pk)
                copy.pk = None
                copy.session = session
                copy.number = point + 1
                copy.save()
                for component in components[original.pk]:
                    component.pk = None
                    component.injection = copy
                    component.save()
    return int(source.patient_id)


def prepare(folder: Path) -> dict[str, Any]:
    """The demo practice and the ids and credentials the scenarios use."""
    from django.test import Client

    from mesotrace.accounts import services as accounts
    from mesotrace.accounts.access import Actor
    from mesotrace.accounts.models import Membership
    from mesotrace.demo.generator import generate_demo
    from mesotrace.inventory.models import Lot
    from mesotrace.patients.models import Patient
    from mesotrace.treatments.models import Appointment, TreatmentPlan, TreatmentSession

    started = time.monotonic()
    generate_demo()
    heavy = heavy_patient()
    print(f"demo practice and the heavy patient in {time.monotonic() - started:.0f} s", flush=True)
    membership = Membership.objects.select_related("user", "clinic").get(
        user__email="practitioner@lumiere.demo"
    )
    clinic = membership.clinic
    _token, raw = accounts.issue_token(Actor.system("bench"), membership, "load benchmark")
    browser = Client()
    browser.force_login(membership.user)
    patients = list(Patient.objects.filter(clinic=clinic).order_by("pk")[:50])
    signed = TreatmentSession.objects.filter(clinic=clinic, signed_at__isnull=False).first()
    booked = Appointment.objects.filter(clinic=clinic, status="booked").order_by("pk").first()
    plan = TreatmentPlan.objects.filter(clinic=clinic).order_by("pk").first()
    lot = Lot.objects.filter(clinic=clinic).order_by("pk").first()
    assert signed is not None, "the demo practice has no signed session"
    assert booked is not None, "the demo practice has no booked appointment"
    assert plan is not None, "the demo practice has no plan"
    assert lot is not None, "the demo practice has no lot"
    return {
        "token": raw,
        "cookie": f"sessionid={browser.cookies['sessionid'].value}",
        "patients": [(p.pk, p.family_name) for p in patients],
        "heavy": heavy,
        "signed_session": signed.pk,
        "booked_appointment": booked.pk,
        "plan": plan.pk,
        "lot": lot.pk,
    }


def mix_requests(t: dict[str, Any]) -> list[dict[str, Any]]:
    (pid, name), (pid2, _name2) = t["patients"][3], t["patients"][7]
    # COUNTER becomes the request's number in load.lua: an amendment that changes nothing is
    # refused, so each one writes a new note.
    amendment = json.dumps({"reason": "load benchmark", "changes": {"notes": "note COUNTER"}})
    paths: dict[str, dict[str, Any]] = {
        "patient search": {"path": "/patients/?q=" + urllib.parse.quote(name[:4].lower())},
        "patient record": {"path": f"/patients/{pid}/"},
        "plan page": {"path": f"/treatments/plans/{t['plan']}/"},
        "chart page": {"path": f"/charting/appointments/{t['booked_appointment']}/chart/"},
        "lot trace": {"path": f"/charting/lots/{t['lot']}/trace/"},
        "API patient list": {"path": "/api/v1/patients?page_size=25", "api": True},
        "API appointments": {"path": "/api/v1/appointments?page_size=25", "api": True},
        "API patient": {"path": f"/api/v1/patients/{pid2}", "api": True},
        "charting write (amendment)": {
            "path": f"/api/v1/sessions/{t['signed_session']}/amendments",
            "api": True,
            "body": amendment,
        },
    }
    return [{**paths[name], "weight": weight} for name, weight in MIX_WEIGHTS.items()]


def lua_targets(folder: Path, name: str, t: dict[str, Any], requests: list[dict[str, Any]]) -> Path:
    def quoted(text: str) -> str:
        return json.dumps(text)  # a JSON string is a valid Lua string literal here

    entries = []
    for r in requests:
        fields = [f"path = {quoted(r['path'])}", f"weight = {r.get('weight', 1)}"]
        if r.get("api"):
            fields.append("api = true")
        if r.get("body"):
            fields.append(f"body = {quoted(r['body'])}")
        entries.append("{ " + ", ".join(fields) + " }")
    body = (
        f"return {{ token = {quoted(t['token'])}, cookie = {quoted(t['cookie'])},\n"
        f"  requests = {{ {', '.join(entries)} }} }}\n"
    )
    path = folder / f"{re.sub(r'[^a-z]+', '-', name)}.lua"
    path.write_text(body)
    return path


def check_answers(base: str, t: dict[str, Any], requests: list[dict[str, Any]]) -> None:
    """Each scenario's request answers 2xx once before it is timed."""
    for r in requests:
        headers = (
            {"Authorization": f"Bearer {t['token']}"} if r.get("api") else {"Cookie": t["cookie"]}
        )
        data = r["body"].replace("COUNTER", str(time.time_ns())).encode() if r.get("body") else None
        if data:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(base + r["path"], data=data, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            assert 200 <= answer.status < 300, (r["path"], answer.status)
            assert "/accounts/login/" not in answer.geturl(), f"{r['path']}: not signed in"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int, workers: str, threads: str, folder: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MESOTRACE_ENV": "local",
        "MESOTRACE_URLCONF": "bench.urls",
        "PORT": str(port),
        "WEB_WORKERS": workers,
        "WEB_THREADS": threads,
        "MESOTRACE_STATIC_DIR": str(ROOT / "var" / "bench-static"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DEBUG", None)
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "scripts/serve.py"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            assert server.poll() is None, (folder / "server.log").read_text()
            time.sleep(0.5)
    raise RuntimeError("the server did not start")


def wrk(base: str, targets: Path, name: str, options: argparse.Namespace) -> Result:
    command = [
        "wrk",
        "--threads=1",
        f"--connections={options.connections}",
        f"--duration={options.seconds}s",
        "--timeout=10s",
        "--latency",
        f"--script={SCRIPT}",
        base + "/",
    ]
    env = {**os.environ, "LOAD_TARGETS": str(targets)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = "; ".join(
        [line.strip() for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line]
        + sorted(set(done.stderr.split("\n")) - {""})
    )
    return Result(name, rps, _percentile(out, "50"), _percentile(out, "99"), errors)


def _percentile(out: str, which: str) -> float:
    found = re.search(rf"^\s+{which}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    assert found, out
    value, unit = float(found.group(1)), found.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def report(results: list[Result], server: str, options: argparse.Namespace) -> None:
    noop = results[0]
    workers, threads = server.split("x")
    print(
        f"\n{database_name()}: gunicorn {workers} workers x {threads} threads, "
        f"wrk 1 thread, {options.connections} connections, {options.seconds} s each; "
        f"{load_average()}"
    )
    print(f"{'scenario':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'x no-op':>9}")
    for r in results:
        # The ratio compares time per request: the no-op's rate over the scenario's.
        ratio = noop.requests_per_second / r.requests_per_second
        line = f"{r.name:<34}{r.requests_per_second:>9.0f}{r.p50_ms:>9.1f}{r.p99_ms:>9.1f}"
        print(f"{line}{ratio:>9.2f}  {r.errors}")
    mix = results[-1]
    print(
        f"targets: mix >= 400 req/s at p99 < 100 ms: {mix.requests_per_second:.0f} req/s, "
        f"p99 {mix.p99_ms:.0f} ms; audited read <= 2x no-op: "
        f"{noop.requests_per_second / results[1].requests_per_second:.2f}x; heavy patient page "
        f"<= 3x no-op: {noop.requests_per_second / results[2].requests_per_second:.2f}x",
        flush=True,
    )


def child(options: argparse.Namespace) -> int:
    folder = Path(os.environ["MESOTRACE_VAR_DIR"])
    setup()
    targets = prepare(folder)
    from django.db import connections

    connections.close_all()
    for server in options.servers.split(","):
        measure(server.strip(), targets, folder, options)
    return 0


def measure(
    server: str, targets: dict[str, Any], folder: Path, options: argparse.Namespace
) -> None:
    workers, threads = server.split("x")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(port, workers, threads, folder)
    try:
        (pid, _name) = targets["patients"][7]
        scenarios: list[tuple[str, list[dict[str, Any]]]] = [
            ("no-op view", [{"path": "/bench/noop"}]),
            ("audited read (API patient)", [{"path": f"/api/v1/patients/{pid}", "api": True}]),
            (
                f"patient page, {HEAVY_SESSIONS}x{HEAVY_INJECTIONS} injections",
                [{"path": f"/patients/{targets['heavy']}/"}],
            ),
            ("clinic mix", mix_requests(targets)),
        ]
        # Workers boot one after another after the first answers: warm them all up first,
        # or the first scenario measures their start-up instead of the no-op view.
        warm = lua_targets(folder, "warm-up", targets, scenarios[0][1])
        wrk(base, warm, "warm-up", argparse.Namespace(**{**vars(options), "seconds": 5}))
        results = []
        for name, requests in scenarios:
            check_answers(base, targets, requests)
            results.append(wrk(base, lua_targets(folder, name, targets, requests), name, options))
        report(results, server, options)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        logged = (folder / "server.log").read_text(errors="replace").splitlines()
        kinds = sorted({re.sub(r"\d+", "N", line)[:120] for line in logged if ": /" in line})
        if kinds:
            print("server log (kinds of lines):", *kinds[:8], sep="\n  ")


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    if options.child:
        return child(options)
    return 0 if run(options) else 1


if __name__ == "__main__":
    sys.exit(main())
