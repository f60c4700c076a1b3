"""Playwright fixtures: one chromium per session, a fresh context per test, screenshots.

Chromium is Debian's (/usr/bin/chromium); Playwright's own browser download is not used.
Without it the browser tests skip loudly, or fail when CI=true.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API keeps an event loop running in the test thread for as long as
# the session-scoped driver lives, so Django would refuse every ORM call after the
# first browser test, in any test of this process; those calls are plain sync code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Response,
    expect,
    sync_playwright,
)

from tests.conftest import PASSWORD, World

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO_ROOT / "artifacts" / "browser"
TIMEOUT_MS = 5_000

Screenshot = Callable[[Page, str], Path]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            f"chromium not installed at {CHROMIUM} and CI=true: "
            "browser tests must run (apt-get install chromium)"
        )
    pytest.skip("chromium not installed: browser tests skipped (apt-get install chromium)")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    _require_chromium()
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
    )
    yield chromium
    chromium.close()


@dataclass
class PageLog:
    """What the browser complained about while a test ran."""

    console_errors: list[str] = field(default_factory=list)
    failed_static: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def on_response(self, response: Response) -> None:
        # 304 Not Modified is the browser's cache answering: the file did load.
        if "/static/" in response.url and response.status >= 400:
            self.failed_static.append(f"{response.status} {response.url}")

    def assert_clean(self) -> None:
        violations = [m for m in self.console_errors if "Content Security Policy" in m]
        assert violations == [], "CSP violations in the browser console"
        assert self.failed_static == [], "static files did not load"


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


def _open_page(
    browser: Browser, live_server: Any, page_log: PageLog, **options: Any
) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.on("console", page_log.on_console)
    tab.on("response", page_log.on_response)
    yield tab
    context.close()


@pytest.fixture
def page(browser: Browser, live_server: Any, page_log: PageLog) -> Iterator[Page]:
    """A tab in a fresh browser context: no cookies or session from another test."""
    yield from _open_page(browser, live_server, page_log)


@pytest.fixture
def page_without_javascript(
    browser: Browser, live_server: Any, page_log: PageLog
) -> Iterator[Page]:
    """A tab for checking that forms still work when scripts never run."""
    yield from _open_page(browser, live_server, page_log, java_script_enabled=False)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Screenshot:
    """Saves artifacts/browser/<test name>-<step>.png and returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def take(tab: Page, step: str) -> Path:
        path = ARTIFACTS / f"{test_name}-{step}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def browser_world(transactional_db: Any, world: World) -> World:
    """The shared personas, committed so the live server's thread can see them."""
    return world


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Signs in through the real form and waits until the server has answered it."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Mesotrace")).to_be_visible()
