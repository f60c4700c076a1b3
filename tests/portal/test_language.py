"""The portal speaks the patient's preferred language, whatever the browser or the clinic says;
a link that opens nothing answers in the browser's language."""

from __future__ import annotations

import io
import re
from typing import Any

from django.test import Client
from pypdf import PdfReader

from mesotrace.accounts import services as accounts
from tests.conftest import SYSTEM, World, make_patient
from tests.consent.builders import open_portal, portal_link
from tests.treatments.builders import HAIR, make_plan


def page_language(response: Any) -> str:
    found = re.search(r'<html lang="([^"]*)"', response.content.decode())
    assert found is not None
    assert response["Content-Language"] == found.group(1)
    return found.group(1)


def _portal_of(world: World, client: Client, **patient: Any) -> Any:
    plan = make_plan(world.clinic, make_patient(world.clinic, **patient), protocol=HAIR)
    _link, token = portal_link(plan.patient, world.members["front_desk"])
    open_portal(client, token)
    return plan


def test_a_french_patient_reads_their_portal_in_french(world: World, client: Client) -> None:
    accounts.set_clinic_language(SYSTEM, world.clinic, "fr")
    plan = _portal_of(world, client)
    assert plan.patient.preferred_language == "fr"  # the clinic's, by default

    home = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert page_language(home) == "fr"
    consent = client.get(f"/portal/plans/{plan.pk}/consent/", HTTP_ACCEPT_LANGUAGE="en")
    assert page_language(consent) == "fr"
    page = consent.content.decode()
    assert 'class="portal-document" lang="fr"' in page
    assert "Votre plan de traitement et votre consentement" in page
    assert "Your treatment plan and consent" not in page


def test_an_english_patient_of_the_french_clinic_reads_english(
    world: World, client: Client
) -> None:
    accounts.set_clinic_language(SYSTEM, world.clinic, "fr")
    plan = _portal_of(world, client, given_name="Oliver", preferred_language="en")

    home = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr")
    assert page_language(home) == "en"
    consent = client.get(f"/portal/plans/{plan.pk}/consent/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page_language(consent) == "en"
    assert "Your treatment plan and consent" in consent.content.decode()
    pdf = client.get(f"/portal/plans/{plan.pk}/consent/pdf/", HTTP_ACCEPT_LANGUAGE="fr")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Your treatment plan and consent" in re.sub(r"\s+", " ", text)


def test_a_link_that_opens_nothing_answers_in_the_browsers_language(client: Client) -> None:
    refused = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert refused.status_code == 403
    assert page_language(refused) == "fr"
    assert page_language(client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en")) == "en"
