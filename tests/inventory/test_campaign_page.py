"""The recall campaign page: exposed patients with their phone and email, a call form per
patient (htmx), progress, and a CSV export; every look at the list is audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditAction, AuditEvent
from mesotrace.inventory.models import CampaignStatus, RecallCampaign, RecallContact
from mesotrace.inventory.services import recalls
from mesotrace.patients.models import Patient
from tests.conftest import SYSTEM, World, make_patient
from tests.inventory.builders import receive

Login = Callable[[User], Client]


def _campaign(world: World) -> tuple[RecallCampaign, list[Patient]]:
    lot = receive(world.clinic, "NTM-1")
    patients = [
        make_patient(world.clinic, family_name="Moreau", phone="+33 6 12 34 56 78"),
        make_patient(
            world.clinic,
            family_name="Lefebvre",
            given_name="=HYPERLINK(1)",
            phone="",
            email="lefebvre@example.org",
        ),
    ]
    campaign = recalls.open_campaign(SYSTEM, lot, [p.pk for p in patients], reason="M. chelonae")
    return campaign, patients


def test_the_campaign_page_lists_each_exposed_patient_with_contact_details(
    world: World, login: Login
) -> None:
    campaign, patients = _campaign(world)
    client = login(world.members["front_desk"])

    page = client.get(f"/inventory/recalls/{campaign.pk}/").content.decode()

    assert "MOREAU" in page
    assert "+33 6 12 34 56 78" in page
    assert "LEFEBVRE" in page
    assert "lefebvre@example.org" in page
    assert "0 / 2</strong> reached" in page
    assert page.count('hx-post="/inventory/contacts/') == 2
    viewed = AuditEvent.objects.get(action=AuditAction.VIEW, object_type="recall_campaign")
    assert viewed.details["patients"] == sorted(p.pk for p in patients)
    assert viewed.actor == world.members["front_desk"]


def test_recording_a_call_with_htmx_returns_the_updated_row(world: World, login: Login) -> None:
    campaign, patients = _campaign(world)
    contact = RecallContact.objects.get(campaign=campaign, patient=patients[0])
    client = login(world.members["nurse"])

    response = client.post(
        f"/inventory/contacts/{contact.pk}/",
        {"method": "phone", "outcome": "reached_no_symptoms", "notes": "Feels well"},
        HTTP_HX_REQUEST="true",
    )

    row = response.content.decode()
    assert response.status_code == 200
    assert row.lstrip().startswith("<tr")
    assert "Reached, no symptoms" in row
    assert "Feels well" in row
    assert "nurse@alpha.test" in row
    contact.refresh_from_db()
    assert (contact.contacted, contact.attempts, contact.contacted_by) == (
        True,
        1,
        world.members["nurse"],
    )
    page = client.get(f"/inventory/recalls/{campaign.pk}/").content.decode()
    assert "1 / 2</strong> reached" in page


def test_a_bad_call_record_shows_the_error_in_the_row_and_saves_nothing(
    world: World, login: Login
) -> None:
    campaign, patients = _campaign(world)
    contact = RecallContact.objects.get(campaign=campaign, patient=patients[0])

    response = login(world.members["nurse"]).post(
        f"/inventory/contacts/{contact.pk}/",
        {"method": "carrier pigeon", "outcome": "no_answer"},
        HTTP_HX_REQUEST="true",
    )

    assert "Select a valid choice" in response.content.decode()
    assert RecallContact.objects.get(pk=contact.pk).attempts == 0


def test_without_htmx_a_call_is_recorded_and_the_page_reloads(world: World, login: Login) -> None:
    campaign, patients = _campaign(world)
    contact = RecallContact.objects.get(campaign=campaign, patient=patients[1])

    response = login(world.members["owner"]).post(
        f"/inventory/contacts/{contact.pk}/", {"method": "email", "outcome": "no_answer"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/inventory/recalls/{campaign.pk}/"
    assert RecallContact.objects.get(pk=contact.pk).attempts == 1


def test_the_csv_export_lists_every_patient_and_is_audited_as_an_export(
    world: World, login: Login
) -> None:
    campaign, patients = _campaign(world)
    contact = RecallContact.objects.get(campaign=campaign, patient=patients[0])
    recalls.record_contact(SYSTEM, contact, "phone", "reached_symptoms", "Nodule")

    response = login(world.members["practitioner"]).get(
        f"/inventory/recalls/{campaign.pk}/export.csv"
    )

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_name = {row["family_name"]: row for row in rows}
    assert set(by_name) == {"Moreau", "Lefebvre"}
    assert by_name["Moreau"]["phone"] == "+33 6 12 34 56 78"  # a phone number is left as it is
    assert (by_name["Moreau"]["reached"], by_name["Moreau"]["outcome"]) == (
        "yes",
        "reached_symptoms",
    )
    assert by_name["Lefebvre"]["given_name"] == "'=HYPERLINK(1)"  # never a formula
    exported = AuditEvent.objects.get(action=AuditAction.EXPORT, object_type="recall_campaign")
    assert exported.details["patients"] == sorted(p.pk for p in patients)


def test_a_practitioner_closes_the_campaign_and_a_nurse_may_not(world: World, login: Login) -> None:
    campaign, _patients = _campaign(world)

    assert (
        login(world.members["nurse"]).post(f"/inventory/recalls/{campaign.pk}/close/").status_code
        == 403
    )
    response = login(world.members["practitioner"]).post(f"/inventory/recalls/{campaign.pk}/close/")

    assert response.status_code == 302
    assert RecallCampaign.objects.get(pk=campaign.pk).status == CampaignStatus.CLOSED
    page = login(world.members["practitioner"]).get(f"/inventory/recalls/{campaign.pk}/")
    assert "hx-post" not in page.content.decode()


def test_roles_without_patient_contact_rights_cannot_open_the_campaign(
    world: World, login: Login
) -> None:
    campaign, _patients = _campaign(world)
    for role in ("researcher", "auditor"):
        response = login(world.members[role]).get(f"/inventory/recalls/{campaign.pk}/")
        assert response.status_code == 403, role


def test_the_campaign_list_shows_progress(world: World, login: Login) -> None:
    campaign, _patients = _campaign(world)
    page = login(world.members["nurse"]).get("/inventory/recalls/").content.decode()
    assert f"/inventory/recalls/{campaign.pk}/" in page
    assert "0 / 2" in page
