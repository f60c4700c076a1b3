"""A clinic record with one of every kind of row the FHIR interface serves."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.utils import timezone

from mesotrace.catalogue.models import BodyZone
from mesotrace.charting import services as charting
from mesotrace.consent.models import ConsentSignature
from mesotrace.consent.services import grant_photo_consent
from mesotrace.inventory.models import Lot
from mesotrace.outcomes import services as outcomes
from mesotrace.outcomes.queries.measurements import measurement_type
from mesotrace.patients.models import Patient
from mesotrace.safety.models import AdverseEvent
from mesotrace.treatments.models import InjectionComponent, TreatmentSession
from tests.charting.builders import ABDOMEN, chartable, minoxidil_lot, payload, point, record
from tests.charting.photo_builders import jpeg_upload
from tests.conftest import World, make_patient
from tests.outcomes.builders import ensure_measurement_types
from tests.safety.builders import infection
from tests.treatments.builders import actor_for

BASE = "/fhir/r4"


@dataclass
class Record:
    """The rows of one patient's charted course, by the FHIR type each becomes."""

    patient: Patient
    session: TreatmentSession
    lot: Lot
    event: AdverseEvent
    ids: dict[str, int]


def charted_record(world: World, lot_number: str = "MX-TRACE-1") -> Record:
    """A patient with an allergy and an anticoagulant, a consented plan, a charted session of
    two points from one lot (one on the scalp, one on the abdomen), a photo, two
    measurements (body weight, one sided thigh), a lifestyle log, and an infection linked to
    the session."""
    clinic = world.clinic
    patient = make_patient(
        clinic,
        allergies=[{"substance": "Lidocaine", "reaction": "Hives", "severity": "moderate"}],
        medications=[{"name": "Warfarin", "dose": "5 mg daily", "is_anticoagulant": True}],
    )
    appointment = chartable(world, patient=patient)
    lot = minoxidil_lot(clinic, lot_number, "5")
    deep = point(lot, "0.2", ABDOMEN, "front", depth_mm=6, needle_length_mm=6)
    session = record(appointment, payload(point(lot), deep), world.members["practitioner"])
    actor = actor_for(world.members["practitioner"], clinic)
    grant_photo_consent(actor, patient, "clinical_record")
    photo = charting.add_photo(actor, session, jpeg_upload(), "front")
    ensure_measurement_types()
    weight = outcomes.record_measurement(
        actor, patient, measurement_type("body-weight"), 71.5, "kg", plan=appointment.plan
    )
    outcomes.record_measurement(
        actor,
        patient,
        measurement_type("thigh-circumference"),
        58.0,
        "cm",
        zone=BodyZone.objects.get(slug="thigh"),
        side="left",
        measured_at=timezone.now() - datetime.timedelta(days=1),
    )
    log = outcomes.log_lifestyle(actor, patient, session.performed_on, 80, 150, 71.0)
    event = infection(world, session, description="Abscess at an abdominal point")
    component = InjectionComponent.objects.filter(injection__session=session).first()
    assert component is not None
    ids = {
        "Organization": clinic.pk,
        "Patient": patient.pk,
        "Practitioner": session.practitioner_id,
        "PractitionerRole": session.practitioner_id,
        "AllergyIntolerance": patient.allergies.get().pk,
        "MedicationStatement": patient.medications.get().pk,
        "Condition": appointment.plan_id,
        "CarePlan": appointment.plan_id,
        "Appointment": appointment.pk,
        "Procedure": session.pk,
        "MedicationAdministration": component.pk,
        "Medication": lot.pk,
        "Observation": weight.pk,
        "QuestionnaireResponse": log.pk,
        "AdverseEvent": event.pk,
        "Consent": ConsentSignature.objects.get(document__plan=appointment.plan).pk,
        "DocumentReference": photo.pk,
    }
    return Record(patient, session, lot, event, ids)


def get(client: Client, path: str, headers: dict[str, Any], **extra: Any) -> Any:
    return client.get(f"{BASE}/{path}", **headers, **extra)


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, after fhir.resources' R4B model accepted it (it raises otherwise)."""
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert not _empty_parts(resource), _empty_parts(resource)
    return resource


def _empty_parts(value: Any, path: str = "") -> list[str]:
    """Paths of empty arrays, objects and strings, which FHIR JSON never holds."""
    if value in ([], {}, ""):
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _empty_parts(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _empty_parts(item, f"{path}[{i}]")]
    return []


def entries(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle.get("entry", [])]
