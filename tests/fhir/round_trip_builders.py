"""A second patient's course for the round trip: a measurable goal, two lots in one session,
a cancelled appointment, a note and the immediate reactions, a graded event linked to a point."""

from __future__ import annotations

from decimal import Decimal

from mesotrace.patients.models import Patient
from mesotrace.safety.services import events
from mesotrace.treatments.models import Injection
from mesotrace.treatments.services import schedule
from mesotrace.treatments.services.plans import GoalInput
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record, weigh
from tests.conftest import World, make_patient
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
