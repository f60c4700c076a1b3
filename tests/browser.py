"""Playwright fixtures: one chromium per session, a fresh context per test, screenshots.

Chromium is Debian's (/usr/bin/chromium); Playwright's own browser download is not used.
Without it the browser tests skip loudly, or fail when CI=true. Every page a test's tab
loads is checked with axe-core against WCAG 2.0/2.1 A and AA at desktop and phone width.
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
    Error,
    Page,
    Playwright,
    Response,
    ViewportSize,
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
# How long an assertion waits for the page to show what it expects: a form that saves a
# plan screens it and audits it first, and CI runs two test workers on two cores beside
# the server. A page that never shows the text still fails, only later.
ASSERT_TIMEOUT_MS = 15_000
expect.set_options(timeout=ASSERT_TIMEOUT_MS)
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)

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


def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: run `npm ci` (make test does it)")
    return AXE.read_text(encoding="utf-8")


_AXE_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ` +
        v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "));
}"""


def axe_violations(tab: Page) -> list[str]:
    """WCAG 2.0/2.1 A and AA violations on the tab as it is now, at its current width."""
    # evaluate() runs outside the page's Content-Security-Policy, which a script tag would not.
    if not tab.evaluate("typeof axe !== 'undefined'"):
        tab.evaluate(_axe_source())
    width = tab.evaluate("window.innerWidth")
    return [f"{tab.url} at {width} px: {v}" for v in tab.evaluate(_AXE_RUN, WCAG_A_AA)]


def assert_accessible(tab: Page) -> None:
    """Checks the tab's current state (an error shown, a dialog open) at both widths."""
    found = _check_both_widths(tab)
    assert found == [], "accessibility violations:\n" + "\n".join(found)


def _check_both_widths(tab: Page) -> list[str]:
    width = tab.viewport_size or DESKTOP
    found = []
    try:
        for size in (DESKTOP, PHONE):
            tab.set_viewport_size(size)
            found += axe_violations(tab)
    finally:  # a navigation that cuts the check short must not leave the tab a phone
        tab.set_viewport_size(width)
    return found


def settled_box(tab: Page, element: Any) -> dict[str, float]:
    """The element's box once the page's accessibility check (which resizes the tab to a
    phone and back) has finished: the same box twice, at the tab's own width. For tests
    that draw with the mouse at coordinates."""
    previous: Any = None
    for _ in range(50):
        tab.evaluate("() => new Promise(r => requestAnimationFrame(() => r(null)))")
        box = element.bounding_box()
        if box is not None and box == previous and tab.viewport_size == DESKTOP:
            return dict(box)
        previous = box
    raise AssertionError(f"the element's box never settled: {previous}")


@dataclass
class AccessibilityLog:
    """Every HTML page a tab loaded, checked once per address as soon as it loaded."""

    violations: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    running: bool = False
    pending: bool = False

    def on_load(self, tab: Page) -> None:
        # A page that loads while the previous one is being checked waits for that check:
        # Playwright delivers the event in the middle of the running one.
        self.pending = True
        if self.running:
            return
        self.running = True
        try:
            while self.pending:
                self.pending = False
                self._check(tab)
        finally:
            self.running = False

    def _check(self, tab: Page) -> None:
        if tab.url in self.checked:
            return
        try:
            if tab.evaluate("document.contentType") != "text/html":
                return
            self.checked.add(tab.url)
            self.violations += _check_both_widths(tab)
        except Error as error:
            # The test moved on to the next page before the check finished; that page
            # is checked when it loads.
            if "context was destroyed" not in str(error) and "navigat" not in str(error):
                raise

    def assert_clean(self) -> None:
        unique = list(dict.fromkeys(self.violations))
        assert unique == [], "accessibility violations:\n" + "\n".join(unique)


def _open_page(
    browser: Browser, live_server: Any, page_log: PageLog, **options: Any
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport=DESKTOP, **options
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.on("console", page_log.on_console)
    tab.on("response", page_log.on_response)
    accessibility = AccessibilityLog()
    if options.get("java_script_enabled", True):
        tab.on("load", accessibility.on_load)
    yield tab
    context.close()
    accessibility.assert_clean()


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
