"""A second patient's course for the round trip: a measurable goal, two lots in one session,
a cancelled appointment, a note and the immediate reactions, a graded event linked to a point."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

from django.utils import timezone

from mesotrace.consent.models import ConsentSignature
from mesotrace.inventory.models import Lot
from mesotrace.outcomes.models import LifestyleLog, Measurement, SplitBodyAllocation
from mesotrace.patients.models import Patient
from mesotrace.patients.services import PatientInput, update_patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.safety.models import AdverseEvent, AdverseEventFollowUp
from mesotrace.safety.services import events
from mesotrace.treatments.models import (
    Injection,
    ScreeningAcknowledgement,
    TreatmentPlan,
    TreatmentSession,
)
from mesotrace.treatments.services import schedule
from mesotrace.treatments.services.plans import GoalInput
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record, weigh
from tests.conftest import World, make_patient
from tests.consent.builders import drawn_png
from tests.safety.builders import event_input
from tests.treatments.builders import actor_for, book, next_weekday


def second_course(world: World) -> Patient:
    clinic = world.clinic
    patient = make_patient(
        clinic, given_name="Inès", family_name="Lefèvre", email="ines@example.test"
    )
    weigh(patient, 63.0)
    goals = [
        GoalInput("Less hair loss on the crown"),
        GoalInput("Denser hair", "hair_density", Decimal("20"), "hairs/cm2", 12),
    ]
    appointment = chartable(world, patient=patient, goals=goals)
    first, second = minoxidil_lot(clinic, "MX-RT-A", "5"), minoxidil_lot(clinic, "MX-RT-B", "5")
    body = payload(
        point(first, "0.15"),
        point(second, "0.1", needle_gauge=32),
        notes="Crown and temples.",
        immediate_reactions="Slight erythema at two points.",
    )
    session = record(appointment, body, world.members["practitioner"])
    later = book(appointment.plan, next_weekday(1, 10))[0]
    actor = actor_for(world.members["practitioner"], clinic)
    schedule.cancel_appointment(actor, later, "The patient is travelling.")
    injection = Injection.objects.get(session=session, number=2)
    data = event_input(
        session, term="haematoma", injection_ids=[injection.pk], session_ids=[], grade=1
    )
    events.record_event(actor, patient, data)
    return patient


def every_field_filled(world: World, patients: list[Patient]) -> None:
    """What a clinic types in beyond the charted course, each field away from its default, so a
    field the round trip drops shows: prices, diet and lifestyle, the anaesthetic and pain,
    the lot's supplier and vial, the event's narrative and follow-ups, a drawn and withdrawn
    consent, a supervising physician, acknowledged screening warnings, a split-body design,
    and a lifestyle log the patient entered."""
    clinic = world.clinic
    owner = actor_for(world.members["owner"], clinic)
    for number, patient in enumerate(patients):
        data = PatientInput(
            medical_history=f"Hypothyroidism, treated since 201{number}.",
            pregnancy_status="not_pregnant",
            preferred_language="fr",
            phone=f"+33 6 12 34 56 7{number}",
            address=f"{number + 3} rue des Lilas, Lyon",
        )
        update_patient(owner, patient, data)
    plans = TreatmentPlan.objects.for_clinic(clinic).order_by("pk")
    for number, plan in enumerate(plans):
        TreatmentPlan.objects.filter(pk=plan.pk).update(
            price_per_session=Decimal("85.50") + number,
            package_price=Decimal("400.00") if number else None,
            discount_percent=None if number else Decimal("12.50"),
            diet_type="mediterranean",
            calorie_target_kcal=1800 + number,
            exercise_minutes_per_week=150 + number,
            lifestyle_notes="Walk after meals; no alcohol the day before a session.",
        )
    _screening_and_split_body(world, list(plans))
    TreatmentSession.objects.for_clinic(clinic).update(
        anaesthetic="topical",
        anaesthetic_note="EMLA 5 %, 45 minutes under film",
        pain_score=3,
        charges=Decimal("95.00"),
    )
    opened = timezone.now() - datetime.timedelta(hours=2)
    Lot.objects.for_clinic(clinic).update(
        supplier="Laboratoires Exemple",
        multi_dose=True,
        discard_after_hours=24,
        opened_at=opened,
    )
    Lot.objects.for_clinic(clinic).filter(lot_number="MX-RT-B").update(
        status="under_investigation", status_reason="Two haematomas in a week."
    )
    AdverseEvent.objects.for_clinic(clinic).update(
        description="Warm, tender nodule at the point, 1 cm.",
        actions_taken="Cold compress; reviewed at 48 hours.",
        organism="Mycobacterium chelonae",
    )
    for event in AdverseEvent.objects.for_clinic(clinic).order_by("pk"):
        AdverseEventFollowUp.objects.create(
            clinic=clinic, event=event, on=event.onset_date, note="Swollen, no fever."
        )
        AdverseEventFollowUp.objects.create(
            clinic=clinic,
            event=event,
            on=event.onset_date,
            note="Settled with cold compresses.",
            outcome="recovering",
        )
    signatures = ConsentSignature.objects.for_clinic(clinic).order_by("pk")
    signatures.update(drawn_signature=drawn_png())
    last = signatures.last()
    assert last is not None
    ConsentSignature.objects.filter(pk=last.pk).update(
        withdrawn_at=timezone.now() - datetime.timedelta(minutes=1),
        withdrawn_reason="The patient wants to think it over.",
    )
    Measurement.objects.for_clinic(clinic).filter(side="left").update(assessor_blinded=True)
    LifestyleLog.objects.create(
        clinic=clinic,
        patient=patients[-1],
        date=timezone.localdate() - datetime.timedelta(days=7),
        diet_adherence_percent=65,
        exercise_minutes_per_week=95,
        entered_by="patient",
    )
    chief = Practitioner.objects.create(
        clinic=clinic,
        full_name="Pr Paul Girard",
        qualification="physician",
        licence_number="RPPS-10000000002",
        licence_jurisdiction="FR",
        licence_expiry=datetime.date(2031, 12, 31),
    )
    Practitioner.objects.for_clinic(clinic).exclude(pk=chief.pk).update(supervising_physician=chief)


def _screening_and_split_body(world: World, plans: list[TreatmentPlan]) -> None:
    """A warning acknowledged on each plan (one by a practitioner of the clinic), and the
    first plan split-body, unblinded, with letter labels and its side revealed."""
    clinic = world.clinic
    user = world.members["practitioner"]
    practitioner = Practitioner.objects.for_clinic(clinic).order_by("pk").first()
    now = timezone.now()
    for number, plan in enumerate(plans):
        code = f"interaction:anticoagulant:{number}"
        ScreeningAcknowledgement.objects.create(
            clinic=clinic,
            plan=plan,
            code=code,
            fingerprint=hashlib.sha256(code.encode()).hexdigest()[:32],
            text="The patient takes an anticoagulant: bruising is likelier.",
            reason="INR checked last week; small needle, pressure after each point.",
            acknowledged_by=user,
            practitioner=practitioner if number == 0 else None,
            acknowledged_at=now - datetime.timedelta(days=3, minutes=number),
        )
    SplitBodyAllocation.objects.create(
        clinic=clinic,
        plan=plans[0],
        treated_side="right",
        allocated_at=now - datetime.timedelta(days=2),
        allocated_by=user,
        blinding=False,
        side_a="left",
        revealed_at=now - datetime.timedelta(days=1),
        revealed_by=user,
    )
