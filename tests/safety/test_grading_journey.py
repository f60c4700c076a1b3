"""A patient reports an infection from the portal; a practitioner finds it among the reports
to grade, grades it and links the session it followed, and the lot's cluster alert appears."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from mesotrace.inventory.models import Lot, LotStatus
from mesotrace.safety.models import AdverseEvent
from tests.browser import PageLog, Screenshot, sign_in
from tests.charting.builders import minoxidil_lot
from tests.conftest import World, make_patient
from tests.safety.builders import charted_on, infection, patient_report
from tests.treatments.builders import ensure_starter_catalogue

pytestmark = pytest.mark.browser


def test_a_graded_patient_report_linked_to_its_session_raises_the_lots_alert(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    world = browser_world
    ensure_starter_catalogue()  # the flush after earlier browser tests removed it
    lot = minoxidil_lot(world.clinic, "MX-PORTAL-3", "10")
    infection(world, charted_on(world, lot))
    patient = make_patient(world.clinic, given_name="Inès", family_name="Garnier")
    session = charted_on(world, lot, patient)
    report = patient_report(patient, description="A red, oozing bump where I was injected")
    sign_in(page, world.members["practitioner"].email)

    page.goto("/safety/")
    expect(page.locator("#safety-banner")).to_have_count(0)
    page.get_by_role("link", name="1 patient report to grade").click()
    row = page.locator(f"tr[data-event='{report.pk}']")
    expect(row.locator("td.reporter")).to_have_text("Patient")
    screenshot(page, "01-reports-to-grade")
    row.get_by_role("link", name="grade it").click()

    form = page.locator("#grade-form")
    form.get_by_label("Severity grade (CTCAE)").select_option("2")
    form.get_by_label("Causality (WHO-UMC)").select_option("probable")
    form.get_by_label(f"{session.performed_on:%Y-%m-%d}", exact=False).check()
    expect(form).to_contain_text("lots MX-PORTAL-3")
    screenshot(page, "02-grade-form")
    with page.expect_navigation():
        form.get_by_role("button", name="Save the grading").click()

    expect(page.get_by_role("status").first).to_contain_text("Event graded")
    expect(page.locator("#grade")).to_have_text("2")
    banner = page.locator("#safety-banner")
    expect(banner).to_contain_text("Lot MX-PORTAL-3")
    expect(banner).to_contain_text("2 infection events in 90 days")
    expect(page.get_by_role("link", name="1 patient report to grade")).to_have_count(0)
    screenshot(page, "03-alert-after-grading")
    assert Lot.objects.get(pk=lot.pk).status == LotStatus.UNDER_INVESTIGATION
    assert AdverseEvent.objects.get(pk=report.pk).grade == 2
    page_log.assert_clean()
