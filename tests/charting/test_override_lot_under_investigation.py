"""An owner may chart one session with a lot under investigation, for a reason, audited;
nobody may with a recalled or expired lot, and nobody but an owner may override at all."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.charting.models import LotUseOverride
from mesotrace.charting.schemas import LotOverrideIn
from mesotrace.inventory.models import Lot, LotStatus, MovementKind, StockMovement
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.inventory.services import stock
from mesotrace.treatments.models import TreatmentSession
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.conftest import SYSTEM, World
from tests.inventory.builders import days_from_today

REASON = "Cultures of the vial negative; patient informed and agrees"


def _held(world: World, number: str = "MX-HELD", **kw: Any) -> Lot:
    lot = minoxidil_lot(world.clinic, number, **kw)
    stock.set_lot_status(SYSTEM, lot, LotStatus.UNDER_INVESTIGATION, "Two NTM infections")
    return lot


def _override(lot: Lot, reason: str = REASON) -> list[LotOverrideIn]:
    return [LotOverrideIn(lot_id=lot.pk, reason=reason)]


def _nothing_saved() -> None:
    assert TreatmentSession.objects.count() == 0
    assert StockMovement.objects.filter(kind=MovementKind.USED).count() == 0
    assert not LotUseOverride.objects.exists()


def test_an_owner_charts_with_a_lot_under_investigation_for_a_reason(world: World) -> None:
    lot = _held(world)

    session = record(
        chartable(world),
        payload(point(lot, "0.3"), lot_overrides=_override(lot)),
        world.members["owner"],
    )

    row = LotUseOverride.objects.get(session=session)
    assert (row.lot_id, row.reason, row.by) == (lot.pk, REASON, world.members["owner"])
    assert on_hand(lot) == Decimal("9.700")
    used = StockMovement.objects.get(lot=lot, kind=MovementKind.USED)
    drawn = AuditEvent.objects.get(object_type="stock_movement", object_id=str(used.pk))
    assert drawn.details["investigation_overridden"] is True  # the stock trail says so too
    lot.refresh_from_db()
    assert lot.status == LotStatus.UNDER_INVESTIGATION  # for the next session, still refused
    audit = AuditEvent.objects.get(object_type="lot_use_override", object_id=str(row.pk))
    assert audit.details["reason"] == REASON
    with pytest.raises(ValidationError):
        record(chartable(world), payload(point(lot)), world.members["owner"])


def test_an_override_without_a_reason_is_refused(world: World) -> None:
    lot = _held(world)

    with pytest.raises(ValidationError) as refused:
        record(
            chartable(world),
            payload(point(lot), lot_overrides=_override(lot, "  ")),
            world.members["owner"],
        )

    assert "lot_overrides.0.reason" in refused.value.message_dict
    _nothing_saved()


@pytest.mark.parametrize("role", ["practitioner", "nurse"])
def test_only_an_owner_may_override(world: World, role: str) -> None:
    lot = _held(world)

    with pytest.raises(ValidationError) as refused:
        record(
            chartable(world), payload(point(lot), lot_overrides=_override(lot)), world.members[role]
        )

    assert "Only an owner" in " ".join(refused.value.message_dict["lot_overrides"])
    _nothing_saved()


def test_a_recalled_lot_cannot_be_overridden(world: World) -> None:
    lot = minoxidil_lot(world.clinic, "MX-RECALLED")
    stock.set_lot_status(SYSTEM, lot, LotStatus.RECALLED, "Manufacturer recall")

    with pytest.raises(ValidationError) as refused:
        record(
            chartable(world),
            payload(point(lot), lot_overrides=_override(lot)),
            world.members["owner"],
        )

    message = " ".join(refused.value.message_dict["lot_overrides.0.lot_id"])
    assert "is recalled: only a lot under investigation can be overridden" in message
    _nothing_saved()


def test_an_override_does_not_lift_an_expiry(world: World) -> None:
    lot = _held(world, "MX-OLD", expiry=days_from_today(-1), received_on=days_from_today(-60))

    with pytest.raises(ValidationError) as refused:
        record(
            chartable(world),
            payload(point(lot), lot_overrides=_override(lot)),
            world.members["owner"],
        )

    reasons = str(refused.value.message_dict)
    assert "expired on" in reasons
    assert "Only an owner can override" not in reasons  # an expiry is never overridable
    _nothing_saved()


def test_without_an_override_the_refusal_says_who_may_override(world: World) -> None:
    lot = _held(world)

    with pytest.raises(ValidationError) as refused:
        record(chartable(world), payload(point(lot)), world.members["practitioner"])

    message = " ".join(refused.value.message_dict["injections.0.components.0.lot_id"])
    assert "under investigation (Two NTM infections)" in message
    assert "Only an owner can override this" in message


def test_an_override_for_a_lot_the_session_does_not_use_is_refused(world: World) -> None:
    used = minoxidil_lot(world.clinic, "MX-OK")
    held = _held(world)

    with pytest.raises(ValidationError) as refused:
        record(
            chartable(world),
            payload(point(used), lot_overrides=_override(held)),
            world.members["owner"],
        )

    assert "uses no lot" in " ".join(refused.value.message_dict["lot_overrides.0.lot_id"])
    _nothing_saved()


def _chart_form(appointment: Any, lot: Lot, **fields: str) -> dict[str, str]:
    body = payload(point(lot)).model_dump(mode="json")["injections"]
    return {
        "practitioner": str(appointment.practitioner_id),
        "anaesthetic": "none",
        "charges": "180",
        "idempotency_key": "form-override-1",
        "injections": json.dumps(body),
        **fields,
    }


def test_the_owner_overrides_on_the_charting_page(
    world: World, login: Callable[[User], Client]
) -> None:
    lot = _held(world)
    appointment = chartable(world)
    owner = login(world.members["owner"])
    page = owner.get(f"/charting/appointments/{appointment.pk}/chart/")
    assert b'id="lot-override"' in page.content

    refused = owner.post(
        f"/charting/appointments/{appointment.pk}/chart/",
        _chart_form(appointment, lot, override_lot=str(lot.pk), override_reason=""),
    )
    assert refused.status_code == 422
    assert b"Give the reason for charting with this lot" in refused.content
    _nothing_saved()

    saved = owner.post(
        f"/charting/appointments/{appointment.pk}/chart/",
        _chart_form(appointment, lot, override_lot=str(lot.pk), override_reason=REASON),
    )
    session = TreatmentSession.objects.get(appointment=appointment)
    assert saved.status_code == 302
    detail = owner.get(f"/charting/sessions/{session.pk}/")
    assert b'id="lot-overrides"' in detail.content
    assert REASON.encode() in detail.content


def test_a_practitioner_sees_the_refusal_and_no_override_on_the_page(
    world: World, login: Callable[[User], Client]
) -> None:
    lot = _held(world)
    appointment = chartable(world)
    client = login(world.members["practitioner"])
    url = f"/charting/appointments/{appointment.pk}/chart/"
    assert b'id="lot-override"' not in client.get(url).content

    refused = client.post(url, _chart_form(appointment, lot))
    assert refused.status_code == 422
    assert b"is under investigation (Two NTM infections)" in refused.content
    forced = client.post(
        url, _chart_form(appointment, lot, override_lot=str(lot.pk), override_reason=REASON)
    )
    assert b"Only an owner can chart with a lot under investigation" in forced.content
    _nothing_saved()


def test_the_sessions_api_takes_an_override_from_an_owner_only(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    lot = _held(world)
    appointment = chartable(world)
    body = payload(point(lot), lot_overrides=_override(lot), appointment_id=appointment.pk)
    data = body.model_dump_json()

    practitioner = client.post(
        "/api/v1/sessions",
        data=data,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="api-override-1",
        **bearer(world.members["practitioner"], world.clinic),
    )
    assert practitioner.status_code == 422
    assert practitioner.json()["errors"][0]["field"] == "lot_overrides"
    _nothing_saved()

    owner = client.post(
        "/api/v1/sessions",
        data=data,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="api-override-2",
        **bearer(world.members["owner"], world.clinic),
    )
    assert owner.status_code == 201, owner.content
    assert owner.json()["lot_overrides"][0]["reason"] == REASON
