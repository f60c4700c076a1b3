"""A patient who withdrew may change their mind: they sign again, and a clinician countersigns
the new signature before charting resumes. The withdrawn signature stays as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from mesotrace.audit.models import AuditEvent
from mesotrace.consent import services
from mesotrace.consent.models import ConsentSignature
from mesotrace.treatments.models import TreatmentPlan, TreatmentSession
from tests.charting.builders import appointment_today, minoxidil_lot, payload, point, record
from tests.conftest import World, make_patient
from tests.consent.builders import open_portal, portal_link, signed_consent
from tests.treatments.builders import HAIR, active_plan, actor_for, practitioner_of

FROZEN = [
    "patient_name",
    "statement",
    "signed_at",
    "document_sha256",
    "pdf_sha256",
    "countersigned_by_id",
    "countersigned_at",
    "withdrawn_at",
    "withdrawn_reason",
]


def _plan(world: World) -> TreatmentPlan:
    user = world.members["practitioner"]
    practitioner = practitioner_of(world.clinic, user=user, full_name="Dr Jeanne Martin")
    return active_plan(
        world.clinic,
        user,
        patient=make_patient(world.clinic),
        protocol=HAIR,
        practitioner=practitioner,
    )


def _withdrawn(world: World, plan: TreatmentPlan) -> ConsentSignature:
    signature = signed_consent(plan, world.members["practitioner"])
    nurse = actor_for(world.members["nurse"], world.clinic)
    return services.withdraw_consent(nurse, signature, "Patient worried about side effects")


def _charting(world: World, plan: TreatmentPlan) -> Callable[[], TreatmentSession]:
    """Charting today's appointment of the plan, tried as often as the story needs."""
    appointment, lot = appointment_today(plan), minoxidil_lot(world.clinic)
    return lambda: record(appointment, payload(point(lot)), world.members["practitioner"])


def _snapshot(signature: ConsentSignature) -> dict[str, Any]:
    stored = ConsentSignature.objects.get(pk=signature.pk)
    return {name: getattr(stored, name) for name in FROZEN} | {
        "pdf": bytes(stored.signed_pdf),
        "text": stored.signed_text,
    }


def test_withdrawn_then_signed_again_and_countersigned_allows_charting(world: World) -> None:
    plan = _plan(world)
    old = _withdrawn(world, plan)
    before = _snapshot(old)
    chart = _charting(world, plan)
    with pytest.raises(ValidationError) as refused:
        chart()
    assert "withdrew" in " ".join(refused.value.message_dict["consent"])

    desk = actor_for(world.members["front_desk"], world.clinic)
    again = services.sign_consent(desk, old.document, "Camille Durand", agreed=True)
    assert again.document_id == old.document_id
    with pytest.raises(ValidationError) as waiting:
        chart()
    assert "not countersigned" in " ".join(waiting.value.message_dict["consent"])

    services.countersign_consent(actor_for(world.members["practitioner"], world.clinic), again)
    session = chart()

    assert session.pk is not None
    assert _snapshot(old) == before  # the withdrawn signature did not change
    assert list(old.document.signatures.order_by("pk")) == [old, again]
    row = AuditEvent.objects.get(
        object_type="consent_signature", object_id=str(again.pk), action="create"
    )
    assert row.details["after_withdrawn"] == [old.pk]


@pytest.mark.parametrize("countersigned", [True, False])
def test_second_signature_while_one_stands_is_refused(world: World, countersigned: bool) -> None:
    plan = _plan(world)
    desk = actor_for(world.members["front_desk"], world.clinic)
    document = services.generate_consent(desk, plan)
    first = services.sign_consent(desk, document, "Camille Durand", agreed=True)
    if countersigned:
        services.countersign_consent(actor_for(world.members["nurse"], world.clinic), first)
    before = _snapshot(first)
    rows = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as refused:
        services.sign_consent(desk, document, "Camille Durand", agreed=True)

    assert refused.value.message_dict["document"] == ["This document is already signed."]
    assert ConsentSignature.objects.count() == 1
    assert _snapshot(first) == before
    assert AuditEvent.objects.count() == rows


def test_database_refuses_two_standing_signatures_on_one_document(world: World) -> None:
    plan = _plan(world)
    first = signed_consent(plan, world.members["practitioner"])
    copy = ConsentSignature.objects.get(pk=first.pk)
    copy.pk = None
    copy.countersigned_at = copy.countersigned_by = None

    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()

    assert ConsentSignature.objects.count() == 1


def test_staff_page_shows_the_withdrawn_signature_in_the_history_and_offers_signing_again(
    world: World, login: Any
) -> None:
    plan = _plan(world)
    old = _withdrawn(world, plan)
    client = login(world.members["front_desk"])
    url = f"/consent/documents/{old.document_id}/"

    page = client.get(url).content.decode()
    assert "Sign again" in page
    assert "Patient worried about side effects" in page

    response = client.post(f"{url}sign/", {"full_name": "Camille Durand", "statement": "on"})
    assert response.status_code == 302
    page = client.get(url).content.decode()

    assert 'id="signature-history"' in page
    assert "Patient worried about side effects" in page
    assert page.count("Camille Durand") >= 2
    assert "Countersign" in page
    assert "Sign again" not in page


def test_patient_signs_again_in_the_portal_after_withdrawing(world: World, client: Client) -> None:
    plan = _plan(world)
    old = _withdrawn(world, plan)
    _link, token = portal_link(plan.patient, world.members["front_desk"])
    open_portal(client, token)
    url = f"/portal/plans/{plan.pk}/consent/"

    page = client.get(url).content.decode()
    assert 'id="withdrawn"' in page
    version = old.document.version
    response = client.post(
        f"{url}sign/", {"full_name": "Camille Durand", "statement": "on", "version": version}
    )

    assert response.status_code == 302
    again = ConsentSignature.objects.exclude(pk=old.pk).get()
    assert again.document_id == old.document_id
    assert again.withdrawn_at is None
    assert again.countersigned_at is None
    home = client.get("/portal/").content.decode()
    assert f"/portal/signatures/{old.pk}/pdf/" in home
    assert f"/portal/signatures/{again.pk}/pdf/" in home
    pdf = client.get(f"/portal/signatures/{old.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf.content == bytes(ConsentSignature.objects.get(pk=old.pk).signed_pdf)
