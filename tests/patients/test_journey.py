"""A practitioner registers and finds a patient; other clinics and roles see only what they may."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from mesotrace.patients.models import Patient
from tests.browser import PageLog, Screenshot, sign_in, sign_out
from tests.conftest import World, make_patient

pytestmark = pytest.mark.browser

NEW_PATIENT = {
    "Given name": "Zélie",
    "Family name": "Vasseur-Lindqvist",
    "Date of birth": "1979-03-08",
    "Phone": "+33 6 41 52 63 74",
    "Medical history": "Migraine with aura since 2010; keloid scarring on the left shoulder.",
}
LISTED_AS = "VASSEUR-LINDQVIST Zélie"
PREFIX = "vasseu"


def register_patient(page: Page) -> None:
    page.get_by_role("link", name="New patient").first.click()
    expect(page.get_by_role("heading", name="New patient")).to_be_visible()
    for label, value in NEW_PATIENT.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Sex", exact=True).select_option(label="Female")
    page.get_by_role("button", name="Save").click()


def live_search(page: Page, text: str) -> None:
    """Types into the search box and waits for htmx's request, not for a page load."""
    box = page.get_by_role("searchbox", name="Search patients")
    with page.expect_response(lambda r: "q=" in r.url and "hx-request" in r.request.headers):
        box.fill(text)


def test_practitioner_registers_finds_and_outsider_sees_404(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    make_patient(browser_world.clinic)  # Camille Durand, whom the search must leave out
    sign_in(page, browser_world.members["practitioner"].email)
    expect(page.get_by_text("You are signed in as Practitioner.")).to_be_visible()
    screenshot(page, "01-home")

    register_patient(page)
    expect(page.get_by_role("status")).to_have_text("Patient Zélie Vasseur-Lindqvist registered.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(LISTED_AS)
    expect(page.get_by_text(NEW_PATIENT["Medical history"])).to_be_visible()
    expect(page).to_have_url(re.compile(r"/patients/\d+/$"))
    patient_url = page.url
    registered = Patient.objects.get(family_name="Vasseur-Lindqvist")
    assert registered.clinic == browser_world.clinic
    screenshot(page, "02-registered")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    expect(page.get_by_role("link", name="DURAND Camille")).to_be_visible()
    live_search(page, PREFIX)
    results = page.locator("#results")
    expect(results).to_contain_text(LISTED_AS)
    expect(results).not_to_contain_text("DURAND")
    expect(results.get_by_text("1 patient", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"\?q={PREFIX}$"))
    screenshot(page, "03-live-search")

    page.goto("/patients/")
    box = page.get_by_role("searchbox", name="Search patients")
    box.fill(PREFIX)
    with page.expect_navigation():
        box.press("Enter")
    expect(page.get_by_role("link", name=LISTED_AS)).to_be_visible()
    expect(page.get_by_role("link", name="DURAND Camille")).to_have_count(0)

    page.get_by_role("link", name=LISTED_AS).click()
    expect(page).to_have_url(patient_url)
    expect(page.get_by_role("heading", name="Clinical record")).to_be_visible()
    page_log.assert_clean()

    sign_out(page)
    sign_in(page, browser_world.outsider.email)
    expect(page.get_by_role("heading", name="Clinic beta")).to_be_visible()
    response = page.goto(patient_url)
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    body = page.locator("body")
    for value in [*NEW_PATIENT.values(), "Vasseur", "Zélie", registered.record_number]:
        expect(body).not_to_contain_text(value)
    screenshot(page, "04-outsider-not-found")

    page.goto("/patients/")
    live_search(page, PREFIX)
    expect(page.locator("#results")).to_contain_text("No patient matches.")
    expect(page.locator("#results")).not_to_contain_text("VASSEUR")
    screenshot(page, "05-outsider-search")
    page_log.assert_clean()


def test_search_button_works_without_javascript(
    page_without_javascript: Page, page_log: PageLog, browser_world: World
) -> None:
    page = page_without_javascript
    make_patient(browser_world.clinic)
    make_patient(browser_world.clinic, given_name="Inès", family_name="Okonkwo")
    sign_in(page, browser_world.members["nurse"].email)
    page.goto("/patients/")

    page.get_by_role("searchbox", name="Search patients").fill("okon")
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"\?q=okon$"))
    expect(page.get_by_role("link", name="OKONKWO Inès")).to_be_visible()
    expect(page.get_by_role("link", name="DURAND Camille")).to_have_count(0)
    page_log.assert_clean()


def test_front_desk_sees_no_clinical_record(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    patient = make_patient(browser_world.clinic, medical_history="Hypertension, treated.")
    sign_in(page, browser_world.members["front_desk"].email)
    page.get_by_role("link", name="Find a patient").click()
    page.get_by_role("link", name="DURAND Camille").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("DURAND Camille")
    expect(page.get_by_text("+33 6 00 11 22 33")).to_be_visible()
    expect(page.get_by_role("heading", name="Clinical record")).to_have_count(0)
    expect(page.get_by_role("link", name="Clinical record")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Hypertension")
    screenshot(page, "01-demographics-only")

    response = page.goto(f"/patients/{patient.pk}/clinical/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(
        page.get_by_text("Your role in Clinic alpha (Front desk) does not allow this.")
    ).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Hypertension")
    screenshot(page, "02-clinical-not-allowed")
    page_log.assert_clean()


def test_five_wrong_passwords_lock_the_sign_in(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    email = browser_world.members["nurse"].email
    for _attempt in range(4):
        sign_in(page, email, "not the password at all")
        expect(
            page.get_by_text("Please enter a correct email address and password")
        ).to_be_visible()
    screenshot(page, "01-wrong-password")
    sign_in(page, email, "still not the password")
    expect(page.get_by_role("heading", name="Too many failed sign-in attempts")).to_be_visible()

    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        sign_in(page, email)
    assert answer.value.status == 429
    expect(page.get_by_role("heading", name="Too many failed sign-in attempts")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot(page, "02-locked-out")

    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in to Mesotrace")).to_be_visible()
    page_log.assert_clean()
