"""The desk sends a portal link; the patient reads, draws a signature, signs, downloads the PDF."""

from __future__ import annotations

import io
import re
import time

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from mesotrace.consent.models import ConsentSignature
from mesotrace.portal.models import PortalLink
from tests.browser import PageLog, Screenshot, settled_box, sign_in, sign_out
from tests.conftest import World, make_patient
from tests.treatments.builders import HAIR, ensure_starter_catalogue, make_plan

pytestmark = pytest.mark.browser

STROKE = [(40, 140), (110, 50), (180, 150), (260, 60), (340, 140), (420, 70)]


def _draw(page: Page) -> None:
    canvas = page.locator("canvas#signature-canvas")
    canvas.scroll_into_view_if_needed()
    box = settled_box(page, canvas)
    scale = box["width"] / 600
    x0, y0 = STROKE[0]
    page.mouse.move(box["x"] + x0 * scale, box["y"] + y0 * scale)
    page.mouse.down()
    for x, y in STROKE[1:]:
        page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=6)
    page.mouse.up()


def test_patient_opens_the_portal_link_draws_signs_and_downloads_the_pdf(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    world = browser_world
    ensure_starter_catalogue()  # the flush after earlier browser tests removed it
    patient = make_patient(world.clinic, given_name="Léonie", family_name="Fabre")
    plan = make_plan(world.clinic, patient, protocol=HAIR, planned_sessions=6)
    compound = plan.protocol.compounds().order_by("name").first()
    assert compound is not None

    sign_in(page, world.members["front_desk"].email)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="Patient portal link").click()
    page.get_by_label("Valid for (days)").fill("10")
    with page.expect_navigation():
        page.get_by_role("button", name="Create portal link").click()
    url = page.locator("#portal-url").input_value()
    assert re.match(r"http://[^/]+/portal/open/[^/]+/$", url)
    screenshot(page, "01-link-created")
    sign_out(page)

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Léonie")
    expect(page.locator("#plans")).to_contain_text(plan.protocol.name)
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # no staff menu
    screenshot(page, "02-portal-home")

    page.get_by_role("link", name="Read your consent document").click()
    expect(page.get_by_role("heading", name="1. What will be injected")).to_be_visible()
    expect(page.locator(".consent-document")).to_contain_text(compound.name)
    expect(page.locator(".consent-document")).to_contain_text("6 sessions, 14 days apart")
    _draw(page)
    expect(page.locator("[data-signature-pad]")).to_have_class(re.compile(r"\bhas-ink\b"))
    assert page.locator("#id_drawn_signature").input_value().startswith("data:image/png;base64,")
    page.get_by_label("Your full name").fill("Léonie Fabre")
    drawing = page.locator("#id_drawn_signature").input_value()
    # Signing without the statement ticked: the reason shows at the top, the drawing stays.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign the consent").click()
    problems = page.locator("#sign-problems")
    expect(problems).to_contain_text("Your consent is not signed yet")
    box = problems.bounding_box()
    assert box is not None
    assert box["y"] < 600  # in the first screen, not 6,500 px down
    assert page.locator("#id_drawn_signature").input_value() == drawing
    expect(page.locator("[data-signature-pad]")).to_have_class(re.compile(r"\bhas-ink\b"))
    # On a 390 px phone the document wraps instead of widening the page.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label(re.compile("I have read this document")).check()
    screenshot(page, "03-drawn-and-ticked")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign the consent").click()

    expect(page.get_by_role("heading", name="You have signed this document")).to_be_visible()
    expect(page.locator("img.drawn-signature")).to_be_visible()
    screenshot(page, "04-signed")
    signature = ConsentSignature.objects.get(document__plan=plan)
    assert bytes(signature.drawn_signature).startswith(b"\x89PNG")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the signed PDF").click()
    download = download_info.value
    path = download.path()
    assert path is not None
    pdf = path.read_bytes()
    assert pdf == bytes(signature.signed_pdf)
    started = time.perf_counter()
    reader = PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert "Léonie Fabre" in text
    assert re.sub(r"\s+", " ", compound.name) in text
    assert "6 sessions, 14 days apart" in text
    print(
        f"\nsigned consent PDF: {len(pdf)} bytes, {len(reader.pages)} pages, "
        f"read back in {(time.perf_counter() - started) * 1000:.0f} ms"
    )

    # Back at the desk: the patient page lists the link, opened once, and revokes it.
    link = PortalLink.objects.get(patient=patient)
    sign_in(page, world.members["front_desk"].email)
    page.goto(f"/patients/{patient.pk}/")
    row = page.locator(f"#portal #link-{link.pk}")
    expect(row).to_contain_text(world.members["front_desk"].email)
    expect(row.locator(".last-opened")).not_to_have_text("never")
    with page.expect_navigation():
        row.get_by_role("button", name="Revoke").click()
    expect(page.locator(f"#portal #link-{link.pk}")).to_contain_text("Revoked")
    screenshot(page, "05-link-revoked-on-patient-page")
    page_log.assert_clean()
