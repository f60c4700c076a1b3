"""Two mycobacterial infections on one lot: the alert appears, charting refuses the lot, and
the alert opens the lot's trace."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from mesotrace.core.clock import clinic_today
from mesotrace.inventory.models import Lot, LotStatus
from mesotrace.patients.models import Patient
from mesotrace.safety.models import SafetyAlert
from mesotrace.treatments.models import TreatmentSession
from tests.browser import PageLog, Screenshot, sign_in
from tests.charting.builders import chartable, minoxidil_lot
from tests.conftest import World, make_patient
from tests.safety.builders import charted_on
from tests.treatments.builders import ensure_starter_catalogue

pytestmark = pytest.mark.browser


def _record_infection(page: Page, patient: Patient, screenshot: Screenshot, step: str) -> None:
    page.goto(f"/safety/patients/{patient.pk}/new/")
    form = page.locator("#event-form")
    form.get_by_label("Event:", exact=True).select_option(
        label="Skin infection, non-tuberculous mycobacteria"
    )
    form.get_by_label("Onset").fill(clinic_today(patient.clinic).isoformat())
    form.get_by_label("Severity grade (CTCAE)").select_option("2")
    form.get_by_label("Microbiology: organism").fill("Mycobacterium chelonae")
    expect(form.locator("input[name=sessions]").first).to_be_checked()  # proposed from look-back
    screenshot(page, step)
    with page.expect_navigation():
        form.get_by_role("button", name="Record event").click()
    expect(page.get_by_role("status").first).to_contain_text("Adverse event recorded")


def test_two_infections_on_one_lot_raise_the_alert_and_the_lot_is_refused_at_charting(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    world = browser_world
    ensure_starter_catalogue()  # the flush after earlier browser tests removed it
    lot = minoxidil_lot(world.clinic, "MX-NTM-7", "10")
    first = make_patient(world.clinic, given_name="Inès", family_name="Garnier")
    second = make_patient(world.clinic, given_name="Lucie", family_name="Perrin")
    for patient in (first, second):
        charted_on(world, lot, patient)
    next_patient = make_patient(world.clinic, given_name="Claire", family_name="Moreau")
    chartable(world, patient=next_patient)
    sign_in(page, world.members["practitioner"].email)

    _record_infection(page, first, screenshot, "01-first-infection")
    expect(page.locator("#safety-banner")).to_have_count(0)
    _record_infection(page, second, screenshot, "02-second-infection")

    banner = page.locator("#safety-banner")
    expect(banner).to_contain_text("Lot MX-NTM-7 of Minoxidil")
    expect(banner).to_contain_text("under investigation")
    expect(banner).to_contain_text("2 infection events in 90 days")
    assert Lot.objects.get(pk=lot.pk).status == LotStatus.UNDER_INVESTIGATION
    assert SafetyAlert.objects.filter(lot=lot, closed_at__isnull=True).count() == 1
    screenshot(page, "03-alert-banner")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    expect(page.locator("#safety-banner")).to_be_visible()  # on every staff page
    page.get_by_role("link", name="Chart MOREAU").click()
    lot_choice = page.locator("select[id^=mix-lot]").first
    expect(lot_choice).to_have_value(str(lot.pk))
    expect(lot_choice.locator("option:checked")).to_contain_text("under investigation")
    page.get_by_label("Volume per point (mL)").fill("0.1")
    scalp = page.locator("svg[data-view='scalp'] polygon.zone")
    box = scalp.bounding_box()
    assert box is not None
    scalp.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    expect(page.locator("#point-count")).to_have_text("1")
    with page.expect_navigation():
        page.get_by_role("button", name="Save session").click()
    errors = page.locator("#chart-errors")
    expect(errors).to_contain_text("Lot MX-NTM-7 is under investigation")
    expect(errors).to_contain_text("Only an owner can override this")
    expect(page.locator("#lot-override")).to_have_count(0)  # not the practitioner's call
    assert not TreatmentSession.objects.filter(patient=next_patient).exists()
    screenshot(page, "04-charting-refused")

    page.locator("#safety-banner").get_by_role("link", name="open trace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trace of lot MX-NTM-7")
    patients = page.locator("#trace-patients")
    expect(patients).to_contain_text("GARNIER Inès")
    expect(patients).to_contain_text("PERRIN Lucie")
    expect(page.get_by_role("button", name="Open recall campaign")).to_be_visible()
    screenshot(page, "05-trace")
    page_log.assert_clean()
    # The refused chart answers 422, which the console reports; nothing else went wrong.
    assert all("status of 422" in m for m in page_log.console_errors), page_log.console_errors
