"""The chart page's running dose of lidocaine reaches its weight limit; the save is refused
with the limit in mL of the product in the syringe, and nothing is charted."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from mesotrace.accounts.access import Actor
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.outcomes import services as outcomes
from mesotrace.outcomes.queries.measurements import measurement_type
from mesotrace.treatments.models import TreatmentSession
from tests.browser import PageLog, Screenshot, sign_in
from tests.charting.builders import chartable
from tests.conftest import World, make_patient
from tests.inventory.builders import receive
from tests.outcomes.builders import ensure_measurement_types
from tests.treatments.builders import ensure_starter_catalogue

pytestmark = pytest.mark.browser


def test_running_lidocaine_total_reaches_the_limit_and_the_save_is_refused_in_ml(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    world = browser_world
    ensure_starter_catalogue()  # the flush after earlier browser tests removed it
    ensure_measurement_types()
    patient = make_patient(world.clinic, given_name="Léa", family_name="Moreau")
    weighed = timezone.now() - datetime.timedelta(days=2)
    kind = measurement_type("body-weight")
    outcomes.record_measurement(Actor.system("test"), patient, kind, 50, "kg", measured_at=weighed)
    chartable(world, patient=patient)
    lot = receive(world.clinic, "LD-7781", "50", product="lidocaine-2-generic")
    sign_in(page, world.members["practitioner"].email)

    page.goto("/charting/")
    page.get_by_role("link", name="Chart MOREAU").click()
    panel = page.locator("#dose-panel")
    expect(panel).to_contain_text("Body weight 50.0 kg")
    page.get_by_label("Product").select_option(label="Lidocaine 2% (generic)")
    page.get_by_label("Volume per point (mL)").fill("0.5")
    page.get_by_label("Fill a zone (nappage)").select_option("scalp:scalp")
    page.get_by_label("Points", exact=True).fill("20")
    page.get_by_role("button", name="Fill points").click()

    row = page.locator("#dose-totals tr[data-kind='per_kg']")
    expect(row).to_contain_text("200.00 mg")  # 10 mL of 20 mg/mL
    expect(row).to_contain_text("225.00 mg = 11.25 mL of Lidocaine 2% (generic)")
    expect(row).to_contain_text("close to the limit")
    screenshot(page, "01-close-to-the-limit")

    page.get_by_label("Points", exact=True).fill("3")
    page.get_by_role("button", name="Fill points").click()
    expect(row).to_contain_text("230.00 mg")
    expect(row).to_contain_text("over the limit")
    screenshot(page, "02-over-the-limit")

    with page.expect_navigation():
        page.get_by_role("button", name="Save session").click()
    errors = page.locator("#chart-errors")
    expect(errors).to_contain_text("Lidocaine: 230 mg charted in this session")
    expect(errors).to_contain_text("That limit is 11.25 mL of Lidocaine 2% (generic)")
    screenshot(page, "03-refused")
    assert TreatmentSession.objects.count() == 0
    assert on_hand(lot) == 50
    page_log.assert_clean()
