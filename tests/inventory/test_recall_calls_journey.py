"""The desk works through a recall: receives a lot, a practitioner recalls it, and each
exposed patient's call is logged in place (htmx) with the progress kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from mesotrace.inventory.models import Lot, RecallContact
from mesotrace.inventory.services import recalls
from tests.browser import PageLog, Screenshot, sign_in, sign_out
from tests.conftest import SYSTEM, World, make_patient
from tests.inventory.builders import days_from_today
from tests.treatments.builders import ensure_starter_catalogue

pytestmark = pytest.mark.browser


def test_lot_received_recalled_and_exposed_patients_called(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    world = browser_world
    ensure_starter_catalogue()  # the flush after earlier browser tests removed it
    sign_in(page, world.members["front_desk"].email)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inventory").click()
    page.get_by_role("link", name="Receive a lot").click()
    page.get_by_label("Product").select_option(label="Lidocaine 2% (generic)")
    page.get_by_label("Lot number").fill("LD-2611")
    page.get_by_label("Expiry date").fill(days_from_today(300).isoformat())
    page.get_by_label("Quantity received (mL)").fill("20")
    page.get_by_label("Supplier").fill("Pharma Sud")
    with page.expect_navigation():
        page.get_by_role("button", name="Receive").click()
    expect(page.locator("#on-hand")).to_have_text("20 mL")
    screenshot(page, "lot")
    sign_out(page)

    lot = Lot.objects.get(lot_number="LD-2611")
    sign_in(page, world.members["practitioner"].email)
    page.goto(f"/inventory/lots/{lot.pk}/")
    page.get_by_label("New status").select_option("recalled")
    page.get_by_label("Reason", exact=True).last.fill("Supplier notice: possible contamination")
    with page.expect_navigation():
        page.get_by_role("button", name="Change status").click()
    expect(page.locator("#on-hand")).to_have_text("0 mL")
    expect(page.locator("#lot-problem")).to_contain_text("is recalled")
    sign_out(page)

    patients = [
        make_patient(world.clinic, family_name=name, phone=phone)
        for name, phone in (("Garnier", "+33 6 10 20 30 40"), ("Roussel", "+33 6 50 60 70 80"))
    ]
    campaign = recalls.open_campaign(SYSTEM, lot, [p.pk for p in patients])
    sign_in(page, world.members["front_desk"].email)
    page.goto(f"/inventory/recalls/{campaign.pk}/")
    expect(page.locator("#progress")).to_contain_text("0 / 2")
    garnier = RecallContact.objects.get(campaign=campaign, patient=patients[0])
    row = page.locator(f"#contact-{garnier.pk}")
    expect(row).to_contain_text("+33 6 10 20 30 40")
    row.get_by_label("Outcome").select_option("reached_no_symptoms")
    row.get_by_label("Notes").fill("No nodule, no redness; call again at 4 weeks.")
    row.get_by_role("button", name="Save").click()

    expect(page.locator(f"#contact-{garnier.pk}")).to_contain_text("Reached, no symptoms")
    expect(page.locator(f"#contact-{garnier.pk}")).to_have_class("reached saved")
    # The counters follow the inline save, without reloading the page.
    expect(page.locator("#progress")).to_have_count(1)
    expect(page.locator("#progress")).to_contain_text("1 / 2")
    expect(page.locator("#progress")).to_contain_text("1 called at least once")
    screenshot(page, "campaign")
    garnier.refresh_from_db()
    assert (garnier.contacted, garnier.attempts) == (True, 1)
    page.reload()
    expect(page.locator("#progress")).to_contain_text("1 / 2")
    page_log.assert_clean()
