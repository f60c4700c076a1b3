"""A practitioner charts a session on the body map, sees the lot's stock drop, traces the lot."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from playwright.sync_api import Page, expect

from mesotrace.inventory.queries.stock import on_hand
from mesotrace.treatments.models import Injection, TreatmentSession
from tests.browser import PageLog, Screenshot, sign_in
from tests.charting.builders import chartable, minoxidil_lot
from tests.conftest import World, make_patient
from tests.treatments.builders import ensure_starter_catalogue

pytestmark = pytest.mark.browser

CLICKS = [(x, y) for x in (0.35, 0.5, 0.65) for y in (0.35, 0.5, 0.65)]  # inside the scalp


def test_practitioner_charts_on_the_body_map_and_traces_the_lot(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    world = browser_world
    ensure_starter_catalogue()  # the flush after earlier browser tests removed it
    patient = make_patient(world.clinic, given_name="Inès", family_name="Garnier")
    chartable(world, patient=patient)
    lot = minoxidil_lot(world.clinic, "MX-2291", "10")
    a_year_later = lot.expiry_date + datetime.timedelta(days=365)
    minoxidil_lot(world.clinic, "MX-LATER", "10", expiry=a_year_later)
    sign_in(page, world.members["practitioner"].email)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name="Chart GARNIER").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chart session: GARNIER Inès")
    expect(page.get_by_label("Lot")).to_have_value(str(lot.pk))  # earliest expiry first
    page.get_by_label("Volume per point (mL)").fill("0.1")
    page.get_by_label("Technique").select_option("nappage")
    screenshot(page, "01-chart")

    scalp = page.locator("svg[data-view='scalp'] polygon.zone")
    box = scalp.bounding_box()
    assert box is not None
    started = time.perf_counter()
    for fx, fy in CLICKS:
        scalp.click(position={"x": box["width"] * fx, "y": box["height"] * fy})
    expect(page.locator("#point-count")).to_have_text(str(len(CLICKS)))
    page.get_by_label("Fill a zone (nappage)").select_option("back:lower-back")
    page.get_by_label("Points", exact=True).fill("31")
    page.get_by_role("button", name="Fill points").click()
    clicking = time.perf_counter() - started
    expect(page.locator("#point-count")).to_have_text("40")
    expect(page.locator("#total-ml")).to_have_text("4.000")
    expect(page.locator("#totals-lot")).to_contain_text("MX-2291")
    page.get_by_label("Pain score (0\u201310)").fill("3")
    screenshot(page, "02-forty-points")

    with page.expect_navigation():
        page.get_by_role("button", name="Save session").click()
    expect(page.get_by_role("status").first).to_contain_text("Session saved")
    expect(page.locator("#session-points")).to_have_text("40")
    session = TreatmentSession.objects.get()
    assert Injection.objects.filter(session=session).count() == 40
    assert on_hand(lot) == 6
    with page.expect_navigation():
        page.get_by_role("button", name="Sign session").click()
    expect(page.locator("#session-status")).to_have_text("Signed")
    screenshot(page, "03-session")
    print(f"\n40 points placed by the browser in {clicking:.2f} s")

    page.locator("#session-lots").get_by_role("link", name="Lot", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/inventory/lots/{lot.pk}/$"))
    expect(page.locator("#on-hand")).to_have_text("6 mL")
    screenshot(page, "04-lot-stock")

    page.get_by_role("link", name="Trace: who received this lot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trace of lot MX-2291")
    patients = page.locator("#trace-patients")
    expect(patients).to_contain_text("GARNIER Inès")
    expect(patients).to_contain_text("+33 6 00 11 22 33")
    screenshot(page, "05-trace")
    page_log.assert_clean()
    assert page_log.console_errors == []


def test_a_refused_lot_stays_shown_and_swapping_it_saves_the_points_from_the_keyboard(
    page: Page, page_log: PageLog, browser_world: World
) -> None:
    world = browser_world
    ensure_starter_catalogue()
    appointment = chartable(world)
    good = minoxidil_lot(world.clinic, "MX-GOOD", "10")
    later = good.expiry_date + datetime.timedelta(days=365)
    short = minoxidil_lot(world.clinic, "MX-SHORT", "0.1", expiry=later)
    sign_in(page, world.members["practitioner"].email)
    page.goto(f"/charting/appointments/{appointment.pk}/chart/")
    page.get_by_label("Lot").select_option(str(short.pk))
    page.get_by_label("Volume per point (mL)").fill("0.1")

    scalp = page.get_by_role("button", name="Add a point: Scalp").first
    scalp.focus()
    for _ in range(3):
        page.keyboard.press("Enter")
    expect(page.locator("#point-count")).to_have_text("3")
    page.get_by_role("button", name=re.compile(r"^Point #3 ")).focus()
    page.keyboard.press("Delete")
    expect(page.locator("#point-count")).to_have_text("2")
    with page.expect_navigation():
        page.get_by_role("button", name="Save session").click()
    refusal = page.get_by_text("Point 1, product 1, lot: Lot MX-SHORT has only 0.1 mL")
    expect(refusal).to_be_visible()
    # The syringe shows the lot the kept points carry, not the earliest-expiry default.
    expect(page.get_by_label("Lot")).to_have_value(str(short.pk))
    expect(page.locator("#point-count")).to_have_text("2")

    page.get_by_label("Lot").select_option(str(good.pk))
    expect(page.locator("#syringe-message")).to_have_text("2 points now use the chosen lot.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save session").click()
    expect(page.get_by_role("status").first).to_contain_text("Session saved")
    session = TreatmentSession.objects.get()
    lots = set(Injection.objects.filter(session=session).values_list("components__lot", flat=True))
    assert lots == {good.pk}
    page_log.assert_clean()
