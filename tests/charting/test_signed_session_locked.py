"""A signed session is locked: only its practitioner signs, and corrections keep the original."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from mesotrace.charting import services
from mesotrace.charting.models import SessionAmendment
from mesotrace.charting.rules import original_values
from mesotrace.charting.services import Correction
from mesotrace.treatments.models import Injection, SessionStatus, TreatmentSession
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.conftest import World
from tests.treatments.builders import actor_for


def _signed(world: World) -> TreatmentSession:
    session = record(chartable(world), payload(point(minoxidil_lot(world.clinic))))
    return services.sign_session(actor_for(world.members["practitioner"], world.clinic), session)


def test_the_charting_practitioner_signs_and_nobody_signs_twice(world: World) -> None:
    session = record(chartable(world), payload(point(minoxidil_lot(world.clinic))))
    with pytest.raises(ValidationError) as refused:
        services.sign_session(actor_for(world.members["owner"], world.clinic), session)
    assert "Only Dr Jeanne Martin, who performed this session" in str(refused.value)

    signed = services.sign_session(actor_for(world.members["practitioner"], world.clinic), session)
    assert signed.status == SessionStatus.SIGNED
    with pytest.raises(ValidationError, match="already signed"):
        services.sign_session(actor_for(world.members["practitioner"], world.clinic), signed)


def test_an_amendment_keeps_the_original_visible(world: World, client: Client) -> None:
    session = _signed(world)
    actor = actor_for(world.members["nurse"], world.clinic)

    services.amend_session(
        actor,
        session,
        "Pain score misheard",
        [Correction("pain_score", 5), Correction("injections.1.depth_mm", "3")],
    )
    services.amend_session(
        actor, session, "Patient corrected it again", [Correction("pain_score", 4)]
    )

    first, second = SessionAmendment.objects.order_by("at", "id")
    assert first.changes == {
        "injections.1.depth_mm": {"before": "2.0", "after": "3.0"},
        "pain_score": {"before": 2, "after": 5},
    }
    assert second.changes == {"pain_score": {"before": 5, "after": 4}}
    assert original_values([second, first])["pain_score"] == 2
    assert Injection.objects.get(number=1).depth_mm == Decimal("3.0")
    page = client.get(f"/charting/sessions/{session.pk}/")
    assert page.status_code == 302  # signed out: the login page, not the session


def test_volumes_and_lots_cannot_be_amended(world: World) -> None:
    session = _signed(world)
    with pytest.raises(ValidationError) as refused:
        services.amend_session(
            actor_for(world.members["practitioner"], world.clinic),
            session,
            "Wrong volume",
            [Correction("injections.1.volume_ml", "0.2")],
        )
    assert "drew stock" in str(refused.value.message_dict["injections.1.volume_ml"])
    assert not SessionAmendment.objects.exists()


def test_an_amendment_needs_a_reason_and_a_change(world: World) -> None:
    session = _signed(world)
    actor = actor_for(world.members["practitioner"], world.clinic)
    with pytest.raises(ValidationError, match="reason"):
        services.amend_session(actor, session, " ", [Correction("pain_score", 3)])
    with pytest.raises(ValidationError, match="Nothing would change"):
        services.amend_session(actor, session, "Check", [Correction("pain_score", 2)])


def test_the_session_page_shows_the_original_next_to_the_amendment(
    world: World, login: Callable[..., Client]
) -> None:
    session = _signed(world)
    services.amend_session(
        actor_for(world.members["practitioner"], world.clinic),
        session,
        "Reaction noted late",
        [Correction("immediate_reactions", "Mild erythema")],
    )
    page = login(world.members["nurse"]).get(f"/charting/sessions/{session.pk}/")
    text = page.content.decode()
    assert "As first charted:" in text
    assert "Reaction noted late" in text
    assert "Mild erythema" in text
    assert "Sign session" not in text


def test_a_signed_session_names_the_practitioner_who_signed_once(
    world: World, client: Client
) -> None:
    session = _signed(world)
    client.force_login(world.members["owner"])
    page = client.get(f"/charting/sessions/{session.pk}/").content.decode()
    signer = re.search(r'<span id="session-signer">(.*?)</span>', page, re.S)
    assert signer is not None
    assert signer.group(1).startswith(f"by {session.practitioner.full_name} on ")
    assert "signed by" not in page.lower()
    assert world.members["practitioner"].email not in signer.group(1)
