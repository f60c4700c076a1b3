"""A practitioner makes a plan split-body, then records a measurement from the progress page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from mesotrace.outcomes.models import Measurement, SplitBodyAllocation
from tests.browser import PageLog, Screenshot, sign_in
from tests.charting.builders import chartable
from tests.conftest import World, make_patient
from tests.outcomes.builders import HEAVY_LEGS, LEGS_COURSE, ensure_measurement_types
from tests.treatments.builders import ensure_starter_catalogue

pytestmark = pytest.mark.browser


def test_practitioner_allocates_a_side_and_records_a_calf_measurement(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    world = browser_world
    ensure_starter_catalogue()  # the flush after earlier browser tests removed it
    ensure_measurement_types()  # likewise
    patient = make_patient(world.clinic, given_name="Inès", family_name="Garnier")
    plan = chartable(world, patient=patient, protocol=HEAVY_LEGS, **LEGS_COURSE).plan
    sign_in(page, world.members["practitioner"].email)

    page.goto(f"/treatments/plans/{plan.pk}/")
    page.get_by_role("link", name="Outcomes and split-body").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outcomes")
    screenshot(page, "01-plan-outcomes")
    with page.expect_navigation():
        page.get_by_role("button", name="Allocate treated side at random").click()
    expect(page.get_by_role("status")).to_contain_text("Treated side allocated at random")
    expect(page.locator("#allocated")).to_contain_text("practitioner@alpha.test")
    allocation = SplitBodyAllocation.objects.get(plan=plan)
    expect(page.locator("#treated-side")).to_have_text(allocation.get_treated_side_display())
    screenshot(page, "02-allocated")

    page.get_by_role("link", name=re.compile("Progress of")).click()
    expect(page).to_have_url(re.compile(rf"/outcomes/patients/{patient.pk}/$"))
    page.get_by_role("link", name="Record a measurement").click()
    page.get_by_label("Measurement", exact=True).select_option(label="Calf circumference (cm)")
    expect(page.locator("select[name=unit] option[value=kg]")).to_be_disabled()
    page.get_by_label("Unit", exact=True).select_option(label="in")
    page.get_by_label("Value", exact=True).fill("15")
    page.get_by_label("Side", exact=True).select_option("left")
    page.get_by_label("Plan", exact=True).select_option(str(plan.pk))
    screenshot(page, "03-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Save measurement").click()

    expect(page.get_by_role("status")).to_contain_text("Measurement recorded")
    row = page.locator("#measurements tbody tr").first
    expect(row).to_contain_text("Calf circumference")
    expect(row).to_contain_text("38.1 cm")
    expect(row).not_to_contain_text("38.10")
    side = "treated" if allocation.treated_side == "left" else "control"
    expect(row).to_contain_text(f"Left ({side})")
    expect(page.locator("svg[aria-label='Calf circumference (cm)']")).to_be_visible()
    screenshot(page, "04-progress")
    assert Measurement.objects.get().value == pytest.approx(38.1)
    page_log.assert_clean()
    assert page_log.console_errors == []
