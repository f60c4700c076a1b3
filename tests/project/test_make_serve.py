"""`make serve` runs the app as production does (gunicorn, WhiteNoise, DEBUG off) and a
browser can sign in over plain http://127.0.0.1.

It runs the launcher `make serve` runs, on its own embedded SQLite, so it runs once, in the
SQLite pass of the suite.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="make serve runs the embedded SQLite; the SQLite pass covers it",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve")
    port = free_port()
    log = folder / "server.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MESOTRACE_VAR_DIR": str(folder / "var"),
        "PORT": str(port),
        "WEB_WORKERS": "2",
        "MESOTRACE_MAIL_DIR": str(folder / "mail"),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "scripts/serve.py"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    running = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert process.poll() is None, running.output()
        try:
            urllib.request.urlopen(running.base + "/healthz", timeout=2)  # noqa: S310
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("make serve did not answer within 300 s:\n" + running.output())
    yield running
    if process.poll() is None:
        process.kill()
        process.wait()


class Browser:
    """A cookie-keeping HTTP client that signs in through the real form."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as answer:
                return answer.status, dict(answer.headers), answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def post(self, path: str, fields: dict[str, str]) -> int:
        form = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(  # noqa: S310  (our own local server)
            self.base + path, data=form, headers={"Referer": self.base + "/"}
        )
        with self.opener.open(request, timeout=30) as answer:
            return int(answer.status)

    def sign_in(self, email: str, password: str) -> tuple[int, str]:
        _status, _headers, page = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "username": email, "password": password}
        ).encode()
        request = urllib.request.Request(  # noqa: S310  (our own local server)
            self.base + "/accounts/login/", data=form, headers={"Referer": self.base + "/"}
        )
        with self.opener.open(request, timeout=30) as answer:
            return answer.status, answer.geturl()


def test_health_answers_over_plain_http_with_debug_off(server: Server) -> None:
    browser = Browser(server.base)
    status, _headers, body = browser.get("/healthz")
    assert (status, body) == (200, '{"status": "ok", "database": "sqlite"}')
    status, _headers, body = browser.get("/no-such-page/")
    assert status == 404
    assert "Technical" not in body
    assert "URLconf" not in body


def test_a_browser_signs_in_over_http_and_patient_pages_are_not_cached(server: Server) -> None:
    browser = Browser(server.base)
    status, landed = browser.sign_in("owner@vita.demo", "demo")
    assert status == 200
    assert not landed.endswith("/accounts/login/"), "the sign-in did not hold"
    session = [c for c in browser.cookies if c.name == "sessionid"]
    assert session
    assert not session[0].secure
    status, headers, body = browser.get("/patients/")
    assert status == 200
    assert "no-store" in headers["Cache-Control"]
    assert "/static/" in body


def test_static_files_are_collected_and_served_compressed_for_long(server: Server) -> None:
    browser = Browser(server.base)
    _status, _headers, page = browser.get("/accounts/login/")
    found = re.search(r'/static/[^"]+\.[0-9a-f]{12}\.(?:css|js)', page)
    assert found, "no hashed static file on the page: collectstatic did not run"
    status, headers, _body = browser.get(found.group(0))
    assert status == 200
    assert "max-age=315360000" in headers["Cache-Control"]


def test_a_refusal_is_one_line_in_the_server_log(server: Server) -> None:
    browser = Browser(server.base)
    browser.sign_in("auditor@vita.demo", "demo")
    status, _headers, _body = browser.get("/patients/")
    assert status == 403
    time.sleep(0.5)
    lines = [line for line in server.output().splitlines() if "Forbidden" in line]
    assert lines == ["Forbidden (Permission denied): /patients/"]
    assert "Traceback" not in server.output()


def test_the_task_worker_beside_the_web_server_writes_email_to_files(server: Server) -> None:
    browser = Browser(server.base)
    browser.sign_in("owner@vita.demo", "demo")
    _status, _headers, listing = browser.get("/patients/")
    patients = re.findall(r'href="/patients/(\d+)/"', listing)
    assert patients, listing
    _status, _headers, record = browser.get(f"/patients/{patients[0]}/")
    action = f"/portal/staff/patients/{patients[0]}/email/"
    assert action in record, "no e-mail button: the demo patient has no address?"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', record)
    assert token

    assert browser.post(action, {"csrfmiddlewaretoken": token.group(1)}) == 200

    mail_dir = Path(server.log.parent / "mail")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list(mail_dir.glob("*.log")):
        time.sleep(0.5)
    written = "".join(path.read_text() for path in mail_dir.glob("*.log"))
    assert "Subject: Your patient portal at " in written, server.output()
    assert "/portal/open/" in written


def test_the_export_worker_beside_the_web_server_writes_a_bulk_export(server: Server) -> None:
    browser = Browser(server.base)
    browser.sign_in("owner@vita.demo", "demo")
    _status, _headers, page = browser.get("/exports/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    assert browser.post("/exports/", {"csrfmiddlewaretoken": token.group(1)}) == 200
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        _status, _headers, page = browser.get("/exports/")
        if "/files/" in page:
            break
        time.sleep(1)
    found = re.search(r'href="(/exports/\d+/files/\d+)"', page)
    assert found, server.output()
    status, headers, body = browser.get(found.group(1))
    assert status == 200
    assert headers["Content-Type"] == "application/fhir+ndjson"
    assert body.splitlines()[0].startswith('{"resourceType":')


def test_stopping_make_serve_stops_every_process(server: Server) -> None:
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(server.base + "/healthz", timeout=2)  # noqa: S310
