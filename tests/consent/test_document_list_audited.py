"""Opening a plan's consent documents shows in that patient's audit trail, even with none yet."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditAction, AuditEvent, ObjectType
from tests.conftest import World, make_patient
from tests.treatments.builders import make_plan


def test_an_empty_document_list_is_filed_under_its_patient(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(world.clinic)
    plan = make_plan(world.clinic, patient)
    client = login(world.members["nurse"])
    response = client.get(reverse("consent:plan_consents", args=[plan.pk]))
    assert response.status_code == 200
    row = AuditEvent.objects.for_clinic(world.clinic).get(
        action=AuditAction.LIST, object_type=ObjectType.CONSENT_DOCUMENT
    )
    assert row.patient_id == patient.pk
    assert row.details["shown"] == []
    assert row.details["plan"] == plan.pk
