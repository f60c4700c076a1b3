"""Every inventory write leaves its audit row, written in the same transaction as the change."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mesotrace.audit.models import AuditAction, AuditEvent
from mesotrace.inventory.models import RecallContact
from mesotrace.inventory.services import recalls, stock
from tests.conftest import World, make_patient
from tests.inventory.builders import receive
from tests.treatments.builders import actor_for


def _events(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))


def test_receiving_drawing_wasting_and_recalling_are_audited(world: World) -> None:
    actor = actor_for(world.members["practitioner"], world.clinic)
    lot = receive(world.clinic, "AUD-1", quantity="5", actor=actor, supplier="Pharma Sud")
    patient = make_patient(world.clinic)
    stock.draw(actor, lot, "1", timezone.now(), "session 12", patient_id=patient.pk)
    stock.waste(actor, lot, "0.5", "Spilt")
    stock.set_lot_status(actor, lot, "recalled", "Maker recall")

    [created] = _events("lot")[:1]
    assert (created.action, created.object_id, created.actor) == (
        AuditAction.CREATE,
        str(lot.pk),
        world.members["practitioner"],
    )
    assert created.changes["lot_number"] == {"before": None, "after": "AUD-1"}
    assert created.changes["quantity_received_ml"]["after"] == "5.000"
    movements = _events("stock_movement")
    assert [e.changes["kind"]["after"] for e in movements] == ["used", "wasted", "recalled"]
    assert movements[0].patient_id == patient.pk
    assert movements[0].changes["reference"]["after"] == "session 12"
    status = _events("lot")[-1]
    assert status.action == AuditAction.UPDATE
    assert status.changes["status"] == {"before": "available", "after": "recalled"}
    assert status.details["removed_ml"] == "3.500"
    inventory = AuditEvent.objects.filter(object_type__in=["lot", "stock_movement"])
    assert {e.clinic_id for e in inventory} == {world.clinic.pk}


def test_a_refused_write_leaves_no_audit_row(world: World) -> None:
    lot = receive(world.clinic, quantity="1")
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        stock.draw(actor_for(world.members["nurse"], world.clinic), lot, "2", timezone.now())
    with pytest.raises(ValidationError):
        stock.set_lot_status(actor_for(world.members["owner"], world.clinic), lot, "recalled", "")
    assert AuditEvent.objects.count() == before


def test_a_campaign_and_each_call_are_audited_against_the_patient(world: World) -> None:
    actor = actor_for(world.members["front_desk"], world.clinic)
    lot = receive(world.clinic)
    patients = [make_patient(world.clinic, family_name=name) for name in ("Roux", "Petit")]
    campaign = recalls.open_campaign(actor, lot, [p.pk for p in patients])
    contact = RecallContact.objects.get(campaign=campaign, patient=patients[0])
    recalls.record_contact(actor, contact, "phone", "reached_no_symptoms")

    assert _events("recall_campaign")[0].action == AuditAction.CREATE
    added = _events("recall_contact")
    assert Counter(e.patient_id for e in added if e.action == AuditAction.CREATE) == Counter(
        p.pk for p in patients
    )
    [call] = [e for e in added if e.action == AuditAction.UPDATE]
    assert call.patient_id == patients[0].pk
    assert call.changes["outcome"] == {"before": "", "after": "reached_no_symptoms"}
    assert call.actor == world.members["front_desk"]
