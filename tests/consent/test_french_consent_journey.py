"""In the French clinic the practitioner works in French, plans a French patient's course and
opens the consent in French; the patient signs it in a French portal and downloads a French PDF.

Labels are looked up in the French catalogue (and must differ from the English), so the test
holds whatever wording the translators settle on.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from mesotrace.accounts import services as accounts
from mesotrace.consent.models import ConsentSignature
from mesotrace.treatments.models import TreatmentPlan
from tests.browser import PageLog, Screenshot, sign_in
from tests.conftest import SYSTEM, World, make_patient, make_practitioner
from tests.consent.builders import portal_link
from tests.treatments.builders import HAIR, ensure_starter_catalogue, shipped

pytestmark = pytest.mark.browser

ENGLISH_TITLE = "Your treatment plan and consent"


def fr(english: str) -> str:
    """The French the catalogue gives for an English message; never the English itself."""
    from django.utils import translation

    with translation.override("fr"):
        french = translation.gettext(english)
    assert french != english, f"not translated: {english}"
    return french


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def test_the_french_clinic_plans_and_the_patient_signs_a_french_consent(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    world = browser_world
    ensure_starter_catalogue()  # the flush after earlier browser tests removed it
    accounts.set_clinic_language(SYSTEM, world.clinic, "fr")
    me = world.members["practitioner"]
    make_practitioner(world.clinic, user=me, full_name="Dr Élise Moreau")
    patient = make_patient(world.clinic, given_name="Léonie", family_name="Fabre")
    assert patient.preferred_language == "fr"
    protocol = shipped(HAIR)

    # The practitioner's pages are French, as their clinic is.
    sign_in(page, me.email)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name=fr("New treatment plan")).click()
    expect(page.get_by_role("heading", name=fr("Choose a protocol"))).to_be_visible()
    page.locator(f'a[href="?protocol={protocol.pk}"]').click()
    page.locator("#id_price_per_session").fill("180")
    with page.expect_navigation():
        page.get_by_role("button", name=fr("Create draft plan")).click()
    plan = TreatmentPlan.objects.get(patient=patient)
    screenshot(page, "01-plan-in-french")

    page.get_by_role("link", name=fr("Consent document")).click()
    with page.expect_navigation():
        page.get_by_role("button", name=fr("Generate the current document")).click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    document = page.locator(".consent-document")
    expect(document).to_contain_text(fr("1. What will be injected"))
    expect(document).not_to_contain_text(ENGLISH_TITLE)
    screenshot(page, "02-consent-at-the-clinic")
    page.get_by_role("button", name=fr("Sign out")).click()

    # The patient's portal, opened in an English-speaking browser, is French: theirs is.
    _link, token = portal_link(patient, me)
    page.goto(f"/portal/open/{token}/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto(f"/portal/plans/{plan.pk}/consent/")
    expect(page.locator(".portal-document")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name=fr("1. What will be injected"))).to_be_visible()
    page.get_by_label(fr("Your full name")).fill("Léonie Fabre")
    statement = (
        "I have read this document, my questions were answered, and I agree to the treatment."
    )
    page.get_by_label(fr(statement)).check()
    with page.expect_navigation():
        page.get_by_role("button", name=fr("Sign the consent")).click()
    expect(page.get_by_role("heading", name=fr("You have signed this document"))).to_be_visible()
    screenshot(page, "03-signed-in-french")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=fr("Download the signed PDF")).click()
    path = download_info.value.path()
    assert path is not None
    pdf = path.read_bytes()
    signature = ConsentSignature.objects.get(document__plan=plan)
    assert pdf == bytes(signature.signed_pdf)
    assert signature.document.content["language"] == "fr"
    text = _words(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "Léonie Fabre" in text
    assert _words(fr("1. What will be injected")) in text
    assert _words(fr("Statement agreed to:")) in text
    assert _words(fr(statement)) in text
    assert ENGLISH_TITLE not in text
    page_log.assert_clean()
