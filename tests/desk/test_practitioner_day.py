"""A practitioner's day from the today board: open today's first appointment, countersign its
consent, chart it on the body map, sign it off, and see the board say so."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from mesotrace.consent.models import ConsentSignature
from mesotrace.treatments.models import SessionStatus, TreatmentSession
from tests.browser import PageLog, Screenshot, sign_in
from tests.charting.builders import appointment_today, minoxidil_lot
from tests.conftest import World, make_patient
from tests.consent.builders import drawn_consent
from tests.treatments.builders import HAIR, active_plan, ensure_starter_catalogue, practitioner_of

pytestmark = pytest.mark.browser

CLICKS = [(x, y) for x in (0.4, 0.6) for y in (0.4, 0.6)]  # inside the scalp


def test_practitioner_walks_the_day_from_the_today_board(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    world = browser_world
    ensure_starter_catalogue()  # the flush after earlier browser tests removed it
    user = world.members["practitioner"]
    practitioner = practitioner_of(world.clinic, user=user)
    patient = make_patient(world.clinic, given_name="Inès", family_name="Garnier")
    plan = active_plan(
        world.clinic, user, patient=patient, protocol=HAIR, practitioner=practitioner
    )
    drawn_consent(plan, world.members["front_desk"])  # signed at the desk, not countersigned
    appointment = appointment_today(plan)
    minoxidil_lot(world.clinic, "MX-DAY1", "10")
    sign_in(page, user.email)

    board = page.locator("#board-today")
    row = board.get_by_role("row").filter(has_text="GARNIER Inès")
    expect(row).to_contain_text("not countersigned by a clinician yet")
    expect(page.locator("#board-countersign")).to_contain_text("GARNIER Inès")
    screenshot(page, "01-board")

    row.get_by_role("link", name="not countersigned by a clinician yet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Treatment consent")
    with page.expect_navigation():
        page.get_by_role("button", name="Countersign").click()
    expect(page.get_by_text("Charting is covered by consent.")).to_be_visible()
    signature = ConsentSignature.objects.get(document__plan=plan)
    assert signature.countersigned_by == user
    screenshot(page, "02-countersigned")

    page.get_by_role("link", name="Mesotrace", exact=True).click()
    expect(row).to_contain_text("Consent in place")
    expect(page.locator("#board-countersign")).to_have_count(0)
    row.get_by_role("link", name="Chart GARNIER").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chart session: GARNIER Inès")
    expect(page.locator("#chart-problems")).to_have_count(0)
    expect(page.get_by_label("Fill a zone (nappage)")).to_have_value("scalp:scalp")  # the plan's
    page.get_by_label("Volume per point (mL)").fill("0.1")
    scalp = page.locator("svg[data-view='scalp'] polygon.zone")
    box = scalp.bounding_box()
    assert box is not None
    for fx, fy in CLICKS:
        scalp.click(position={"x": box["width"] * fx, "y": box["height"] * fy})
    expect(page.locator("#point-count")).to_have_text(str(len(CLICKS)))
    page.get_by_label("Pain score (0\u201310)").fill("2")
    screenshot(page, "03-chart")
    with page.expect_navigation():
        page.get_by_role("button", name="Save session").click()
    expect(page.get_by_role("status").first).to_contain_text("Session saved")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign session").click()
    expect(page.locator("#session-status")).to_have_text("Signed")
    session = TreatmentSession.objects.get(appointment=appointment)
    assert session.status == SessionStatus.SIGNED

    page.get_by_role("link", name="Mesotrace", exact=True).click()
    expect(row).to_contain_text("Charted and signed")
    expect(row.get_by_role("link", name="Chart GARNIER")).to_have_count(0)
    screenshot(page, "04-board-after")
    page_log.assert_clean()
    assert page_log.console_errors == []
