"""Every shipped protocol schedule marked unverified carries the label wherever it is shown:
the protocol list and page, the plan chooser, the consent page and its PDF, and the API."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from django.test import Client
from pypdf import PdfReader

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import User
from mesotrace.catalogue.models import Protocol
from mesotrace.consent import documents, services
from tests.conftest import World, make_patient
from tests.treatments.builders import make_plan


def _unverified_schedules() -> list[Protocol]:
    found = list(
        Protocol.objects.shipped().filter(schedule_verification="U", sessions__isnull=False)
    )
    assert found, "the starter catalogue ships at least one unverified schedule"
    return found


def _row(html: str, name: str) -> str:
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if name in row]
    assert rows, name
    return rows[0]


def test_catalogue_pages_and_plan_chooser_label_an_unverified_schedule(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    patient = make_patient(world.clinic)
    listing = client.get("/catalogue/protocols/?per_page=100").content.decode()
    chooser = client.get(f"/treatments/patients/{patient.pk}/plans/new/").content.decode()
    for protocol in _unverified_schedules():
        assert ">unverified<" in _row(listing, protocol.name), protocol.slug
        assert ">unverified<" in _row(chooser, protocol.name), protocol.slug
        page = client.get(f"/catalogue/protocols/{protocol.pk}/").content.decode()
        sessions = page[page.index("Sessions</dt>") :]
        assert ">unverified<" in sessions[: sessions.index("</dd>")], protocol.slug


def test_consent_page_and_pdf_label_an_unverified_schedule(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.outsider)  # the owner of the US clinic, where every protocol is allowed
    for protocol in _unverified_schedules():
        plan = make_plan(world.other_clinic, protocol=protocol)
        consent = services.generate_consent(Actor.system("test"), plan)
        page = client.get(f"/consent/documents/{consent.pk}/").content.decode()
        line = re.sub(r"\s+", " ", page[page.index("3. How many treatments") :])
        assert "days apart. [unverified:" in line, protocol.slug
        pdf = documents.render_pdf(consent.content, consent.version)
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert "[unverified:" in re.sub(r"\s+", " ", text), protocol.slug


def test_the_api_marks_an_unverified_schedule(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    headers = bearer(world.members["researcher"], world.clinic)
    for protocol in _unverified_schedules():
        body = client.get(f"/api/v1/protocols/{protocol.pk}", **headers).json()
        assert body["schedule"]["verification"] == "U", protocol.slug
