"""Dose limits in drug amount: lidocaine by body weight and presentation, summed over every
product of a session; deoxycholic acid by amount and injection count whatever the product's
strength; a product of unknown strength refused unless an owner overrides."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.catalogue.models import Compound, Product, ProductComponent
from mesotrace.charting.schemas import DoseOverrideIn, InjectionIn
from mesotrace.inventory.models import Lot
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.outcomes import services as outcomes
from mesotrace.outcomes.queries.measurements import measurement_type
from mesotrace.patients.models import Patient
from mesotrace.treatments.models import Appointment, TreatmentSession
from tests.charting.builders import chartable, payload, point, record
from tests.conftest import World, make_patient
from tests.inventory.builders import KYBELLA, receive
from tests.outcomes.builders import ensure_measurement_types

SUBMENTAL = (Decimal("0.5"), Decimal("0.142"))
PLAIN_2 = "lidocaine-2-generic"  # 20 mg/mL, no epinephrine


def _weigh(patient: Patient, kg: float, days_ago: int = 1) -> None:
    ensure_measurement_types()
    when = timezone.now() - datetime.timedelta(days=days_ago)
    kind = measurement_type("body-weight")
    outcomes.record_measurement(Actor.system("test"), patient, kind, kg, "kg", measured_at=when)


def _patient_of(world: World, kg: float | None, days_ago: int = 1) -> Appointment:
    patient = make_patient(world.clinic)
    if kg is not None:
        _weigh(patient, kg, days_ago)
    return chartable(world, patient=patient)


def _clinic_product(
    world: World, slug: str, compound: str, mg_per_ml: str | None, epinephrine: bool = False
) -> Product:
    """A clinic's own product of a shipped compound, at the strength given (mg/mL)."""
    product = Product.objects.create(
        clinic=world.clinic,
        name=f"House {slug}",
        slug=slug,
        presentation="ampoule",
        contains_epinephrine=epinephrine,
    )
    ProductComponent.objects.create(
        product=product,
        compound=Compound.objects.shipped().get(slug=compound),
        concentration=Decimal(mg_per_ml) if mg_per_ml else None,
        unit="mg/mL" if mg_per_ml else "",
    )
    return product


def _points(lot: Lot, count: int, volume: str = "0.5") -> list[InjectionIn]:
    return [point(lot, volume) for _ in range(count)]


def _refusal(appointment: Appointment, *points: InjectionIn, **fields: object) -> str:
    with pytest.raises(ValidationError) as refused:
        record(appointment, payload(*points, **fields))
    return " ".join(refused.value.message_dict.get("injections", [])) + str(
        refused.value.message_dict
    )


def test_a_french_reader_reads_the_weight_limit_with_decimal_commas(world: World) -> None:
    appointment = _patient_of(world, 50)
    lot = receive(world.clinic, "LD-FR", "50", product=PLAIN_2)

    with translation.override("fr"):
        message = _refusal(appointment, *_points(lot, 24))

    assert "4,5 mg/kg pour 50 kg" in message
    assert "4.5 mg/kg" not in message


def test_50_kg_patient_is_refused_above_the_plain_lidocaine_weight_limit(world: World) -> None:
    appointment = _patient_of(world, 50)
    lot = receive(world.clinic, "LD-1", "50", product=PLAIN_2)

    message = _refusal(appointment, *_points(lot, 24))  # 12 mL = 240 mg > 4.5 x 50 = 225 mg

    assert "Lidocaine: 240 mg charted in this session, above the limit of 225 mg" in message
    assert "4.5 mg/kg for 50 kg, at most 300 mg, without epinephrine" in message
    assert "11.25 mL of Lidocaine 2% (generic)" in message
    assert TreatmentSession.objects.count() == 0
    assert on_hand(lot) == Decimal("50.000")


def test_the_same_amount_with_epinephrine_is_under_its_limit(world: World) -> None:
    appointment = _patient_of(world, 50)
    product = _clinic_product(world, "lido-2-epi", "lidocaine", "20", epinephrine=True)
    lot = receive(world.clinic, "LE-1", "50", product=product)

    record(appointment, payload(*_points(lot, 24)))  # 240 mg <= 7 x 50 = 350 mg

    assert on_hand(lot) == Decimal("38.000")


def test_lidocaine_from_two_products_adds_up(world: World) -> None:
    appointment = _patient_of(world, 50)
    two = receive(world.clinic, "LD-2", "50", product=PLAIN_2)
    one = receive(
        world.clinic, "LD-3", "50", product=_clinic_product(world, "l1", "lidocaine", "10")
    )

    # 8 mL at 20 mg/mL + 8 mL at 10 mg/mL = 240 mg; each product alone is under 225 mg.
    message = _refusal(appointment, *_points(two, 16), *_points(one, 16))

    assert "Lidocaine: 240 mg charted in this session, above the limit of 225 mg" in message
    assert "22.5 mL of House l1 or 11.25 mL of Lidocaine 2% (generic)" in message


def test_a_weight_limit_needs_a_recent_weight(world: World) -> None:
    appointment = _patient_of(world, 50, days_ago=45)
    lot = receive(world.clinic, "LD-4", "50", product=PLAIN_2)

    message = _refusal(appointment, point(lot, "0.1"))

    assert "no body weight was recorded in the 30 days before this session" in message


def test_the_ceiling_holds_whatever_the_weight(world: World) -> None:
    appointment = _patient_of(world, 120)  # 4.5 x 120 = 540 mg, but never above 300 mg
    lot = receive(world.clinic, "LD-5", "50", product=PLAIN_2)

    message = _refusal(appointment, *_points(lot, 31))  # 15.5 mL = 310 mg

    assert "310 mg charted in this session, above the limit of 300 mg" in message


def test_kybella_at_the_label_maximum_is_charted(world: World) -> None:
    appointment = chartable(world)
    lot = receive(world.clinic, "KY-1", "20", product=KYBELLA)

    record(appointment, payload(*[point(lot, "0.2", view="front", where=SUBMENTAL)] * 50))

    assert on_hand(lot) == Decimal("10.000")


def test_more_injections_than_the_label_allows_are_refused(world: World) -> None:
    appointment = chartable(world)
    lot = receive(world.clinic, "KY-2", "20", product=KYBELLA)

    message = _refusal(appointment, *[point(lot, "0.1", view="front", where=SUBMENTAL)] * 60)

    assert "60 injections charted, above the limit of 50 injections per session" in message


def test_a_pc_dc_product_stronger_than_kybella_is_limited_by_drug_amount(world: World) -> None:
    appointment = chartable(world)
    strong = _clinic_product(world, "pcdc-25", "deoxycholic-acid", "25")
    lot = receive(world.clinic, "PD-1", "20", product=strong)

    # 25 x 0.2 mL = 5 mL: a fifth of Kybella's 10 mL, yet 125 mg of deoxycholic acid.
    message = _refusal(appointment, *[point(lot, "0.2", view="front", where=SUBMENTAL)] * 25)

    assert "Deoxycholic acid (sodium deoxycholate): 125 mg charted" in message
    assert "above the limit of 100 mg" in message
    assert "That limit is 4 mL of House pcdc-25" in message
    assert "5 mg at point 1, above the limit of 2 mg per injection" in message


def test_a_product_of_unknown_strength_is_refused_for_a_limited_drug(world: World) -> None:
    appointment = chartable(world)
    lot = receive(world.clinic, "PG-1", "20", product="pc-dc-generic")

    message = _refusal(appointment, point(lot, "0.1", view="front", where=SUBMENTAL))

    assert "the strength of Phosphatidylcholine / deoxycholate (PC/DC, generic)" in message
    assert "is not recorded" in message


def test_an_owner_may_override_an_unknown_strength_with_a_reason(world: World) -> None:
    appointment = chartable(world)
    lot = receive(world.clinic, "PG-2", "20", product="pc-dc-generic")
    dc = Compound.objects.shipped().get(slug="deoxycholic-acid")
    reason = "Pharmacy certificate on file: 25 mg/mL"
    body = payload(
        point(lot, "0.1", view="front", where=SUBMENTAL),
        dose_overrides=[DoseOverrideIn(compound_id=dc.pk, reason=reason)],
    )

    with pytest.raises(ValidationError) as refused:
        record(appointment, body, world.members["practitioner"])
    assert "Only an owner" in str(refused.value.message_dict["dose_overrides"])

    session = record(appointment, body, world.members["owner"])

    entry = AuditEvent.objects.get(
        object_type="treatment_session", object_id=str(session.pk), action="create"
    )
    assert entry.details["dose_overrides"] == [{"compound": dc.pk, "reason": reason}]


def _chart_form(appointment: Appointment, lot: Lot, **fields: str) -> dict[str, str]:
    points = payload(point(lot, "0.1", view="front", where=SUBMENTAL))
    return {
        "practitioner": str(appointment.practitioner_id),
        "anaesthetic": "none",
        "charges": "180",
        "idempotency_key": "form-dose-override-1",
        "injections": json.dumps(points.model_dump(mode="json")["injections"]),
        **fields,
    }


def test_the_owner_overrides_an_unknown_strength_on_the_chart_page(
    world: World, login: Callable[[User], Client]
) -> None:
    appointment = chartable(world)
    lot = receive(world.clinic, "PG-3", "20", product="pc-dc-generic")
    url = f"/charting/appointments/{appointment.pk}/chart/"
    owner = login(world.members["owner"])
    assert b'id="dose-override"' not in owner.get(url).content

    refused = owner.post(url, _chart_form(appointment, lot))
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "is not recorded" in html
    fieldset = html[html.index('id="dose-override"') :]
    assert "The amount of Deoxycholic acid (sodium deoxycholate) cannot be checked" in fieldset
    assert 'name="override_dose_reason"' in fieldset
    assert not TreatmentSession.objects.filter(appointment=appointment).exists()

    reason = "Pharmacy certificate on file: 25 mg/mL"
    saved = owner.post(url, _chart_form(appointment, lot, override_dose_reason=reason))

    assert saved.status_code == 302
    session = TreatmentSession.objects.get(appointment=appointment)
    entry = AuditEvent.objects.get(
        object_type="treatment_session", object_id=str(session.pk), action="create"
    )
    dc = Compound.objects.shipped().get(slug="deoxycholic-acid")
    assert entry.details["dose_overrides"] == [{"compound": dc.pk, "reason": reason}]


def test_a_practitioner_sees_no_dose_override_and_cannot_force_one(
    world: World, login: Callable[[User], Client]
) -> None:
    appointment = chartable(world)
    lot = receive(world.clinic, "PG-4", "20", product="pc-dc-generic")
    url = f"/charting/appointments/{appointment.pk}/chart/"
    client = login(world.members["practitioner"])

    refused = client.post(url, _chart_form(appointment, lot))
    assert refused.status_code == 422
    assert b'id="dose-override"' not in refused.content
    forced = client.post(url, _chart_form(appointment, lot, override_dose_reason="Because"))
    assert forced.status_code == 422
    assert b"Only an owner can chart a product whose strength is unknown" in forced.content
    assert not TreatmentSession.objects.filter(appointment=appointment).exists()


def test_a_dose_override_reason_without_an_unknown_strength_is_refused(
    world: World, login: Callable[[User], Client]
) -> None:
    appointment = chartable(world)
    lot = receive(world.clinic, "KY-5", "20", product=KYBELLA)
    owner = login(world.members["owner"])

    refused = owner.post(
        f"/charting/appointments/{appointment.pk}/chart/",
        _chart_form(appointment, lot, override_dose_reason="Just in case"),
    )

    assert refused.status_code == 422
    assert b"charts no limited drug from a product of unknown strength" in refused.content
    assert not TreatmentSession.objects.filter(appointment=appointment).exists()
