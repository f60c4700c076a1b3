"""Small builders for charting tests: an appointment to chart today, lots, and payloads."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.utils import timezone

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic, User
from mesotrace.charting import services
from mesotrace.charting.schemas import ComponentIn, InjectionIn, SessionIn
from mesotrace.inventory.models import Lot
from mesotrace.outcomes import services as outcomes
from mesotrace.outcomes.models import MeasurementType
from mesotrace.outcomes.queries.measurements import measurement_type
from mesotrace.outcomes.shipped import sync_shipped_types
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import Appointment, TreatmentPlan, TreatmentSession
from tests.conftest import World, make_patient
from tests.consent.builders import signed_consent
from tests.inventory.builders import receive
from tests.treatments.builders import HAIR, active_plan, actor_for

MINOXIDIL = "minoxidil-2-generic"
# Points inside the map's zones, as fractions of each view (mesotrace/treatments/rules/bodymap.py).
SCALP_CENTRE = (Decimal("0.5"), Decimal("0.52"))
ABDOMEN = (Decimal("0.5"), Decimal("0.35"))
CHEST = (Decimal("0.5"), Decimal("0.23"))  # on the body, but no zone


def appointment_today(
    plan: TreatmentPlan, practitioner: Practitioner | None = None, minutes_ago: int = 5
) -> Appointment:
    """An appointment of the plan that started a few minutes ago, ready to chart.

    Booking refuses the past, so tests write the row directly, as a clinic's calendar
    would hold it by the time the patient is in the chair.
    """
    start = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    sequence = plan.appointments.count() + 1
    return Appointment.objects.create(
        clinic=plan.clinic,
        plan=plan,
        patient=plan.patient,
        practitioner=practitioner or plan.practitioner,
        sequence=sequence,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
    )


def weigh(patient: Patient, kg: float, days_ago: int = 1) -> None:
    """A body weight measured `days_ago` days ago: a lidocaine limit is per kg of it."""
    if not MeasurementType.objects.exists():
        sync_shipped_types(MeasurementType)  # a transactional test's flush removed them
    when = timezone.now() - datetime.timedelta(days=days_ago)
    kind = measurement_type("body-weight")
    outcomes.record_measurement(Actor.system("test"), patient, kind, kg, "kg", measured_at=when)


def chartable(
    world: World,
    patient: Patient | None = None,
    protocol: str = HAIR,
    weight_kg: float | None = 70.0,
    **plan: Any,
) -> Appointment:
    """An appointment today of an active, screened and consented plan, with its practitioner.

    A new patient is weighed yesterday (`weight_kg`), as a clinic would before charting a
    drug limited per kg; a patient passed in is left as the test made them."""
    clinic = world.clinic
    if patient is None:
        patient = make_patient(clinic)
        if weight_kg is not None:
            weigh(patient, weight_kg)
    user = world.members["practitioner"]
    practitioner = Practitioner.objects.for_clinic(clinic).filter(
        user=user
    ).first() or Practitioner.objects.create(
        clinic=clinic,
        user=user,
        full_name="Dr Jeanne Martin",
        qualification="physician",
        licence_number="RPPS-10000000001",
        licence_jurisdiction=clinic.jurisdiction,
        licence_expiry=datetime.date(2099, 1, 1),
        training_certificate="DIU de mésothérapie",
        training_date=datetime.date(2015, 6, 30),
    )
    chosen = active_plan(
        clinic,
        user,
        patient=patient,
        protocol=protocol,
        practitioner=practitioner,
        **plan,
    )
    signed_consent(chosen, user)
    return appointment_today(chosen)


def minoxidil_lot(clinic: Clinic, number: str = "MX-001", quantity: str = "10", **kw: Any) -> Lot:
    return receive(clinic, number, quantity, product=MINOXIDIL, **kw)


def point(
    lot: Lot,
    volume: str = "0.1",
    where: tuple[Decimal, Decimal] = SCALP_CENTRE,
    view: str = "scalp",
    **fields: Any,
) -> InjectionIn:
    values: dict[str, Any] = {
        "view": view,
        "x": where[0],
        "y": where[1],
        "depth_mm": Decimal("2"),
        "needle_gauge": 30,
        "needle_length_mm": Decimal("4"),
        "technique": "point_by_point",
        "components": [
            ComponentIn(product_id=lot.product_id, lot_id=lot.pk, volume_ml=Decimal(volume))
        ],
    }
    values.update(fields)
    return InjectionIn(**values)


def payload(*points: InjectionIn, **fields: Any) -> SessionIn:
    values: dict[str, Any] = {"charges": Decimal("180"), "pain_score": 2, "injections": points}
    values.update(fields)
    return SessionIn(**values)


def record(
    appointment: Appointment, body: SessionIn, user: User | None = None, key: str | None = None
) -> TreatmentSession:
    actor: Actor = actor_for(user, appointment.clinic) if user else Actor.system("test")
    return services.record_session(actor, appointment, body, key or uuid.uuid4().hex)


def sweep_entries(world: World, patient: Patient, marker: str) -> dict[str, int]:
    """The isolation sweep's ids: a charted session with a photo, and a photo consent."""
    from mesotrace.consent.services import grant_photo_consent
    from tests.charting.photo_builders import jpeg_upload

    appointment = chartable(world, patient=patient)
    lot = minoxidil_lot(world.clinic, f"{marker}-MX", "5")
    session = record(appointment, payload(point(lot)), world.members["practitioner"])
    actor = actor_for(world.members["practitioner"], world.clinic)
    consent = grant_photo_consent(actor, patient, "clinical_record")
    photo = services.add_photo(actor, session, jpeg_upload(), "front")
    document = appointment.plan.consent_documents.get()
    return {
        "session_id": session.pk,
        "photo_id": photo.pk,
        "photo_consent_id": consent.pk,
        "document_id": document.pk,
        "consent_id": document.pk,
    }
