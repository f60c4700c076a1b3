"""A French reader meets no English sentence: every staff page, every portal page, the consent
page and its PDF, and every e-mail, rendered in French.

Each test reads all of its pages before failing, and its failure lists every English sentence
found with where it was found, split in two: messages already marked for translation (waiting
for their French in the catalogue) and text nobody marked (a string to wrap in gettext).
Text a French page shows in English on purpose sits in an element with lang="en".
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from mesotrace.accounts.models import Clinic
from mesotrace.consent import documents as consent_documents
from mesotrace.consent.models import ConsentDocument, ConsentSignature
from mesotrace.inventory.models import RecallCampaign
from mesotrace.messaging import documents as mail_documents
from mesotrace.messaging import services as messaging
from mesotrace.messaging.models import OutboundMessage
from mesotrace.patients.models import Patient
from mesotrace.treatments.models import Appointment, TreatmentPlan
from tests.conftest import World
from tests.consent.builders import open_portal, portal_link
from tests.project.english import (
    Catalogue,
    english_lines,
    english_sentences,
    interface_messages,
    shipped_texts,
    sorted_by_kind,
)
from tests.project.test_isolation_sweep import (
    _body,
    _fill,
    _own_ids,
    _request,
    access_of,
    all_pages,
    clinic_data,
)
from tests.treatments.builders import actor_for

__all__ = ["clinic_data"]  # the sweep's fixture: one object of each kind a URL can take

LANGUAGE = "fr"
# Signed-in staff and patients read the language of their clinic, their own or the patient's,
# whatever the browser asks for: the pages are fetched with an English browser.
IN_FRENCH: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}
PORTAL_SKIPPED = ("portal/open", "portal/leave", "portal/staff")
REPORT = os.environ.get("MESOTRACE_ENGLISH_REPORT")  # a JSON file to collect every finding


class Findings:
    """English found, by where it was found; the failure message lists all of it."""

    def __init__(self) -> None:
        self.messages = interface_messages()
        self.catalogue = Catalogue(self.messages, shipped_texts())
        self.found: dict[str, list[str]] = {}

    def read(self, where: str, content_type: str, body: bytes) -> None:
        kind = content_type.split(";")[0].strip()
        if kind in {"text/html", "image/svg+xml"}:
            found = english_sentences(body.decode(), self.messages)
        elif kind == "text/csv":
            found = english_lines(csv_text(body.decode()), self.messages)
        elif kind == "application/pdf":
            found = english_lines(pdf_text(body), self.messages)
        elif kind.startswith("text/"):
            found = english_lines(body.decode(), self.messages)
        else:
            return  # JSON, pictures: not read as sentences
        if found:
            self.found.setdefault(where, []).extend(found)

    def report(self) -> str:
        lines: list[str] = []
        totals = {"unmarked": 0, "data": 0, "marked": 0}
        kinds = {
            where: sorted_by_kind(texts, self.catalogue) for where, texts in self.found.items()
        }
        for where, found in kinds.items():
            lines.append(f"{where}:")
            for kind, texts in found.items():
                totals[kind] += len(texts)
                lines += [f"    {kind.upper():9} {text}" for text in texts]
        if REPORT:
            saved = json.loads(Path(REPORT).read_text()) if Path(REPORT).exists() else {}
            Path(REPORT).write_text(json.dumps({**saved, **kinds}, indent=1, ensure_ascii=False))
        head = (
            f"English on French pages: {totals['unmarked']} UNMARKED (wrap them in gettext), "
            f"{totals['data']} catalogue DATA without French, "
            f"{totals['marked']} MARKED but not yet translated"
        )
        return "\n".join([head, *lines])

    def assert_none(self) -> None:
        assert not self.found, self.report()


def csv_text(text: str) -> str:
    """Each cell of a CSV export on its own line, but the structured ones (an audit row's
    changes as JSON): those are field names and values, not sentences."""
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")  # a French export
    cells = (cell for row in rows for cell in row)
    return "\n".join(cell for cell in cells if not cell.startswith(("{", "[")))


def pdf_text(pdf: bytes) -> str:
    """The PDF's lines, but its own source list: a PDF keeps no `lang`, and the titles,
    publishers and addresses it lists are quotations, in the language they were written in.
    The list is the lines from the "References" heading to the document's version line."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    lines = "\n".join(page.extract_text() or "" for page in pages).splitlines()
    heading = translation.gettext("References")
    after = translation.gettext("Document version (SHA-256):").rstrip(": \u00a0")
    if heading in lines:
        start = lines.index(heading) + 1
        end = next((i for i, line in enumerate(lines) if i >= start and line.startswith(after)), 0)
        if end:
            lines = lines[:start] + lines[end:]
    return "\n".join(lines)


@pytest.fixture(autouse=True)
def french_clinic(world: World) -> Iterator[None]:
    """A French clinic, before the sweep's data: its staff and new patients follow it, and
    what its staff write while the data is made (reasons, notes) is written in French."""
    Clinic.objects.filter(pk=world.clinic.pk).update(language=LANGUAGE)
    world.clinic.refresh_from_db()
    with translation.override(LANGUAGE):
        yield


@pytest.fixture
def findings() -> Iterator[Findings]:
    with translation.override(LANGUAGE):
        yield Findings()


def _read_page(client: Client, url: str, findings: Findings) -> None:
    response = _request(client, url, **IN_FRENCH)
    if response.status_code == 200:
        findings.read(url, response.get("Content-Type", ""), _body(response))
    elif response.status_code >= 400:
        findings.read(f"{url} ({response.status_code})", "text/html", _body(response))


def test_every_staff_page_is_french(
    world: World, clinic_data: dict[str, int], client: Client, findings: Findings
) -> None:
    owner = world.members["owner"]
    client.force_login(owner)
    ids = _own_ids(clinic_data, owner, world)
    swept = 0
    for page in all_pages():
        if access_of(page.view) == "public" or page.route.startswith("portal/"):
            continue
        _read_page(client, _fill(page.route, page.params, ids), findings)
        swept += 1
    assert swept >= 40
    findings.assert_none()


def test_the_public_pages_are_french(client: Client, findings: Findings) -> None:
    for url in ["/accounts/login/", "/this-page-does-not-exist/"]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=LANGUAGE)  # nobody signed in: the browser's
        findings.read(url, response.get("Content-Type", ""), _body(response))
    findings.assert_none()


def test_every_portal_page_and_the_consent_page_are_french(
    world: World, clinic_data: dict[str, int], client: Client, findings: Findings
) -> None:
    plan = TreatmentPlan.objects.get(pk=clinic_data["plan_id"])
    _link, token = portal_link(plan.patient, world.members["front_desk"])
    open_portal(client, token)
    signature = ConsentSignature.objects.filter(clinic=world.clinic).first()
    ids = {
        **clinic_data,
        "document_id": clinic_data["consent_id"],
        "signature_id": signature.pk if signature else 0,
    }
    swept = 0
    for page in all_pages():
        if page.route.startswith("portal/") and not page.route.startswith(PORTAL_SKIPPED):
            _read_page(client, _fill(page.route, page.params, ids), findings)
            swept += 1
    assert swept >= 3
    findings.assert_none()


def test_the_consent_document_and_its_pdf_are_french(
    world: World, clinic_data: dict[str, int], findings: Findings
) -> None:
    document = ConsentDocument.objects.get(pk=clinic_data["consent_id"])
    content, version = document.content, document.version
    findings.read(
        "consent document", "text/html", consent_documents.render_html(content, version).encode()
    )
    findings.read("consent PDF", "application/pdf", consent_documents.render_pdf(content, version))
    signature = ConsentSignature.objects.filter(document=document).first()
    if signature is not None:
        findings.read(
            "countersigned consent PDF",
            "application/pdf",
            consent_documents.countersigned_pdf(signature),
        )
    findings.assert_none()


def _in_french_by_email(patient: Patient) -> Patient:
    assert patient.preferred_language == LANGUAGE  # a patient of a French clinic
    Patient.objects.filter(pk=patient.pk).update(email=f"patient{patient.pk}@example.fr")
    patient.refresh_from_db()
    return patient


def test_every_email_is_french(
    world: World, clinic_data: dict[str, int], findings: Findings
) -> None:
    patient = _in_french_by_email(TreatmentPlan.objects.get(pk=clinic_data["plan_id"]).patient)
    _in_french_by_email(Patient.objects.get(pk=clinic_data["patient_id"]))
    actor = actor_for(world.members["owner"], world.clinic)
    link, _token = portal_link(patient, world.members["front_desk"])
    messaging.send_portal_link(actor, patient, link.pk, "https://example.fr/portal/open/x")
    messaging.send_portal_link(
        actor, patient, link.pk + 1000, "https://example.fr/portal/open/y", consent=True
    )
    appointment = Appointment.objects.filter(patient=patient).first()
    assert appointment is not None, "the sweep's data has an appointment for the patient"
    messaging.send_confirmation(actor, appointment)
    messaging.send_reminder(actor, appointment)
    campaign = RecallCampaign.objects.get(pk=clinic_data["campaign_id"])
    assert messaging.send_recall_letters(actor, campaign).queued == 1
    sent = list(OutboundMessage.objects.filter(clinic=world.clinic))
    assert {message.kind for message in sent} == {
        "portal_link",
        "consent_request",
        "confirmation",
        "reminder",
        "recall_letter",
    }
    for message in sent:
        email = mail_documents.build_email(message)
        where = f"e-mail {message.kind}"
        findings.read(where, "text/plain", f"{email.subject}\n{email.body}".encode())
        for name, attached, kind in email.attachments:
            text = attached if isinstance(attached, str) else attached.decode()
            findings.read(f"{where} {name}", kind, _ics_text(text).encode())
    findings.assert_none()


def _ics_text(ics: str) -> str:
    """The fields of an .ics a person reads (SUMMARY, DESCRIPTION, LOCATION), unfolded."""
    unfolded = ics.replace("\r\n ", "").replace("\n ", "")
    fields = ("SUMMARY", "DESCRIPTION", "LOCATION")
    return "\n".join(
        line.split(":", 1)[1].replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";")
        for line in unfolded.splitlines()
        if line.split(";")[0].split(":")[0] in fields
    )
