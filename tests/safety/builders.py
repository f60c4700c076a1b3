"""Small builders for safety tests: a charted session on a lot, events linked to it."""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any

from mesotrace.core.clock import clinic_today
from mesotrace.inventory.models import Lot
from mesotrace.patients.models import Patient
from mesotrace.safety.models import AdverseEvent, Reporter, SafetyAlert
from mesotrace.safety.services import events
from mesotrace.treatments.models import TreatmentSession
from tests.charting.builders import chartable, minoxidil_lot, payload, point, record
from tests.conftest import SYSTEM, World, make_patient
from tests.treatments.builders import actor_for


def charted_on(world: World, lot: Lot, patient: Patient | None = None) -> TreatmentSession:
    """A session charted today for `patient` (a new one if None) with one point from `lot`."""
    appointment = chartable(world, patient=patient or make_patient(world.clinic))
    return record(appointment, payload(point(lot)), world.members["practitioner"])


def event_input(session: TreatmentSession | None = None, **fields: Any) -> events.EventInput:
    today = clinic_today(session.clinic) if session else datetime.date.today()
    values: dict[str, Any] = {
        "term": "ntm_infection",
        "onset_date": today,
        "detected_on": today,
        "grade": 2,
        "session_ids": [session.pk] if session else [],
    }
    values.update(fields)
    return events.EventInput(**values)


def infection(world: World, session: TreatmentSession, **fields: Any) -> AdverseEvent:
    actor = actor_for(world.members["practitioner"], world.clinic)
    return events.record_event(actor, session.patient, event_input(session, **fields))


def sweep_entries(world: World, patient: Patient, marker: str) -> dict[str, int]:
    """The isolation sweep's ids: an event of `patient` and the alert its lot raised."""
    lot = minoxidil_lot(world.clinic, f"{marker}-AE", "5")
    first = infection(world, charted_on(world, lot, patient), description=f"{marker} abscess")
    infection(world, charted_on(world, lot), description=f"{marker} abscess")
    alert = SafetyAlert.objects.get(lot=lot)
    return {"event_id": first.pk, "alert_id": alert.pk}


def patient_report(patient: Patient, **fields: Any) -> AdverseEvent:
    """A side effect the patient reported from the portal: no grade, no links, as the portal
    stores it (a system actor stands for the portal link)."""
    values: dict[str, Any] = {"grade": None, "reporter": Reporter.PATIENT, "session_ids": []}
    values.update(fields)
    today = clinic_today(patient.clinic)
    data = replace(
        event_input(None, **values),
        onset_date=fields.get("onset_date", today),
        detected_on=today,
    )
    return events.record_event(SYSTEM, patient, data)
