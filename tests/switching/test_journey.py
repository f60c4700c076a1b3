"""The owner of a clinic switching systems imports its CSV export in the browser: upload, map,
preview, import."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from mesotrace.patients.models import Patient
from tests.browser import Screenshot, sign_in
from tests.conftest import World
from tests.messaging.builders import run_worker_process_loop
from tests.outcomes.builders import ensure_measurement_types
from tests.switching.builders import FRENCH, utf8_bom

pytestmark = pytest.mark.browser


def test_owner_uploads_maps_previews_and_imports(
    page: Page, browser_world: World, screenshot: Screenshot
) -> None:
    ensure_measurement_types()
    sign_in(page, browser_world.members["owner"].email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import from another system")).to_be_visible()
    page.get_by_label("CSV file", exact=True).set_input_files(
        {"name": "ancien-logiciel.csv", "mimeType": "text/csv", "buffer": utf8_bom(FRENCH)}
    )
    page.get_by_role("button", name="Upload and map the columns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Map the columns: ancien-logiciel.csv"
    )
    expect(page.get_by_label("Date de naissance", exact=True)).to_have_value("date_of_birth")
    expect(page.get_by_label("Antécédents", exact=True)).to_have_value("medical_history")
    page.get_by_label("Téléphone", exact=True).select_option(label="Not imported")
    screenshot(page, "01-columns")
    page.get_by_role("button", name="Save the mapping and preview").click()
    expect(page).to_have_url(re.compile(r"/switching/\d+/preview/$"))
    rows = page.get_by_role("region", name="Rows")
    expect(rows.get_by_role("row")).to_have_count(4)
    expect(rows.get_by_text("“Poils de chat” matches no substance")).to_be_visible()
    screenshot(page, "02-preview")
    assert not Patient.objects.exists()
    page.get_by_role("button", name="Import 3 rows").click()
    expect(page.get_by_role("status")).to_contain_text("The import is under way.")
    run_worker_process_loop()  # the task worker `make serve` runs beside the web server
    expect(page.get_by_role("status")).to_contain_text("Imported on ")
    expect(page.get_by_role("definition").first).to_have_text("3")
    screenshot(page, "03-imported")
    helene = Patient.objects.get(clinic=browser_world.clinic, family_name="Lefèvre")
    assert helene.phone == ""  # the column the owner left out
    assert [a.substance for a in helene.allergies.all()] == ["Lidocaïne", "pénicilline"]
