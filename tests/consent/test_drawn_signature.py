"""At the clinic's tablet and over the API, a drawn signature is kept; bad image data is refused."""

from __future__ import annotations

from typing import Any

from django.test import Client

from mesotrace.accounts.access import Actor
from mesotrace.consent import services
from mesotrace.consent.models import ConsentSignature
from tests.conftest import World
from tests.consent.builders import data_url, drawn_png
from tests.treatments.builders import HAIR, make_plan

ACTOR = Actor.system("test")


def test_desk_tablet_page_takes_a_drawn_signature_and_shows_it(world: World, login: Any) -> None:
    consent = services.generate_consent(ACTOR, make_plan(world.clinic, protocol=HAIR))
    client = login(world.members["front_desk"])
    page = client.get(f"/consent/documents/{consent.pk}/").content.decode()
    assert "<canvas" in page
    assert "consent/signature-pad.js" in page

    response = client.post(
        f"/consent/documents/{consent.pk}/sign/",
        {
            "full_name": "Camille Durand",
            "statement": "on",
            "drawn_signature": data_url(drawn_png()),
        },
    )

    assert response.status_code == 302
    assert bytes(ConsentSignature.objects.get().drawn_signature).startswith(b"\x89PNG")
    shown = client.get(f"/consent/documents/{consent.pk}/").content.decode()
    assert 'class="drawn-signature" src="data:image/png;base64,' in shown


def test_desk_tablet_page_refuses_a_blank_pad(world: World, login: Any) -> None:
    consent = services.generate_consent(ACTOR, make_plan(world.clinic, protocol=HAIR))
    client = login(world.members["front_desk"])

    response = client.post(
        f"/consent/documents/{consent.pk}/sign/",
        {
            "full_name": "Camille Durand",
            "statement": "on",
            "drawn_signature": data_url(drawn_png(ink=False)),
        },
    )

    assert response.status_code == 200
    assert "The signature pad is empty" in response.content.decode()
    assert not ConsentSignature.objects.exists()


def test_api_sign_with_oversized_drawing_is_a_422_naming_the_field(
    world: World, client: Client, bearer: Any
) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    headers = bearer(world.members["front_desk"], world.clinic)
    sign = f"/api/v1/plans/{plan.pk}/consent/sign"
    body = {"full_name": "Camille Durand", "statement_accepted": True}

    refused = client.post(
        sign,
        {**body, "drawn_signature": data_url(drawn_png(600, 1200))},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "drawn_signature"
    assert not ConsentSignature.objects.exists()

    signed = client.post(
        sign,
        {**body, "drawn_signature": data_url(drawn_png())},
        content_type="application/json",
        **headers,
    )
    assert signed.status_code == 201
    assert bytes(ConsentSignature.objects.get().drawn_signature).startswith(b"\x89PNG")
