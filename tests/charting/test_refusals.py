"""Every reason a session is refused says why, names the field, and saves nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pydantic import ValidationError as SchemaError

from mesotrace.audit.models import AuditEvent
from mesotrace.charting.schemas import ComponentIn
from mesotrace.core.clock import clinic_today
from mesotrace.inventory.models import MovementKind, StockMovement
from mesotrace.inventory.services import stock
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import (
    Appointment,
    Injection,
    InjectionComponent,
    ScreeningAcknowledgement,
    TreatmentSession,
)
from tests.charting.builders import (
    ABDOMEN,
    CHEST,
    appointment_today,
    chartable,
    minoxidil_lot,
    payload,
    point,
    record,
)
from tests.conftest import SYSTEM, World, make_practitioner
from tests.inventory.builders import days_from_today, receive
from tests.treatments.builders import PAIN

Case = Callable[[World, Appointment], tuple[Appointment, Any]]


def _expired(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
    lot = minoxidil_lot(
        world.clinic, "OLD-1", expiry=days_from_today(-1), received_on=days_from_today(-60)
    )
    return appointment, payload(point(lot))


def _with_status(status: str) -> Case:
    def case(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
        lot = minoxidil_lot(world.clinic, f"ST-{status[:4]}")
        stock.set_lot_status(SYSTEM, lot, status, "Supplier alert 2026-14")
        return appointment, payload(point(lot))

    return case


def _other_clinics_lot(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
    lot = minoxidil_lot(world.other_clinic, "US-1")
    return appointment, payload(point(lot))


def _short(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
    lot = minoxidil_lot(world.clinic, "LOW-1", "0.15")
    return appointment, payload(point(lot), point(lot))


def _opened_vial_past_discard(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
    # Received yesterday, so the vial opened three hours ago was in stock at any hour.
    yesterday = clinic_today(world.clinic) - datetime.timedelta(days=1)
    lot = minoxidil_lot(
        world.clinic, "MD-1", multi_dose=True, discard_after_hours=1, received_on=yesterday
    )
    stock.draw(
        SYSTEM, lot, "0.1", timezone.now() - datetime.timedelta(hours=3), clinic=world.clinic
    )
    return appointment, payload(point(lot))


def _cancelled(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
    Appointment.objects.filter(pk=appointment.pk).update(
        status="cancelled", cancel_reason="Patient has a cold"
    )
    appointment.refresh_from_db()
    return appointment, payload(point(minoxidil_lot(world.clinic)))


def _future(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
    later = appointment_today(appointment.plan, minutes_ago=-3 * 24 * 60)
    return later, payload(point(minoxidil_lot(world.clinic)))


def _not_allowed_to_inject(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
    nurse = make_practitioner(world.clinic, full_name="Nurse Paul Roy", qualification="nurse")
    return appointment, payload(point(minoxidil_lot(world.clinic)), practitioner_id=nurse.pk)


def _screening_open(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
    ScreeningAcknowledgement.objects.filter(plan=appointment.plan).delete()
    return appointment, payload(point(minoxidil_lot(world.clinic)))


def _off_the_map(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
    return appointment, payload(point(minoxidil_lot(world.clinic), view="front", where=CHEST))


def _wrong_zone(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
    lot = minoxidil_lot(world.clinic)
    return appointment, payload(point(lot, view="front", where=ABDOMEN, zone="thigh"))


def _deeper_than_needle(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
    lot = minoxidil_lot(world.clinic)
    return appointment, payload(point(lot, depth_mm=Decimal("6"), needle_length_mm=Decimal("4")))


def _lot_of_another_product(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
    lidocaine = receive(world.clinic, "LIDO-1")
    minoxidil = minoxidil_lot(world.clinic)
    wrong = ComponentIn(
        product_id=minoxidil.product_id, lot_id=lidocaine.pk, volume_ml=Decimal("0.1")
    )
    return appointment, payload(point(minoxidil, components=[wrong]))


def _already_charted(world: World, appointment: Appointment) -> tuple[Appointment, Any]:
    lot = minoxidil_lot(world.clinic)
    record(appointment, payload(point(lot)))
    return appointment, payload(point(lot, "0.2"))


CASES: dict[str, tuple[Case, str, str]] = {
    "expired": (_expired, "injections.0.components.0.lot_id", "expired on"),
    "recalled": (_with_status("recalled"), "injections.0.components.0.lot_id", "is recalled"),
    "under_investigation": (
        _with_status("under_investigation"),
        "injections.0.components.0.lot_id",
        "under investigation (Supplier alert 2026-14)",
    ),
    "other_clinic_lot": (
        _other_clinics_lot,
        "injections.0.components.0.lot_id",
        "No lot with id",
    ),
    "short_of_stock": (_short, "injections.0.components.0.lot_id", "has only 0.15 mL left"),
    "multi_dose_discard": (
        _opened_vial_past_discard,
        "injections.0.components.0.lot_id",
        "passed its discard time",
    ),
    "cancelled_appointment": (_cancelled, "appointment_id", "cancelled (Patient has a cold)"),
    "future_appointment": (_future, "appointment_id", "chart it on the day"),
    "may_not_inject": (_not_allowed_to_inject, "practitioner_id", "Nurse Paul Roy"),
    "screening_not_acknowledged": (_screening_open, "screening", "not acknowledged"),
    "point_off_the_map": (_off_the_map, "injections.0.x", "outside the body zones"),
    "point_not_on_its_zone": (_wrong_zone, "injections.0.zone", "is on the abdomen, not the thigh"),
    "deeper_than_the_needle": (_deeper_than_needle, "injections.0.depth_mm", "deeper than"),
    "lot_of_another_product": (
        _lot_of_another_product,
        "injections.0.components.0.lot_id",
        "is of Lidocaine 2% (generic)",
    ),
    "already_charted": (_already_charted, "appointment_id", "already charted"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_refused_session_says_why_and_saves_nothing(world: World, name: str) -> None:
    build, field, reason = CASES[name]
    appointment, body = build(world, chartable(world))
    sessions_before = TreatmentSession.objects.count()
    used_before = StockMovement.objects.filter(kind=MovementKind.USED).count()
    audit_before = AuditEvent.objects.filter(object_type="treatment_session").count()

    with pytest.raises(ValidationError) as refused:
        record(appointment, body, world.members["practitioner"])

    messages = refused.value.message_dict
    assert field in messages, messages
    assert reason in " ".join(messages[field]), messages
    assert TreatmentSession.objects.count() == sessions_before
    assert StockMovement.objects.filter(kind=MovementKind.USED).count() == used_before
    assert AuditEvent.objects.filter(object_type="treatment_session").count() == audit_before


def test_depth_outside_the_protocols_range_is_refused(world: World) -> None:
    appointment = chartable(world, protocol=PAIN)  # 0.5 to 4 mm
    lot = minoxidil_lot(world.clinic)
    back = point(
        lot,
        view="back",
        where=(Decimal("0.5"), Decimal("0.38")),
        depth_mm=Decimal("6"),
        needle_length_mm=Decimal("13"),
    )

    with pytest.raises(ValidationError) as refused:
        record(appointment, payload(back))

    assert refused.value.message_dict["injections.0.depth_mm"] == [
        "6 mm is outside the protocol's depth range, 0.5 to 4.0 mm."
    ]
    assert Injection.objects.count() == 0


@pytest.mark.parametrize("volume", ["0", "-0.1"])
def test_zero_or_negative_volume_never_reaches_the_chart(world: World, volume: str) -> None:
    lot = minoxidil_lot(world.clinic)
    with pytest.raises(SchemaError) as refused:
        ComponentIn.model_validate(
            {"product_id": lot.product_id, "lot_id": lot.pk, "volume_ml": volume}
        )
    assert refused.value.errors()[0]["loc"] == ("volume_ml",)
    assert InjectionComponent.objects.count() == 0


def test_a_practitioner_of_another_clinic_cannot_be_named(world: World) -> None:
    appointment = chartable(world)
    stranger = Practitioner.objects.create(
        clinic=world.other_clinic, full_name="Dr Outside", qualification="physician"
    )
    body = payload(point(minoxidil_lot(world.clinic)), practitioner_id=stranger.pk)
    with pytest.raises(ValidationError) as refused:
        record(appointment, body)
    assert "practitioner_id" in refused.value.message_dict
