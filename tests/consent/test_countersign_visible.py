"""A consent waiting for a countersignature shows a Countersign button wherever it is seen, and
the clinic's PDF copy carries both signatures with names, times and the document's hash."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from django.test import Client
from pypdf import PdfReader

from mesotrace.accounts.models import User
from mesotrace.consent.models import ConsentSignature
from tests.conftest import World, make_patient
from tests.consent.builders import drawn_consent
from tests.treatments.builders import HAIR, active_plan

Login = Callable[[User], Client]


def _waiting(world: World) -> ConsentSignature:
    patient = make_patient(world.clinic, given_name="Inès", family_name="Garnier")
    plan = active_plan(world.clinic, world.members["practitioner"], patient=patient, protocol=HAIR)
    return drawn_consent(plan, world.members["front_desk"])


def test_plan_consent_page_countersigns_in_one_click(world: World, login: Login) -> None:
    signature = _waiting(world)
    plan_id = signature.document.plan_id
    client = login(world.members["nurse"])
    page = client.get(f"/consent/plans/{plan_id}/").content.decode()
    action = f"/consent/documents/{signature.document_id}/countersign/"
    assert action in page
    response = client.post(action, {"next": "plan"})
    assert response.status_code == 302
    assert response["Location"] == f"/consent/plans/{plan_id}/"
    signature.refresh_from_db()
    assert signature.countersigned_by == world.members["nurse"]
    assert "Charting is covered by consent." in client.get(response["Location"]).content.decode()


def test_front_desk_sees_no_countersign_button(world: World, login: Login) -> None:
    signature = _waiting(world)
    client = login(world.members["front_desk"])
    action = f"/consent/documents/{signature.document_id}/countersign/"
    assert (
        action not in client.get(f"/consent/plans/{signature.document.plan_id}/").content.decode()
    )
    assert action not in client.get(f"/consent/documents/{signature.document_id}/").content.decode()
    assert client.post(action).status_code == 403
    signature.refresh_from_db()
    assert signature.countersigned_at is None


def test_document_page_offers_countersign_before_withdrawal(world: World, login: Login) -> None:
    signature = _waiting(world)
    page = (
        login(world.members["practitioner"])
        .get(f"/consent/documents/{signature.document_id}/")
        .content.decode()
    )
    countersign = page.index(f"/consent/documents/{signature.document_id}/countersign/")
    withdraw = page.index(f"/consent/documents/{signature.document_id}/withdraw/")
    assert countersign < withdraw


def _pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def test_countersigned_pdf_carries_both_signatures_and_the_hash(world: World, login: Login) -> None:
    signature = _waiting(world)
    nurse = world.members["nurse"]
    nurse.first_name, nurse.last_name = "Claire", "Fontaine"
    nurse.save()
    client = login(nurse)
    pdf_url = f"/consent/documents/{signature.document_id}/pdf/"
    before = _pdf_text(client.get(pdf_url).content)
    assert "Signed by Inès Garnier" in before
    assert "Countersigned by" not in before
    client.post(f"/consent/documents/{signature.document_id}/countersign/")
    signature.refresh_from_db()
    after = _pdf_text(client.get(pdf_url).content)
    assert "Signed by Inès Garnier" in after
    assert "Countersigned by Claire Fontaine" in after
    assert signature.document_sha256 in after.replace(" ", "")
    assert signature.pdf_sha256 in after.replace(" ", "")
    stored = ConsentSignature.objects.get(pk=signature.pk)
    assert bytes(stored.signed_pdf) != b""  # the patient's signed copy is kept unchanged
