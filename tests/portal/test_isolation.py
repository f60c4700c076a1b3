"""A portal session reaches its own patient's data only: other patients and clinics are 404."""

from __future__ import annotations

import pytest
from django.test import Client

from mesotrace.consent.models import ConsentSignature
from mesotrace.treatments.models import TreatmentPlan
from tests.conftest import World, make_patient
from tests.consent.builders import open_portal, portal_link, signed_consent
from tests.treatments.builders import HAIR, make_plan


def _signed_plan(world: World, clinic_b: bool, family_name: str) -> TreatmentPlan:
    clinic = world.other_clinic if clinic_b else world.clinic
    clinician = world.outsider if clinic_b else world.members["owner"]
    plan = make_plan(clinic, make_patient(clinic, family_name=family_name), protocol=HAIR)
    signed_consent(plan, clinician)
    return plan


@pytest.fixture
def patient_a_portal(world: World, client: Client) -> Client:
    plan = make_plan(world.clinic, make_patient(world.clinic, family_name="Aubert"))
    _link, token = portal_link(plan.patient, world.members["front_desk"])
    open_portal(client, token)
    return client


@pytest.mark.parametrize(("clinic_b", "name"), [(False, "Zyxsamefloor"), (True, "Zyxotherclinic")])
def test_ids_of_another_patient_or_clinic_are_not_found(
    world: World, patient_a_portal: Client, clinic_b: bool, name: str
) -> None:
    other = _signed_plan(world, clinic_b, name)
    document_id = ConsentSignature.objects.get(document__plan=other).document_id
    urls = [
        f"/portal/plans/{other.pk}/consent/",
        f"/portal/plans/{other.pk}/consent/pdf/",
        f"/portal/documents/{document_id}/pdf/",
    ]
    for url in urls:
        response = patient_a_portal.get(url)
        assert response.status_code == 404, url
        assert name.encode() not in response.content, url

    signing = patient_a_portal.post(
        f"/portal/plans/{other.pk}/consent/sign/", {"full_name": "A", "statement": "on"}
    )
    assert signing.status_code == 404
    assert ConsentSignature.objects.filter(document__plan=other).count() == 1
    home = patient_a_portal.get("/portal/")
    assert home.status_code == 200
    assert b"Camille" in home.content  # patient A's given name
    assert name.encode() not in home.content
    assert f"/portal/documents/{document_id}/pdf/".encode() not in home.content


def test_own_plan_and_signed_pdf_are_reachable(world: World, client: Client) -> None:
    plan = _signed_plan(world, False, "Aubert")
    _link, token = portal_link(plan.patient, world.members["nurse"])
    open_portal(client, token)
    document_id = ConsentSignature.objects.get(document__plan=plan).document_id

    assert client.get(f"/portal/plans/{plan.pk}/consent/").status_code == 200
    pdf = client.get(f"/portal/documents/{document_id}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert pdf.content == bytes(ConsentSignature.objects.get(document_id=document_id).signed_pdf)


def test_portal_pages_show_no_staff_navigation(world: World, patient_a_portal: Client) -> None:
    page = patient_a_portal.get("/portal/").content.decode()
    assert "Patient portal" in page
    for staff_only in ("/patients/", "/audit/", "/inventory/", "Sign out", "API tokens"):
        assert staff_only not in page
