"""The patient signs one exact version; a signed consent never changes."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from mesotrace.accounts.access import Actor
from mesotrace.audit.models import AuditEvent
from mesotrace.consent import services
from mesotrace.consent.models import ConsentDocument, ConsentSignature, SignedRecordError
from mesotrace.treatments.models import TreatmentPlan
from tests.conftest import World, make_practitioner
from tests.consent.builders import signed_consent
from tests.treatments.builders import HAIR, actor_for, make_plan

ACTOR = Actor.system("test")


def test_signature_keeps_time_ip_agent_hash_text_and_pdf(world: World, login: Any) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    consent = services.generate_consent(ACTOR, plan)
    client = login(world.members["front_desk"])

    response = client.post(
        f"/consent/documents/{consent.pk}/sign/",
        {"full_name": "Camille Durand", "statement": "on"},
        HTTP_USER_AGENT="TabletBrowser/1.0",
        REMOTE_ADDR="10.0.0.7",
    )

    assert response.status_code == 302
    signature = ConsentSignature.objects.get(document=consent)
    assert signature.patient_name == "Camille Durand"
    assert signature.user_agent == "TabletBrowser/1.0"
    assert signature.ip == "10.0.0.7"
    assert signature.document_sha256 == consent.version
    assert bytes(signature.signed_pdf).startswith(b"%PDF-")
    assert signature.pdf_sha256 == hashlib.sha256(bytes(signature.signed_pdf)).hexdigest()
    assert "What will be injected" in signature.signed_text
    assert AuditEvent.objects.filter(object_type="consent_signature").exists()


@pytest.mark.parametrize(
    ("name", "statement", "field"),
    [("Camille Durand", "", "statement"), ("   ", "on", "full_name")],
)
def test_unticked_statement_or_empty_name_signs_nothing(
    world: World, login: Any, name: str, statement: str, field: str
) -> None:
    consent = services.generate_consent(ACTOR, make_plan(world.clinic, protocol=HAIR))
    client = login(world.members["front_desk"])
    data = {"full_name": name, **({"statement": statement} if statement else {})}

    response = client.post(f"/consent/documents/{consent.pk}/sign/", data)

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not ConsentSignature.objects.exists()
    with pytest.raises(ValidationError) as refused:
        services.sign_consent(ACTOR, consent, name, bool(statement))
    assert field in refused.value.message_dict


def test_other_clinic_cannot_sign_and_sees_404(world: World, login: Any) -> None:
    consent = services.generate_consent(ACTOR, make_plan(world.clinic, protocol=HAIR))
    client = login(world.outsider)

    response = client.post(
        f"/consent/documents/{consent.pk}/sign/", {"full_name": "X Y", "statement": "on"}
    )

    assert response.status_code == 404
    assert not ConsentSignature.objects.exists()


def test_signed_consent_is_immutable(world: World) -> None:
    signature = signed_consent(make_plan(world.clinic, protocol=HAIR), world.members["owner"])
    stored = ConsentSignature.objects.get(pk=signature.pk)

    signature.patient_name = "Someone Else"
    with pytest.raises(SignedRecordError):
        signature.save()
    with pytest.raises(SignedRecordError):
        signature.save(update_fields=["patient_name"])
    signature.refresh_from_db()
    signature.countersigned_at = None
    with pytest.raises(SignedRecordError):
        signature.save(update_fields=["countersigned_at"])
    with pytest.raises(SignedRecordError):
        signature.delete()
    document = signature.document
    document.version = "0" * 64
    with pytest.raises(SignedRecordError):
        document.save()

    after = ConsentSignature.objects.get(pk=signature.pk)
    assert after.patient_name == stored.patient_name
    assert after.countersigned_at == stored.countersigned_at
    assert ConsentDocument.objects.get(pk=document.pk).version == stored.document_sha256


def test_second_signature_on_a_signed_document_is_refused(world: World) -> None:
    signature = signed_consent(make_plan(world.clinic, protocol=HAIR), world.members["owner"])

    with pytest.raises(ValidationError) as refused:
        services.sign_consent(ACTOR, signature.document, "Camille Durand", agreed=True)

    assert "document" in refused.value.message_dict
    assert ConsentSignature.objects.count() == 1


def test_superseded_version_cannot_be_signed_and_new_version_needs_its_own(world: World) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    old = services.generate_consent(ACTOR, plan)
    TreatmentPlan.objects.filter(pk=plan.pk).update(price_per_session="300.00")

    with pytest.raises(ValidationError) as refused:
        services.sign_consent(ACTOR, old, "Camille Durand", agreed=True)

    assert "document" in refused.value.message_dict
    assert not ConsentSignature.objects.exists()
    new = services.generate_consent(ACTOR, TreatmentPlan.objects.get(pk=plan.pk))
    assert new.version != old.version
    assert "300.00" in services.sign_consent(ACTOR, new, "Camille Durand", True).signed_text


def test_withdrawal_is_recorded_and_the_document_stays(world: World) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    signature = signed_consent(plan, world.members["owner"])
    actor = actor_for(world.members["nurse"], world.clinic)

    services.withdraw_consent(actor, signature, "Changed my mind")

    after = ConsentSignature.objects.get(pk=signature.pk)
    assert after.withdrawn_at is not None
    assert after.withdrawn_reason == "Changed my mind"
    assert after.signed_text == signature.signed_text
    with pytest.raises(ValidationError):
        services.withdraw_consent(actor, after, "Again")


def test_the_countersignature_names_the_practitioner_not_their_email(
    world: World, login: Any
) -> None:
    user = world.members["practitioner"]
    clinician = make_practitioner(world.clinic, full_name="Dr Odile Zyxsigner", user=user)
    plan = make_plan(world.clinic, protocol=HAIR, practitioner=clinician)
    signature = signed_consent(plan, user)
    client = login(world.members["owner"])
    page = client.get(f"/consent/documents/{signature.document_id}/").content.decode()
    assert "Countersigned by Dr Odile Zyxsigner on " in page
    assert f"Countersigned by {user.email}" not in page
    assert f"<td>{user.email} · " not in page
