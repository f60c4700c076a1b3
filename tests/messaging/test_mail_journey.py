"""Done when: in a browser the owner sets the reminder lead time and e-mails a portal link;
the worker sends the link and a reminder, both arrive at a real SMTP server, the patient's
page shows them sent, and the link in the e-mail opens the patient's portal."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from mesotrace.accounts.access import Actor
from mesotrace.messaging import services
from mesotrace.messaging.models import MessageKind, MessageStatus
from tests.browser import PageLog, Screenshot, sign_in, sign_out
from tests.conftest import World, make_patient
from tests.messaging.builders import (
    MailServer,
    mail_server,
    messages_of,
    run_worker_process_loop,
    text_of,
    upcoming,
)
from tests.treatments.builders import ensure_starter_catalogue, next_weekday

pytestmark = pytest.mark.browser
__all__ = ["mail_server"]


def test_a_portal_link_and_a_reminder_reach_the_patient(
    page: Page,
    page_log: PageLog,
    browser_world: World,
    mail_server: MailServer,
    screenshot: Screenshot,
) -> None:
    world = browser_world
    ensure_starter_catalogue()  # the flush after earlier browser tests removed it
    patient = make_patient(world.clinic, given_name="Léonie", email="leonie@example.org")
    first = upcoming(world, patient, next_weekday(3, hour=10))  # 7 to 13 days ahead

    # The live server's first answer can take longer than a click on a busy machine.
    page.goto("/accounts/login/", timeout=30_000)
    sign_in(page, world.members["owner"].email)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="The clinic's e-mail settings").click()
    page.get_by_label("Send appointment confirmations and reminders by e-mail").check()
    page.get_by_label("Send reminders this many hours before the appointment").fill("336")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("E-mail settings saved.")).to_be_visible()

    page.goto(f"/patients/{patient.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name="E-mail a portal link").click()
    expect(page.get_by_text("E-mail queued: it is sent in the background.")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("Queued")

    # What `make serve` runs beside the web server: the sweep, then the worker's loop.
    services.queue_due_messages(Actor.system("reminders"))
    run_worker_process_loop()

    page.reload()
    table = page.locator("#messages")
    for kind in ("Portal link", "Appointment reminder"):
        expect(table.locator("tr", has_text=kind).locator(".status")).to_contain_text("Sent")
    screenshot(page, "01-sent")
    sent = {m.kind: m for m in messages_of(patient)}
    assert set(sent) == {
        MessageKind.PORTAL_LINK,
        MessageKind.REMINDER,
    }  # booked before: no confirmation
    assert {m.status for m in sent.values()} == {MessageStatus.SENT}
    assert sent[MessageKind.REMINDER].appointment_id == first.pk

    mails = mail_server.to("leonie@example.org")
    subjects = [str(m["Subject"]) for m in mails]
    assert f"Your patient portal at {world.clinic.name}" in subjects
    [reminder] = [m for m in mails if str(m["Subject"]).startswith("Reminder: appointment ")]
    assert [p.get_filename() for p in reminder.iter_attachments()] == ["appointment.ics"]
    [link_mail] = [m for m in mails if "patient portal" in str(m["Subject"])]
    found = re.search(r"http://\S+/portal/open/\S+/", text_of(link_mail))
    assert found is not None

    sign_out(page)
    page.goto(found.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Léonie")
    screenshot(page, "02-portal-from-email")
    page_log.assert_clean()
