"""Staff see every e-mail on the patient's page, with its state, attempts and last error;
they e-mail a portal link or a request to sign from there and set the patient's reminder
opt-out, and see the one language the patient's e-mails follow (the patient's own); the owner
sets the clinic's lead time and language, and the desk e-mails recall letters. Bad input changes
nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from mesotrace.audit.models import AuditEvent
from mesotrace.inventory.services import recalls
from mesotrace.messaging import queries, services
from mesotrace.messaging.models import (
    ClinicMessaging,
    MessageKind,
    MessagePreference,
    MessageStatus,
    OutboundMessage,
)
from mesotrace.messaging.services import Attempt, record_attempt
from mesotrace.portal.models import PortalLink
from tests.conftest import SYSTEM, World, make_patient
from tests.inventory.builders import receive
from tests.messaging.builders import messages_of


def _row(page: str, message: OutboundMessage) -> str:
    found = re.search(rf'<tr id="message-{message.pk}">(.*?)</tr>', page, re.S)
    assert found is not None, f"message {message.pk} is not listed"
    return found.group(1)


def _section(page: str) -> str:
    """The patient page's e-mail section."""
    found = re.search(r'<section class="card" id="messages".*?</section>', page, re.S)
    assert found is not None, "the patient page has no e-mail section"
    return found.group(0)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_patient_page_shows_each_email_with_its_state_attempts_and_error(
    world: World, login: Any
) -> None:
    patient = make_patient(world.clinic)
    client = login(world.members["front_desk"])
    client.post(f"/portal/staff/patients/{patient.pk}/email/")
    client.post(f"/portal/staff/patients/{patient.pk}/consent-request/")
    sent, bounced = messages_of(patient)
    record_attempt(SYSTEM, sent, Attempt(MessageStatus.SENT))
    record_attempt(SYSTEM, bounced, Attempt(MessageStatus.BOUNCED, "550 5.1.1 no such mailbox"))

    page = client.get(f"/patients/{patient.pk}/").content.decode()

    assert "Sent" in _row(page, sent)
    assert "Portal link" in _row(page, sent)
    assert "Bounced" in _row(page, bounced)
    assert "550 5.1.1 no such mailbox" in _row(page, bounced)
    assert "Request to sign a consent" in _row(page, bounced)
    listed = AuditEvent.objects.filter(object_type="outbound_message", action="list").get()
    assert listed.patient_id == patient.pk
    assert sorted(listed.details["shown"]) == sorted([sent.pk, bounced.pk])


def test_emailing_a_portal_link_from_the_patient_page(world: World, login: Any) -> None:
    patient = make_patient(world.clinic)
    client = login(world.members["front_desk"])

    response = client.post(f"/portal/staff/patients/{patient.pk}/email/", follow=True)

    assert response.redirect_chain == [(f"/patients/{patient.pk}/", 302)]
    assert "E-mail queued: it is sent in the background." in _messages(response)
    [message] = messages_of(patient)
    assert (message.kind, message.status) == (MessageKind.PORTAL_LINK, MessageStatus.QUEUED)
    assert message.created_by == world.members["front_desk"]
    assert message.secret_url.startswith("http://testserver/portal/open/")
    assert PortalLink.objects.filter(patient=patient).count() == 1


def test_a_patient_without_email_gets_no_link_and_a_clear_reason(world: World, login: Any) -> None:
    patient = make_patient(world.clinic, email="")
    client = login(world.members["front_desk"])

    response = client.post(f"/portal/staff/patients/{patient.pk}/email/", follow=True)

    assert "This patient has no e-mail address on file." in _messages(response)
    assert not PortalLink.objects.filter(patient=patient).exists()
    assert messages_of(patient) == []


def test_the_desk_sets_the_reminder_opt_out_and_sees_the_patients_one_language(
    world: World, login: Any
) -> None:
    patient = make_patient(world.clinic, preferred_language="fr")
    client = login(world.members["front_desk"])

    response = client.post(f"/messages/patients/{patient.pk}/preferences/", {"no_reminders": "on"})

    assert response.status_code == 302
    assert MessagePreference.objects.get(patient=patient).no_reminders
    row = AuditEvent.objects.filter(object_type="message_preference", action="update").get()
    assert row.changes == {"no_reminders": {"before": False, "after": True}}
    section = _section(client.get(f"/patients/{patient.pk}/").content.decode())
    line = 'E-mails follow the patient\'s language: <span lang="fr">Français</span>'
    assert line in section
    assert 'name="language"' not in section  # the language is chosen on the patient's form
    assert 'name="no_reminders"' in section


def test_the_e_mail_language_changes_with_the_patients_language(world: World, login: Any) -> None:
    patient = make_patient(world.clinic)
    client = login(world.members["front_desk"])
    edit = {
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": "1984-05-17",
        "sex": patient.sex,
        "pregnancy_status": patient.pregnancy_status,
        "email": patient.email,
        "preferred_language": "fr",
    }

    assert client.post(f"/patients/{patient.pk}/edit/", edit).status_code == 302

    patient.refresh_from_db()
    assert queries.language_for(patient) == "fr"
    section = _section(client.get(f"/patients/{patient.pk}/").content.decode())
    assert '<span lang="fr">Français</span>' in section


def test_an_unknown_language_on_the_clinic_settings_is_refused_and_changes_nothing(
    world: World, login: Any
) -> None:
    client = login(world.members["owner"])
    form = {"automatic": "on", "reminder_lead_hours": "48", "language": "it"}

    refused = client.post("/messages/settings/", form)

    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    with pytest.raises(ValidationError) as error:
        services.set_clinic_messaging(
            SYSTEM, world.clinic, automatic=True, reminder_lead_hours=48, language="it"
        )
    assert "language" in error.value.message_dict
    assert not ClinicMessaging.objects.exists()
    world.clinic.refresh_from_db()
    assert world.clinic.language == "en"
    assert not AuditEvent.objects.filter(action="update").exists()


def test_the_owner_sets_the_reminder_lead_time_and_bad_values_change_nothing(
    world: World, login: Any
) -> None:
    client = login(world.members["owner"])

    form = {"automatic": "on", "reminder_lead_hours": "0", "language": "fr"}
    refused = client.post("/messages/settings/", form)
    assert refused.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in refused.content.decode()
    assert not ClinicMessaging.objects.exists()

    saved = client.post("/messages/settings/", {**form, "reminder_lead_hours": "48"})
    assert saved.status_code == 302
    settings = queries.clinic_messaging(world.clinic)
    assert (settings.automatic, settings.reminder_lead_hours) == (True, 48)
    assert settings.automatic_since is not None
    assert queries.language_for(make_patient(world.clinic)) == "fr"
    world.clinic.refresh_from_db()
    assert world.clinic.language == "fr"  # the clinic's language: staff pages follow it too
    assert '<html lang="fr"' in client.get("/messages/settings/").content.decode()
    assert not queries.clinic_messaging(world.other_clinic).automatic
    assert "48" in client.get("/messages/settings/").content.decode()
    change = AuditEvent.objects.get(object_type="clinic", action="update")
    assert change.changes == {"language": {"before": "en", "after": "fr"}}


def test_recall_letters_go_once_to_each_exposed_patient_with_an_address(
    world: World, login: Any
) -> None:
    lot = receive(world.clinic, "RCL-1", "20")
    exposed = [make_patient(world.clinic, given_name=name) for name in ("Ana", "Bea")]
    unreachable = make_patient(world.clinic, given_name="Cleo", email="")
    ids = [p.pk for p in [*exposed, unreachable]]
    campaign = recalls.open_campaign(SYSTEM, lot, ids, reason="Supplier recall")
    client = login(world.members["front_desk"])
    url = f"/messages/recalls/{campaign.pk}/letters/"

    first = client.post(url, follow=True)
    again = client.post(url, follow=True)

    assert first.redirect_chain == [(f"/inventory/recalls/{campaign.pk}/", 302)]
    assert "2 recall letters queued. 1 patient has no e-mail address: call them." in _messages(
        first
    )
    assert "0 recall letters queued. 2 already sent before." in " ".join(_messages(again))
    letters = OutboundMessage.objects.filter(kind=MessageKind.RECALL_LETTER)
    assert sorted(letters.values_list("patient_id", flat=True)) == sorted(p.pk for p in exposed)
    assert {m.subject for m in letters} == {f"Please contact {world.clinic.name}"}


def test_a_closed_campaign_sends_no_letters(world: World, login: Any) -> None:
    lot = receive(world.clinic, "RCL-2", "20")
    patient = make_patient(world.clinic)
    campaign = recalls.open_campaign(SYSTEM, lot, [patient.pk], reason="Supplier recall")
    recalls.close_campaign(SYSTEM, campaign)

    response = login(world.members["front_desk"]).post(
        f"/messages/recalls/{campaign.pk}/letters/", follow=True
    )

    assert "This campaign is closed." in _messages(response)
    assert messages_of(patient) == []
