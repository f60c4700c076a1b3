"""The consent document is in the patient's language whoever opens it: its content records the
language (so the hash covers it), and the page, the text signed and both PDFs are in it."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from django.test import Client
from pypdf import PdfReader

from mesotrace.accounts import services as accounts
from mesotrace.accounts.models import User
from mesotrace.consent import documents, queries, services
from tests.conftest import SYSTEM, World, make_patient
from tests.consent.builders import signed_consent
from tests.treatments.builders import HAIR, actor_for, make_plan

FRENCH_TITLE = "Votre plan de traitement et votre consentement"
ENGLISH_TITLE = "Your treatment plan and consent"


def _pdf_text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def test_the_content_records_the_patients_language_and_the_hash_covers_it(world: World) -> None:
    french = make_plan(world.clinic, make_patient(world.clinic, preferred_language="fr"))
    english = make_plan(world.clinic, make_patient(world.clinic, preferred_language="en"))
    fr_content, fr_version = queries.current_content(french)
    en_content, _en_version = queries.current_content(english)
    assert (fr_content["language"], en_content["language"]) == ("fr", "en")
    assert documents.version_of({**fr_content, "language": "en"}) != fr_version
    # The terms a signature covers are what is agreed to, not the language they are told in.
    assert documents.terms_version({**fr_content, "language": "en"}) == documents.terms_version(
        fr_content
    )


def test_a_french_patients_document_is_french_whatever_the_readers_language(
    world: World,
) -> None:
    plan = make_plan(world.clinic, make_patient(world.clinic, preferred_language="fr"))
    consent = services.generate_consent(
        actor_for(world.members["practitioner"], world.clinic), plan
    )
    html = documents.render_html(consent.content, consent.version)
    assert FRENCH_TITLE in html
    assert "1. Ce qui vous sera injecté" in html
    text = documents.render_text(consent.content, consent.version)
    assert FRENCH_TITLE in text
    assert ENGLISH_TITLE not in text
    pdf = documents.render_pdf(consent.content, consent.version)
    assert FRENCH_TITLE in _pdf_text(pdf)


def test_staff_see_the_patients_document_in_the_patients_language_labelled(
    world: World, login: Callable[[User], Client]
) -> None:
    accounts.set_clinic_language(SYSTEM, world.clinic, "fr")
    reader = world.members["practitioner"]
    accounts.set_user_language(SYSTEM, reader, "en")
    plan = make_plan(world.clinic, make_patient(world.clinic), protocol=HAIR)
    consent = services.generate_consent(actor_for(reader, world.clinic), plan)

    response = login(reader).get(f"/consent/documents/{consent.pk}/")
    page = response.content.decode()
    assert '<html lang="en"' in page
    assert response["Content-Language"] == "en"
    assert "The patient's document, in the patient's language:" in page
    assert '<span lang="fr">Français</span>' in page
    assert '<div lang="fr">' in page
    assert FRENCH_TITLE in page
    assert ENGLISH_TITLE not in page


def test_the_signed_and_countersigned_pdfs_of_a_french_patient_are_french(
    world: World, login: Callable[[User], Client]
) -> None:
    plan = make_plan(world.clinic, make_patient(world.clinic, preferred_language="fr"))
    clinician = world.members["practitioner"]
    signature = signed_consent(plan, clinician)

    assert signature.statement.startswith("J'ai lu ce document")
    assert FRENCH_TITLE in signature.signed_text
    signed = _pdf_text(bytes(signature.signed_pdf))
    assert FRENCH_TITLE in signed
    assert "Déclaration acceptée" in signed

    response = login(clinician).get(f"/consent/documents/{signature.document_id}/pdf/")
    countersigned = _pdf_text(response.content)
    assert FRENCH_TITLE in countersigned
    assert "Contreseing" in countersigned
    assert ENGLISH_TITLE not in countersigned


SKIN = "skin-ageing-hyaluronic-acid-vitamin-c"
FRENCH_NAMES = ("Acide hyaluronique (non réticulé)", "Vitamine C (acide ascorbique)")
ENGLISH_NAMES = ("Hyaluronic acid (non-cross-linked)", "Vitamin C (ascorbic acid)")


def test_a_french_patients_consent_names_the_compounds_in_french(
    world: World, login: Callable[[User], Client]
) -> None:
    plan = make_plan(
        world.clinic,
        make_patient(world.clinic, preferred_language="fr"),
        protocol=SKIN,
        planned_sessions=4,
        interval_days=21,
    )
    clinician = world.members["practitioner"]
    consent = services.generate_consent(actor_for(clinician, world.clinic), plan)
    names = [(c["name"], c["name_lang"]) for c in consent.content["compounds"]]
    assert names == [(name, "fr") for name in FRENCH_NAMES]
    page = login(clinician).get(f"/consent/documents/{consent.pk}/").content.decode()
    text = documents.render_text(consent.content, consent.version)
    pdf = _pdf_text(documents.render_pdf(consent.content, consent.version))
    for shown in (page, text, pdf):
        for french, english in zip(FRENCH_NAMES, ENGLISH_NAMES, strict=True):
            assert french in shown
            assert english not in shown
    assert "pas encore traduit" not in text


def test_an_english_patients_consent_keeps_the_english_names(world: World) -> None:
    plan = make_plan(
        world.clinic,
        make_patient(world.clinic, preferred_language="en"),
        protocol=SKIN,
        planned_sessions=4,
        interval_days=21,
    )
    content, _version = queries.current_content(plan)
    assert [c["name"] for c in content["compounds"]] == list(ENGLISH_NAMES)
