"""The patient signs their plan's consent in the portal, drawn or typed; bad input signs nothing."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from PIL import Image
from pypdf import PdfReader

from mesotrace.audit.models import AuditEvent
from mesotrace.consent import services
from mesotrace.consent.models import ConsentDocument, ConsentSignature
from mesotrace.treatments.models import TreatmentPlan
from tests.conftest import World, make_patient
from tests.consent.builders import data_url, drawn_png, open_portal, portal_link
from tests.treatments.builders import HAIR, actor_for, make_plan


@pytest.fixture
def plan(world: World) -> TreatmentPlan:
    return make_plan(world.clinic, make_patient(world.clinic), protocol=HAIR)


@pytest.fixture
def portal(world: World, plan: TreatmentPlan, client: Client) -> Client:
    _link, token = portal_link(plan.patient, world.members["front_desk"])
    open_portal(client, token)
    return client


def _version(portal: Client, plan: TreatmentPlan) -> str:
    page = portal.get(f"/portal/plans/{plan.pk}/consent/").content.decode()
    found = re.search(r'name="version" value="([0-9a-f]{64})"', page)
    assert found is not None
    return found.group(1)


def _sign(portal: Client, plan: TreatmentPlan, **fields: str) -> Any:
    data = {"full_name": "Camille Durand", "statement": "on", "version": _version(portal, plan)}
    data.update(fields)
    return portal.post(f"/portal/plans/{plan.pk}/consent/sign/", data, HTTP_USER_AGENT="Tab/2")


def test_drawn_signature_is_stored_and_shown_in_the_signed_pdf(
    portal: Client, plan: TreatmentPlan
) -> None:
    response = _sign(portal, plan, drawn_signature=data_url(drawn_png()))

    assert response.status_code == 302
    signature = ConsentSignature.objects.get()
    assert signature.document.plan == plan
    assert signature.user_agent == "Tab/2"
    stored = Image.open(io.BytesIO(bytes(signature.drawn_signature)))
    assert stored.format == "PNG"
    assert stored.size == (600, 200)
    reader = PdfReader(io.BytesIO(bytes(signature.signed_pdf)))
    images = {image.name: image.image for page in reader.pages for image in page.images}
    assert [picture.size for picture in images.values() if picture] == [(600, 200)]
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Signed by Camille Durand" in text
    page = portal.get(response["Location"]).content.decode()
    assert "You have signed this document" in page
    assert 'src="data:image/png;base64,' in page
    row = AuditEvent.objects.get(object_type="consent_signature")
    assert row.via == "portal"
    assert row.actor is None
    assert row.actor_label.startswith("patient via portal link")
    assert row.details["drawn"] is True


def test_typed_name_alone_still_signs(portal: Client, plan: TreatmentPlan) -> None:
    assert _sign(portal, plan).status_code == 302
    signature = ConsentSignature.objects.get()
    assert bytes(signature.drawn_signature) == b""
    reader = PdfReader(io.BytesIO(bytes(signature.signed_pdf)))
    assert not [image for page in reader.pages for image in page.images]
    assert signature.patient_name == "Camille Durand"


def _too_big_png() -> bytes:
    noise = Image.frombytes("RGB", (400, 400), bytes(range(256)) * 1875)
    out = io.BytesIO()
    noise.save(out, format="PNG", compress_level=0)
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 20), (10, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("drawn", "reason"),
    [
        (lambda: data_url(drawn_png(2400, 300)), "at most 2000x1000 pixels"),
        (lambda: data_url(_too_big_png()), "too large (at most 200 kB)"),
        (lambda: data_url(_jpeg(), "jpeg"), "not a PNG image"),
        (lambda: data_url(_jpeg()), "not a PNG image"),  # a JPEG labelled PNG
        (lambda: "data:image/png;base64,not*base64", "not a PNG image"),
        (lambda: data_url(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40), "not a PNG image"),
        (lambda: data_url(drawn_png(ink=False)), "pad is empty"),
    ],
)
def test_bad_drawn_signature_is_a_field_error_and_signs_nothing(
    portal: Client, plan: TreatmentPlan, drawn: Any, reason: str
) -> None:
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    response = _sign(portal, plan, drawn_signature=drawn())

    assert response.status_code == 422
    assert reason in response.content.decode()
    assert not ConsentSignature.objects.exists()
    assert not ConsentDocument.objects.exists()  # the version read is not kept either
    # Only the page views were audited: the refused signature wrote nothing.
    assert not AuditEvent.objects.filter(pk__gt=before, action="create").exists()


def test_version_changed_while_reading_is_refused(portal: Client, plan: TreatmentPlan) -> None:
    version = _version(portal, plan)
    TreatmentPlan.objects.filter(pk=plan.pk).update(price_per_session="310.00")

    response = portal.post(
        f"/portal/plans/{plan.pk}/consent/sign/",
        {"full_name": "Camille Durand", "statement": "on", "version": version},
    )

    assert response.status_code == 422
    assert "changed while you read it" in response.content.decode()
    assert "310.00" in response.content.decode()  # the new version is shown to read
    assert not ConsentSignature.objects.exists()


def test_superseded_version_cannot_be_signed(world: World, plan: TreatmentPlan) -> None:
    desk = actor_for(world.members["front_desk"], world.clinic)
    old = services.generate_consent(desk, plan)
    TreatmentPlan.objects.filter(pk=plan.pk).update(planned_sessions=6)

    with pytest.raises(ValidationError, match="can no longer be signed"):
        services.sign_consent(desk, old, "Camille Durand", True, data_url(drawn_png()))

    assert not ConsentSignature.objects.exists()


def test_second_signature_is_refused(portal: Client, plan: TreatmentPlan) -> None:
    assert _sign(portal, plan).status_code == 302
    page = portal.get(f"/portal/plans/{plan.pk}/consent/").content.decode()
    assert 'name="full_name"' not in page  # no form once signed

    document = ConsentSignature.objects.get().document
    response = portal.post(
        f"/portal/plans/{plan.pk}/consent/sign/",
        {"full_name": "Someone Else", "statement": "on", "version": document.version},
    )

    assert response.status_code == 422
    assert "already signed" in response.content.decode()
    assert ConsentSignature.objects.get().patient_name == "Camille Durand"


def test_unticked_statement_or_missing_name_signs_nothing(
    portal: Client, plan: TreatmentPlan
) -> None:
    response = _sign(portal, plan, statement="", full_name=" ")
    body = response.content.decode()
    assert response.status_code == 422
    assert "Type your full name." in body
    assert "Tick the statement" in body
    assert not ConsentSignature.objects.exists()
