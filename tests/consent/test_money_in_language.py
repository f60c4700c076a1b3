"""The consent document and its PDF write the course's price as the reader's language writes
money; the stored content keeps plain decimals, formatted only when rendered."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils import translation
from pypdf import PdfReader

from mesotrace.accounts.access import Actor
from mesotrace.consent import documents, services
from mesotrace.patients.models import Patient
from tests.conftest import World
from tests.treatments.builders import make_plan

ACTOR = Actor.system("test")


def _spaces(text: str) -> str:
    """Narrow and plain no-break spaces (Babel's French) read as plain spaces."""
    return re.sub(r"[\s\u202f\u00a0]+", " ", text)


def _pdf_text(pdf: bytes) -> str:
    return _spaces(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def _document_in(world: World, language: str) -> str:
    """The consent PDF of a patient who reads `language`, whoever renders it."""
    plan = make_plan(world.clinic, price_per_session=Decimal("120.00"), planned_sessions=10)
    Patient.objects.filter(pk=plan.patient_id).update(preferred_language=language)
    plan.patient.refresh_from_db()
    consent = services.generate_consent(ACTOR, plan)
    assert consent.content["plan"]["total"] == "1200.00"  # stored plain, language-free
    with translation.override("en" if language == "fr" else "fr"):  # the reader's: no matter
        return _pdf_text(documents.render_pdf(consent.content, consent.version))


def test_consent_pdf_prices_in_french_and_english(world: World) -> None:
    french = _document_in(world, "fr")
    english = _document_in(world, "en")

    assert "1 200,00 €" in french
    assert "120,00 €" in french
    assert "Total for the course: €1,200.00." in english
    assert "Price per session: €120.00." in english
