"""The consent API: generate, read, sign a plan's document and download the signed PDF."""

from __future__ import annotations

from typing import Any

from django.test import Client

from mesotrace.consent.models import ConsentSignature
from tests.conftest import World
from tests.treatments.builders import HAIR, make_plan


def test_desk_generates_patient_signs_and_pdf_downloads_over_the_api(
    world: World, client: Client, bearer: Any
) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    headers = bearer(world.members["front_desk"], world.clinic)
    base = f"/api/v1/plans/{plan.pk}/consent"

    generated = client.post(base, **headers)
    read = client.get(base, **headers)
    signed = client.post(
        f"{base}/sign",
        {"full_name": "Camille Durand", "statement_accepted": True},
        content_type="application/json",
        **headers,
    )
    pdf = client.get(f"/api/v1/consents/{generated.json()['id']}.pdf", **headers)

    assert generated.status_code == 201
    assert "What will be injected" in generated.json()["text"]
    assert read.json()["version"] == generated.json()["version"]
    assert signed.status_code == 201
    assert signed.json()["signature"]["patient_name"] == "Camille Durand"
    assert signed.json()["charting_problem"] is not None  # not countersigned yet
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")


def test_unaccepted_statement_over_the_api_is_422_and_signs_nothing(
    world: World, client: Client, bearer: Any
) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    headers = bearer(world.members["front_desk"], world.clinic)

    response = client.post(
        f"/api/v1/plans/{plan.pk}/consent/sign",
        {"full_name": "Camille Durand", "statement_accepted": False},
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"statement"}
    assert not ConsentSignature.objects.exists()


def test_other_clinic_plan_is_404_over_the_api(world: World, client: Client, bearer: Any) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    headers = bearer(world.outsider, world.other_clinic)

    assert client.post(f"/api/v1/plans/{plan.pk}/consent", **headers).status_code == 404
    assert not plan.consent_documents.exists()
