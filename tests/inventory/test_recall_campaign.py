"""A recall campaign lists each exposed patient once and records every call's outcome."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mesotrace.inventory import rules
from mesotrace.inventory.models import CampaignStatus, RecallCampaign, RecallContact
from mesotrace.inventory.queries.recalls import contacts_of
from mesotrace.inventory.services import recalls, stock
from tests.conftest import SYSTEM, World, make_patient
from tests.inventory.builders import receive
from tests.treatments.builders import actor_for


def test_opening_a_campaign_twice_adds_only_the_patients_not_yet_listed(world: World) -> None:
    lot = receive(world.clinic, "OUT-1")
    stock.set_lot_status(SYSTEM, lot, "recalled", "Mycobacteria in unopened vials")
    first, second, third = (make_patient(world.clinic, family_name=n) for n in "ABC")

    campaign = recalls.open_campaign(SYSTEM, lot, [first.pk, second.pk])
    again = recalls.open_campaign(SYSTEM, lot, [second.pk, third.pk, third.pk])

    assert again.pk == campaign.pk
    assert campaign.reason == "Recalled: Mycobacteria in unopened vials"
    listed = RecallContact.objects.filter(campaign=campaign).values_list("patient_id", flat=True)
    assert sorted(listed) == sorted([first.pk, second.pk, third.pk])


def test_another_clinics_patient_is_refused_and_nothing_is_opened(world: World) -> None:
    lot = receive(world.clinic)
    ours = make_patient(world.clinic)
    theirs = make_patient(world.other_clinic)

    with pytest.raises(ValidationError) as refused:
        recalls.open_campaign(SYSTEM, lot, [ours.pk, theirs.pk])
    assert str(theirs.pk) in refused.value.message_dict["patient_ids"][0]
    assert not RecallCampaign.objects.exists()
    assert not RecallContact.objects.exists()


def test_another_clinics_lot_cannot_get_a_campaign_from_this_clinic(world: World) -> None:
    theirs = receive(world.other_clinic)
    actor = actor_for(world.members["owner"], world.clinic)
    with pytest.raises(ValidationError):
        recalls.open_campaign(actor, theirs, [])
    assert not RecallCampaign.objects.exists()


def test_each_call_is_recorded_with_who_when_how_and_the_outcome(world: World) -> None:
    lot = receive(world.clinic)
    patient = make_patient(world.clinic)
    campaign = recalls.open_campaign(SYSTEM, lot, [patient.pk], reason="Supplier recall")
    contact = RecallContact.objects.get(campaign=campaign)
    nurse = actor_for(world.members["nurse"], world.clinic)

    contact = recalls.record_contact(nurse, contact, "phone", "no_answer")
    assert (contact.contacted, contact.attempts, contact.outcome) == (False, 1, "no_answer")

    called_at = timezone.now() - datetime.timedelta(hours=1)
    contact = recalls.record_contact(
        nurse, contact, "phone", "reached_symptoms", "Nodule on the left thigh", called_at
    )
    assert contact.contacted
    assert contact.attempts == 2
    assert (contact.contacted_at, contact.contacted_by) == (called_at, world.members["nurse"])
    assert (contact.method, contact.notes) == ("phone", "Nodule on the left thigh")

    contact = recalls.record_contact(nurse, contact, "email", "no_answer")
    assert contact.contacted, "a patient once reached stays reached"
    progress = rules.progress(list(contacts_of(campaign)))
    assert (progress.total, progress.reached, progress.attempted, progress.pending) == (1, 1, 1, 0)
    assert progress.symptoms == 0  # the latest outcome counts


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"method": "pigeon", "outcome": "no_answer"}, "method"),
        ({"method": "phone", "outcome": "maybe"}, "outcome"),
        ({"method": "phone", "outcome": "no_answer", "notes": "x" * 2001}, "notes"),
        (
            {
                "method": "phone",
                "outcome": "no_answer",
                "contacted_at": timezone.now() + datetime.timedelta(days=1),
            },
            "contacted_at",
        ),
    ],
)
def test_a_bad_call_record_is_refused_and_changes_nothing(
    world: World, values: dict[str, object], field: str
) -> None:
    lot = receive(world.clinic)
    campaign = recalls.open_campaign(SYSTEM, lot, [make_patient(world.clinic).pk])
    contact = RecallContact.objects.get(campaign=campaign)

    with pytest.raises(ValidationError) as refused:
        recalls.record_contact(SYSTEM, contact, **values)  # type: ignore[arg-type]
    assert field in refused.value.message_dict
    assert RecallContact.objects.get(pk=contact.pk).attempts == 0


def test_a_closed_campaign_takes_no_more_calls_and_a_new_one_can_be_opened(world: World) -> None:
    lot = receive(world.clinic)
    patient = make_patient(world.clinic)
    campaign = recalls.open_campaign(SYSTEM, lot, [patient.pk])
    recalls.close_campaign(SYSTEM, campaign)

    contact = RecallContact.objects.get(campaign=campaign)
    with pytest.raises(ValidationError):
        recalls.record_contact(SYSTEM, contact, "phone", "no_answer")
    with pytest.raises(ValidationError):
        recalls.close_campaign(SYSTEM, campaign)

    fresh = recalls.open_campaign(SYSTEM, lot, [patient.pk])
    assert fresh.pk != campaign.pk
    assert fresh.status == CampaignStatus.OPEN
    assert RecallCampaign.objects.get(pk=campaign.pk).status == CampaignStatus.CLOSED
