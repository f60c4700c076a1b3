"""A practitioner plans a patient's course: protocol, screening, activation, booking, calendar."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from mesotrace.core.clock import clinic_today
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import Appointment, PlanStatus, TreatmentPlan
from tests.browser import PageLog, Screenshot, sign_in, sign_out
from tests.conftest import World, make_patient, make_practitioner
from tests.treatments.builders import ensure_starter_catalogue

pytestmark = pytest.mark.browser

HAIR = "Hair loss: minoxidil 2%"
LIPOLYSIS = "Injection lipolysis: PC/DC for gynoid fat"


def _next_monday(world: World) -> datetime.date:
    today = clinic_today(world.clinic)
    return today + datetime.timedelta(days=7 - today.weekday())


def _acknowledge_every_warning(page: Page) -> int:
    """One form: a reason for each open warning, then one click."""
    reasons = page.locator("#screening-form").get_by_label("Reason treatment may go ahead")
    count = reasons.count()
    for index in range(count):
        reasons.nth(index).fill("Discussed with the patient; scalp checked, INR stable.")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Acknowledge these {count} warnings").click()
    expect(page.get_by_role("status")).to_have_text(f"{count} warnings acknowledged.")
    return count


def test_practitioner_plans_screens_activates_books_and_sees_the_week(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    world = browser_world
    ensure_starter_catalogue()  # the flush after earlier browser tests removed it
    me = world.members["practitioner"]
    make_practitioner(world.clinic, user=me, full_name="Dr Élise Moreau")
    make_patient(
        world.clinic,
        given_name="Inès",
        family_name="Garnier",
        medications=[{"name": "Warfarin", "dose": "dose adjusted to INR"}],
    )
    sign_in(page, me.email)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    page.get_by_role("searchbox").fill("garnier ines")
    page.get_by_role("link", name="GARNIER Inès").click()
    page.get_by_role("link", name="New treatment plan").click()

    expect(page.get_by_role("heading", name="Choose a protocol")).to_be_visible()
    banned = page.get_by_role("row").filter(has_text=LIPOLYSIS)
    expect(banned).to_contain_text("Not allowed here")
    expect(banned).to_contain_text("2011-382")
    screenshot(page, "01-choose-protocol")
    page.get_by_role("link", name=f"Choose {HAIR}").click()

    preview = page.get_by_role("region", name="Screening preview")
    expect(preview).to_contain_text("The patient takes Warfarin")
    expect(page.get_by_label("Planned sessions")).to_have_value("10")
    expect(page.get_by_label("Days between sessions")).to_have_value("14")
    screenshot(page, "02-plan-form")
    page.get_by_label("Price per session").fill("180")
    page.get_by_label("Discount (%)").fill("10")
    page.get_by_label("Exercise (minutes per week)").fill("150")
    page.get_by_role("button", name="Create draft plan").click()

    expect(page.get_by_role("status")).to_contain_text("Draft plan created")
    expect(page.locator("#plan-total")).to_have_text("€1,620.00")
    screening = page.get_by_role("region", name="Screening")
    expect(screening).to_contain_text("anticoagulant or antiplatelet")
    expect(screening).to_contain_text("Rule out this contraindication: Uncontrolled diabetes.")
    expect(screening).not_to_contain_text("Children")  # born 1984: the record answers it
    with page.expect_navigation():
        page.get_by_role("button", name="Activate plan").click()
    expect(page.locator(".flash.error").first).to_contain_text("not acknowledged")
    screenshot(page, "03-screening-warnings")

    assert _acknowledge_every_warning(page) >= 5
    expect(page.get_by_text("Every warning is acknowledged.")).to_be_visible()
    expect(screening.locator("li.done").first).to_contain_text(
        "Acknowledged by practitioner@alpha.test"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Activate plan").click()
    expect(page.get_by_role("status")).to_have_text("Plan activated. Its course can now be booked.")
    expect(page.locator("#plan-status")).to_have_text("Active")
    screenshot(page, "04-activated")

    monday = _next_monday(world)
    page.get_by_role("link", name="Book the course").click()
    expect(page.get_by_label("Practitioner")).to_have_value(
        str(Practitioner.objects.get(user=me).pk)
    )
    page.get_by_label("First session on").fill(monday.isoformat())
    page.get_by_label("At").fill("10:00")
    page.get_by_label("Minutes per session").fill("30")
    screenshot(page, "05-book-course")
    page.get_by_role("button", name="Book all sessions").click()

    expect(page.get_by_role("status")).to_contain_text("10 sessions booked")
    rows = page.get_by_role("region", name="Appointments").get_by_role("row")
    expect(rows).to_have_count(11)  # a header and ten sessions
    plan = TreatmentPlan.objects.get()
    assert plan.status == PlanStatus.ACTIVE
    assert Appointment.objects.filter(plan=plan).count() == 10
    screenshot(page, "06-course-booked")

    rows.nth(1).get_by_role("link", name="Dr Élise Moreau").click()
    expect(page).to_have_url(re.compile(r"/treatments/schedule/\d+/week/\?date="))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dr Élise Moreau: week of")
    event = page.locator("table.calendar td.appointment")
    expect(event).to_have_count(1)
    expect(event).to_contain_text("10:00\u201310:30")
    expect(event).to_contain_text("GARNIER Inès")
    expect(event).to_contain_text("session 1/10")
    screenshot(page, "07-week-calendar")

    page.get_by_role("link", name="Next week").click()
    expect(page.locator("table.calendar td.appointment")).to_have_count(0)
    page.get_by_role("link", name="Next week").click()
    expect(page.locator("table.calendar td.appointment")).to_contain_text("session 2/10")
    page_log.assert_clean()

    plan_url = f"/treatments/plans/{plan.pk}/"
    sign_out(page)
    sign_in(page, world.outsider.email)
    response = page.goto(plan_url)
    assert response is not None
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Garnier")
    page_log.assert_clean()
