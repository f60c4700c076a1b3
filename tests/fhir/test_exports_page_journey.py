"""Done when: in a browser the owner starts a whole-clinic export from the exports page,
watches it finish while the task worker runs (the page follows by itself), downloads the
patients' NDJSON file, and deletes the files."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from mesotrace.fhir.models import ExportJob, ExportStatus
from tests.browser import PageLog, Screenshot, sign_in
from tests.conftest import World, make_patient
from tests.fhir.export_builders import run_export_worker_loop

pytestmark = pytest.mark.browser


def test_the_owner_exports_the_clinic_and_downloads_a_file(
    page: Page, page_log: PageLog, browser_world: World, screenshot: Screenshot
) -> None:
    world = browser_world
    patient = make_patient(world.clinic, given_name="Amélie", family_name="Rousseau")
    page.goto("/accounts/login/", timeout=30_000)
    sign_in(page, world.members["owner"].email)
    page.get_by_role("link", name="FHIR exports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("FHIR bulk exports")
    with page.expect_navigation():
        page.get_by_role("button", name="Start a whole-clinic export").click()
    expect(page.get_by_text("Export queued: it runs in the background.")).to_be_visible()
    rows = page.locator("#exports tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Queued")
    screenshot(page, "01-queued")

    run_export_worker_loop()  # what `make serve`'s exports worker does

    # The page polls while an export runs: it shows the end without a reload.
    expect(rows.first).to_contain_text("Done", timeout=15_000)
    expect(rows.first).to_contain_text("100%")
    screenshot(page, "02-done")
    with page.expect_download() as download:
        rows.first.get_by_role("link", name="Patient", exact=True).click()
    path = download.value.path()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [str(patient.pk)]
    assert json.loads(lines[0])["name"][0]["given"] == ["Amélie"]

    with page.expect_navigation():
        rows.first.get_by_role("button", name="Delete the files").click()
    expect(page.get_by_text("Export cancelled and its files deleted.")).to_be_visible()
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.CANCELLED
    assert not job.folder().exists()
    page_log.assert_clean()
