"""One function per FHIR R4 resource: a loaded row (and what it points to) in, a dict out.

The caller loads every related row the function reads (`queries` does, with
select_related and prefetch_related); none of these functions runs a query of its own.
The choices made here are written down in docs/fhir.md.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import orjson
from django.db import models
from django.utils.html import escape

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import (
    BodyZone,
    Compound,
    Indication,
    ProcedureType,
    Product,
    Technique,
    english,
)
from mesotrace.charting.models import SessionPhoto
from mesotrace.consent.models import ConsentSignature
from mesotrace.fhir.rules import codes
from mesotrace.fhir.rules.codes import (
    ATC,
    ICD10,
    LOINC,
    SNOMED,
    UCUM,
    identifier_system,
    local_system,
)
from mesotrace.inventory.models import Lot, RecallCampaign
from mesotrace.outcomes.models import LifestyleLog, Measurement, SplitBodyAllocation
from mesotrace.patients.models import Allergy, Medication, Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.safety.models import AdverseEvent, AdverseEventFollowUp
from mesotrace.treatments.models import (
    Appointment,
    InjectionComponent,
    PlanGoal,
    ScreeningAcknowledgement,
    TreatmentPlan,
    TreatmentSession,
)

Resource = dict[str, Any]


# --- Building blocks ----------------------------------------------------------------------


def ref(kind: str, pk: object, display: str = "") -> dict[str, str]:
    found = {"reference": f"{kind}/{pk}"}
    if display:
        found["display"] = display
    return found


def coding(system: str, code: str, display: str = "") -> dict[str, str]:
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(*codings: dict[str, str], text: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {}
    if codings:
        found["coding"] = list(codings)
    if text:
        found["text"] = text
    return found


def number(value: Decimal | float | int) -> float | int:
    """A JSON number: integral values stay integers, as FHIR examples write them."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def quantity(value: Decimal | float, unit: str, code: str | None = None) -> dict[str, Any]:
    return {"value": number(value), "unit": unit, "system": UCUM, "code": code or unit}


def money(value: Decimal, currency: str) -> dict[str, Any]:
    return {"value": number(value), "currency": currency}


def extension(name: str, **value: Any) -> dict[str, Any]:
    return {"url": codes.extension_url(name), **value}


def narrative(*lines: str) -> dict[str, str]:
    body = "".join(f"<p>{escape(line)}</p>" for line in lines if line)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def instant(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds")


def version_of(resource: Resource) -> str:
    """A version id that changes whenever the resource's content does."""
    content = orjson.dumps(resource, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(content).hexdigest()[:16]


def with_meta(
    resource: Resource, last_updated: datetime.datetime, profiles: Iterable[str] = ()
) -> Resource:
    """Adds `meta` (versionId, lastUpdated, profiles) to a resource built without one."""
    meta: dict[str, Any] = {
        "versionId": version_of(resource),
        "lastUpdated": instant(last_updated),
    }
    if profiles:
        meta["profile"] = list(profiles)
    return {"resourceType": resource["resourceType"], "id": resource["id"], "meta": meta} | {
        key: value for key, value in resource.items() if key not in {"resourceType", "id"}
    }


def display(choices: type[models.Choices], value: str) -> str:
    """A choice's text, as `get_FOO_display` gives it, without hashing every choice on each
    call (a bulk export maps millions of rows)."""
    member = choices._value2member_map_.get(value)
    return str(member.label) if member is not None else value  # type: ignore[attr-defined]


def is_us(clinic: Clinic) -> bool:
    return clinic.jurisdiction == "US"


def us_core(clinic: Clinic, kind: str) -> list[str]:
    return [codes.US_CORE_PROFILES[kind]] if is_us(clinic) else []


def zone_concept(zone: BodyZone) -> dict[str, Any]:
    """A body zone: its SNOMED CT code when the catalogue has one, always our own code."""
    found = [coding(local_system("body-zone"), zone.slug, zone.name)]
    if zone.snomed_code:
        found.insert(0, coding(SNOMED, zone.snomed_code, zone.snomed_display))
    return concept(*found, text=zone.name)


def compound_concept(compound: Compound) -> dict[str, Any]:
    """A compound, named in English whatever the reader's language (as its code's display)."""
    name = english(compound)
    found = [coding(local_system("compound"), compound.slug, name)]
    # A compound with several ATC codes keeps them all: each is a valid coding.
    found[:0] = [coding(ATC, atc) for atc in compound.atc_code.split(", ") if atc]
    return concept(*found, text=name)


def indication_concept(indication: Indication) -> dict[str, Any]:
    found = [coding(local_system("indication"), indication.slug, indication.name)]
    if indication.icd10_code:
        found.insert(0, coding(ICD10, indication.icd10_code))
    return concept(*found, text=indication.name)


def product_concept(product: Product) -> dict[str, Any]:
    """A product, named in English whatever the reader's language."""
    name = english(product)
    return concept(coding(local_system("product"), product.slug, name), text=name)


def _name_parts(full_name: str) -> dict[str, Any]:
    words = full_name.split()
    prefix = [w for w in words[:1] if w.rstrip(".").lower() in {"dr", "pr", "prof"}]
    rest = words[len(prefix) :] or words
    name: dict[str, Any] = {"text": full_name, "family": rest[-1]}
    if rest[:-1]:
        name["given"] = rest[:-1]
    if prefix:
        name["prefix"] = prefix
    return name


# --- Administrative -------------------------------------------------------------------------


def organization(clinic: Clinic) -> Resource:
    return with_meta(
        {
            "resourceType": "Organization",
            "id": str(clinic.pk),
            "identifier": [{"system": identifier_system("clinic"), "value": clinic.slug}],
            "active": True,
            "name": clinic.name,
            "address": [{"country": clinic.jurisdiction}],
        },
        clinic.created_at,
        us_core(clinic, "Organization"),
    )


def patient(row: Patient) -> Resource:
    telecom = []
    if row.phone:
        telecom.append({"system": "phone", "value": row.phone})
    if row.email:
        telecom.append({"system": "email", "value": row.email})
    resource: Resource = {
        "resourceType": "Patient",
        "id": str(row.pk),
        "identifier": [
            {
                "system": identifier_system(f"patient-record-number/{row.clinic.slug}"),
                "value": row.record_number,
            }
        ],
        "active": True,
        "name": [{"use": "official", "family": row.family_name, "given": [row.given_name]}],
        "gender": row.sex,
        "birthDate": row.date_of_birth.isoformat(),
        "managingOrganization": ref("Organization", row.clinic_id, row.clinic.name),
    }
    if telecom:
        resource["telecom"] = telecom
    if row.address:
        resource["address"] = [{"text": row.address}]
    if row.preferred_language:
        language = coding(codes.LANGUAGE, row.preferred_language)
        resource["communication"] = [{"language": concept(language), "preferred": True}]
    resource["extension"] = [extension("pregnancy-status", valueCode=row.pregnancy_status)]
    if row.medical_history:
        resource["extension"].append(extension("medical-history", valueString=row.medical_history))
    return with_meta(resource, row.updated_at, us_core(row.clinic, "Patient"))


def practitioner(row: Practitioner) -> Resource:
    resource: Resource = {
        "resourceType": "Practitioner",
        "id": str(row.pk),
        "identifier": [{"system": identifier_system("practitioner"), "value": str(row.pk)}],
        "active": row.is_active,
        "name": [_name_parts(row.full_name)],
        "qualification": _qualifications(row),
    }
    if row.licence_number:
        resource["identifier"].append(
            {
                "system": identifier_system(f"licence/{row.licence_jurisdiction or 'unknown'}"),
                "value": row.licence_number,
            }
        )
    return with_meta(resource, row.updated_at, us_core(row.clinic, "Practitioner"))


def _qualifications(row: Practitioner) -> list[dict[str, Any]]:
    degree: dict[str, Any] = {
        "code": concept(
            coding(
                local_system("qualification"), row.qualification, row.get_qualification_display()
            ),
            text=row.get_qualification_display(),
        )
    }
    if row.licence_number:
        degree["identifier"] = [{"value": row.licence_number}]
    if row.licence_expiry:
        degree["period"] = {"end": row.licence_expiry.isoformat()}
    if row.licence_jurisdiction:
        degree["issuer"] = {"display": row.licence_jurisdiction}
    found = [degree]
    if row.training_certificate:
        training: dict[str, Any] = {
            "code": concept(
                coding(local_system("qualification"), "mesotherapy-training"),
                text=row.training_certificate,
            )
        }
        if row.training_date:
            training["period"] = {"start": row.training_date.isoformat()}
        found.append(training)
    return found


def practitioner_role(row: Practitioner) -> Resource:
    resource: Resource = {
        "resourceType": "PractitionerRole",
        "id": str(row.pk),
        "active": row.is_active,
        "practitioner": ref("Practitioner", row.pk, row.full_name),
        "organization": ref("Organization", row.clinic_id),
        "code": [
            concept(
                coding(
                    local_system("qualification"),
                    row.qualification,
                    row.get_qualification_display(),
                )
            )
        ],
    }
    if row.supervising_physician_id:
        resource["extension"] = [
            extension(
                "supervising-physician",
                valueReference=ref("Practitioner", row.supervising_physician_id),
            )
        ]
    return with_meta(resource, row.updated_at, us_core(row.clinic, "PractitionerRole"))


# --- The clinical record --------------------------------------------------------------------


def allergy_intolerance(row: Allergy, compounds: dict[str, Compound]) -> Resource:
    """`compounds`: catalogue compounds by lowercase name, to code the substance where one is."""
    match = compounds.get(row.substance.strip().lower())
    code = compound_concept(match) if match else {}
    resource: Resource = {
        "resourceType": "AllergyIntolerance",
        "id": str(row.pk),
        "clinicalStatus": concept(coding(codes.CLINICAL_STATUS["allergy"], "active")),
        "verificationStatus": concept(
            coding(codes.CLINICAL_STATUS["allergy_verification"], "confirmed")
        ),
        "code": {**code, "text": row.substance},
        "patient": ref("Patient", row.patient_id),
        "recordedDate": row.created_at.isoformat(),
    }
    if row.reaction:
        reaction: dict[str, Any] = {"manifestation": [concept(text=row.reaction)]}
        if row.severity != "unknown":
            reaction["severity"] = row.severity
        resource["reaction"] = [reaction]
    return with_meta(resource, row.updated_at, us_core(row.clinic, "AllergyIntolerance"))


def medication_statement(row: Medication) -> Resource:
    resource: Resource = {
        "resourceType": "MedicationStatement",
        "id": str(row.pk),
        "extension": [extension("anticoagulant", valueBoolean=row.is_anticoagulant)],
        "status": "active",
        "medicationCodeableConcept": concept(text=row.name),
        "subject": ref("Patient", row.patient_id),
        "dateAsserted": row.created_at.isoformat(),
    }
    if row.dose:
        resource["dosage"] = [{"text": row.dose}]
    return with_meta(resource, row.updated_at)


def condition(plan: TreatmentPlan) -> Resource:
    """The indication a plan treats, as the patient's condition (one per plan)."""
    status = "active" if plan.is_open else "inactive"
    resource: Resource = {
        "resourceType": "Condition",
        "id": str(plan.pk),
        "clinicalStatus": concept(coding(codes.CLINICAL_STATUS["condition"], status)),
        "verificationStatus": concept(
            coding(codes.CLINICAL_STATUS["condition_verification"], "confirmed")
        ),
        "category": [
            concept(coding(codes.CLINICAL_STATUS["condition_category"], "problem-list-item"))
        ],
        "code": indication_concept(plan.indication),
        "subject": ref("Patient", plan.patient_id),
        "recordedDate": plan.created_at.isoformat(),
    }
    return with_meta(resource, plan.updated_at, us_core(plan.clinic, "Condition"))


def care_plan(plan: TreatmentPlan, blinded: bool = False) -> Resource:
    """`blinded`: the reader may not see a split-body plan's treated side (it is left out)."""
    lines = [
        f"{plan.protocol.name}: {plan.planned_sessions} sessions, every {plan.interval_days} days.",
        *(goal.text for goal in plan.goals.all()),
        plan.lifestyle_notes,
    ]
    activity_status = {
        "draft": "not-started",
        "active": "in-progress",
        "completed": "completed",
        "stopped": "stopped",
    }[plan.status]
    resource: Resource = {
        "resourceType": "CarePlan",
        "id": str(plan.pk),
        "text": narrative(*lines),
        "status": codes.PLAN_STATUS[plan.status],
        "intent": "plan",
        "category": [concept(coding(codes.CLINICAL_STATUS["careplan_category"], "assess-plan"))],
        "title": str(plan.protocol.name),
        "subject": ref("Patient", plan.patient_id),
        "created": plan.created_at.isoformat(),
        "author": ref("Practitioner", plan.practitioner_id, plan.practitioner.full_name),
        "addresses": [ref("Condition", plan.pk, plan.indication.name)],
        "activity": [
            {
                "detail": {
                    "kind": "Appointment",
                    "code": concept(
                        coding(local_system("protocol"), plan.protocol.slug, plan.protocol.name),
                        text=plan.protocol.name,
                    ),
                    "status": activity_status,
                    "scheduledTiming": {
                        "repeat": {
                            "count": plan.planned_sessions,
                            "frequency": 1,
                            "period": plan.interval_days,
                            "periodUnit": "d",
                        }
                    },
                    "performer": [ref("Practitioner", plan.practitioner_id)],
                    "location": {"display": ", ".join(z.name for z in plan.zones.all())}
                    if plan.zones.all()
                    else None,
                    "reasonCode": [indication_concept(plan.indication)],
                    # CarePlan's activity has no body site: each zone, coded, as an extension.
                    "extension": [
                        extension("body-zone", valueCodeableConcept=zone_concept(zone))
                        for zone in plan.zones.all()
                    ],
                }
            }
        ],
        "note": [_goal_note(goal) for goal in plan.goals.all()] or None,
        "extension": _plan_terms(plan, blinded),
    }
    if plan.stop_reason:
        resource["activity"][0]["detail"]["statusReason"] = concept(text=plan.stop_reason)
    _drop_empty(resource["activity"][0]["detail"])
    _drop_empty(resource)
    return with_meta(resource, plan.updated_at, us_core(plan.clinic, "CarePlan"))


def _plan_terms(plan: TreatmentPlan, blinded: bool) -> list[dict[str, Any]]:
    """The plan's price, its diet and exercise advice, its split-body design and screening
    acknowledgements, which CarePlan has no element for."""
    found = [
        extension("price-per-session", valueMoney=money(plan.price_per_session, plan.currency))
    ]
    if plan.package_price is not None:
        found.append(
            extension("package-price", valueMoney=money(plan.package_price, plan.currency))
        )
    if plan.discount_percent is not None:
        found.append(extension("discount-percent", valueDecimal=number(plan.discount_percent)))
    if plan.diet_type:
        found.append(extension("diet-type", valueCode=plan.diet_type))
    if plan.calorie_target_kcal is not None:
        target = quantity(plan.calorie_target_kcal, "kcal/d")
        found.append(extension("calorie-target", valueQuantity=target))
    if plan.exercise_minutes_per_week is not None:
        target = quantity(plan.exercise_minutes_per_week, "min/wk")
        found.append(extension("exercise-target", valueQuantity=target))
    if plan.lifestyle_notes:
        found.append(extension("lifestyle-notes", valueString=plan.lifestyle_notes))
    allocation = getattr(plan, "split_body", None)  # read with the plan, None when not split
    if allocation is not None:
        found.append(_split_body(allocation, blinded))
    found.extend(_acknowledgement(row) for row in plan.acknowledgements.all())
    return found


def _split_body(allocation: SplitBodyAllocation, blinded: bool) -> dict[str, Any]:
    """A split-body plan's design: the treated side drawn (unless `blinded`), its blinding
    and reveal."""
    parts: list[dict[str, Any]] = []
    if not blinded:
        parts.append({"url": "treated-side", "valueCode": allocation.treated_side})
    parts += [
        {"url": "allocated", "valueDateTime": allocation.allocated_at.isoformat()},
        {"url": "blinding", "valueBoolean": allocation.blinding},
    ]
    if allocation.side_a:
        parts.append({"url": "side-a", "valueCode": allocation.side_a})
    if allocation.revealed_at is not None:
        parts.append({"url": "revealed", "valueDateTime": allocation.revealed_at.isoformat()})
    return extension("split-body", extension=parts)


def _acknowledgement(row: ScreeningAcknowledgement) -> dict[str, Any]:
    """A screening warning acknowledged on the plan, exactly as it was shown, and why."""
    parts: list[dict[str, Any]] = [
        {"url": "code", "valueString": row.code},
        {"url": "fingerprint", "valueString": row.fingerprint},
        {"url": "text", "valueString": row.text},
        {"url": "reason", "valueString": row.reason},
        {"url": "acknowledged", "valueDateTime": row.acknowledged_at.isoformat()},
    ]
    if row.practitioner_id:
        parts.append(
            {"url": "practitioner", "valueReference": ref("Practitioner", row.practitioner_id)}
        )
    return extension("screening-acknowledgement", extension=parts)


def _goal_note(goal: PlanGoal) -> dict[str, Any]:
    """A goal in words; its measurable target, when it has one, as a complex extension."""
    note: dict[str, Any] = {"text": goal.text}
    if goal.change is not None and goal.weeks is not None:
        note["extension"] = [
            extension(
                "goal-target",
                extension=[
                    {"url": "measure", "valueCode": goal.measure},
                    {"url": "change", "valueDecimal": number(goal.change)},
                    {"url": "unit", "valueString": goal.unit},
                    {"url": "weeks", "valueInteger": goal.weeks},
                ],
            )
        ]
    return note


def _drop_empty(resource: dict[str, Any]) -> None:
    for key in [key for key, value in resource.items() if value in (None, [], {}, "")]:
        del resource[key]


def appointment(row: Appointment) -> Resource:
    resource: Resource = {
        "resourceType": "Appointment",
        "id": str(row.pk),
        "extension": [extension("session-number", valueInteger=row.sequence)],
        "status": codes.APPOINTMENT_STATUS[row.status],
        "description": f"{row.plan.protocol.name}, session {row.sequence}",
        "start": row.starts_at.isoformat(),
        "end": row.ends_at.isoformat(),
        "minutesDuration": row.duration_minutes,
        "supportingInformation": [ref("CarePlan", row.plan_id)],
        "participant": [
            {"actor": ref("Patient", row.patient_id), "status": "accepted"},
            {
                "actor": ref("Practitioner", row.practitioner_id, row.practitioner.full_name),
                "status": "accepted",
            },
        ],
    }
    if row.cancel_reason:
        resource["cancelationReason"] = concept(text=row.cancel_reason)
    return with_meta(resource, row.updated_at)


def procedure(session: TreatmentSession, zones: list[BodyZone]) -> Resource:
    """A charted session; `zones` are the distinct zones its points were injected in."""
    protocol = session.plan.protocol
    notes: list[dict[str, Any]] = [{"text": session.notes}] if session.notes else []
    if session.immediate_reactions:
        notes.append(
            {
                "extension": [extension("immediate-reactions", valueBoolean=True)],
                "text": session.immediate_reactions,
            }
        )
    resource: Resource = {
        "resourceType": "Procedure",
        "id": str(session.pk),
        "basedOn": [ref("CarePlan", session.plan_id)],
        "status": codes.SESSION_STATUS[session.status],
        "code": concept(
            coding(
                local_system("procedure-type"),
                protocol.procedure_type,
                display(ProcedureType, protocol.procedure_type),
            ),
            text=protocol.name,
        ),
        "subject": ref("Patient", session.patient_id),
        "performedDateTime": session.performed_on.isoformat(),
        "performer": [
            {"actor": ref("Practitioner", session.practitioner_id, session.practitioner.full_name)}
        ],
        "reasonReference": [ref("Condition", session.plan_id)],
        "bodySite": [zone_concept(zone) for zone in zones],
        "note": notes,
        "extension": [
            extension("appointment", valueReference=ref("Appointment", session.appointment_id)),
            *_session_terms(session),
        ],
    }
    _drop_empty(resource)
    return with_meta(resource, session.updated_at, us_core(session.clinic, "Procedure"))


def _session_terms(session: TreatmentSession) -> list[dict[str, Any]]:
    """The anaesthetic, the pain the patient scored and the charge: no Procedure element."""
    found = [
        extension("anaesthetic", valueCode=session.anaesthetic),
        extension("charges", valueMoney=money(session.charges, session.currency)),
    ]
    if session.anaesthetic_note:
        found.append(extension("anaesthetic-note", valueString=session.anaesthetic_note))
    if session.pain_score is not None:
        found.append(extension("pain-score", valueInteger=session.pain_score))
    return found


def route_of(depth_mm: Decimal) -> dict[str, Any]:
    code, display = (
        codes.ROUTE_INTRADERMAL
        if depth_mm <= codes.INTRADERMAL_MAX_DEPTH_MM
        else codes.ROUTE_SUBCUTANEOUS
    )
    return concept(coding(SNOMED, code, display))


def medication_administration(component: InjectionComponent) -> Resource:
    """One product of one point's mix, with its lot: the unit a recall traces."""
    point = component.injection
    session = point.session
    resource: Resource = {
        "resourceType": "MedicationAdministration",
        "id": str(component.pk),
        "extension": [
            extension("injection-point", valueInteger=point.number),
            extension("body-map-view", valueCode=point.view),
            extension("body-map-x", valueDecimal=number(point.x)),
            extension("body-map-y", valueDecimal=number(point.y)),
            extension("depth", valueQuantity=quantity(point.depth_mm, "mm")),
            extension("needle-gauge", valueInteger=point.needle_gauge),
            extension("needle-length", valueQuantity=quantity(point.needle_length_mm, "mm")),
            extension("point-volume", valueQuantity=quantity(point.volume_ml, "mL")),
        ],
        "partOf": [ref("Procedure", session.pk)],
        "status": "completed",
        "medicationReference": ref(
            "Medication",
            component.lot_id,
            f"{english(component.product)} lot {component.lot.lot_number}",
        ),
        "subject": ref("Patient", session.patient_id),
        "effectiveDateTime": session.performed_on.isoformat(),
        "performer": [{"actor": ref("Practitioner", session.practitioner_id)}],
        "dosage": {
            "site": zone_concept(point.zone),
            "route": route_of(point.depth_mm),
            "method": concept(
                coding(
                    local_system("technique"), point.technique, display(Technique, point.technique)
                )
            ),
            "dose": quantity(component.volume_ml, "mL"),
        },
    }
    return with_meta(resource, component.updated_at)


_STRENGTH = {
    # concentration unit → (numerator unit, numerator UCUM code, denominator in mL)
    "mg/mL": ("mg", "mg", 1),
    "%": ("g", "g", 100),  # % w/v: grams per 100 mL
    "IU/mL": ("IU", "[iU]", 1),
}


def medication(lot: Lot) -> Resource:
    """A product as one lot of it: ingredients with their strength, and the batch."""
    product = lot.product
    ingredients = []
    for part in product.components.all():
        ingredient: dict[str, Any] = {"itemCodeableConcept": compound_concept(part.compound)}
        if part.concentration is not None and part.unit in _STRENGTH:
            unit, ucum, per = _STRENGTH[part.unit]
            ingredient["strength"] = {
                "numerator": quantity(part.concentration, unit, ucum),
                "denominator": quantity(Decimal(per), "mL"),
            }
        ingredients.append(ingredient)
    resource: Resource = {
        "resourceType": "Medication",
        "id": str(lot.pk),
        "identifier": [
            {"system": identifier_system(f"lot/{lot.clinic.slug}"), "value": str(lot.pk)}
        ],
        "code": product_concept(product),
        "status": "active" if lot.status == "available" else "inactive",
        "form": concept(
            coding(
                local_system("presentation"),
                product.presentation,
                product.get_presentation_display(),
            )
        ),
        "ingredient": ingredients,
        "batch": {"lotNumber": lot.lot_number, "expirationDate": lot.expiry_date.isoformat()},
    }
    resource["extension"] = _stock_terms(lot)
    if product.manufacturer:
        resource["manufacturer"] = {"display": product.manufacturer}
    if product.volume_ml is not None:
        resource["amount"] = {
            "numerator": quantity(product.volume_ml, "mL"),
            "denominator": {"value": 1, "unit": "vial"},
        }
    _drop_empty(resource)
    return with_meta(resource, lot.updated_at)


def _stock_terms(lot: Lot) -> list[dict[str, Any]]:
    """How the clinic received and holds the lot: Medication has no element for its stock."""
    found = [
        extension("received-on", valueDate=lot.received_on.isoformat()),
        extension("quantity-received", valueQuantity=quantity(lot.quantity_received_ml, "mL")),
        extension("multi-dose", valueBoolean=lot.multi_dose),
    ]
    on_hand = getattr(lot, "on_hand_ml", None)  # annotated by the query that read the lot
    if on_hand is not None:
        found.append(extension("on-hand", valueQuantity=quantity(on_hand, "mL")))
    if lot.supplier:
        found.append(extension("supplier", valueString=lot.supplier))
    if lot.discard_after_hours is not None:
        discard = quantity(lot.discard_after_hours, "h")
        found.append(extension("discard-after-opening", valueQuantity=discard))
    if lot.opened_at is not None:
        found.append(extension("vial-opened", valueDateTime=lot.opened_at.isoformat()))
    if lot.status != "available":
        found.append(extension("lot-status", valueCode=lot.status))
        found.append(extension("lot-status-reason", valueString=lot.status_reason))
    return found


def observation(row: Measurement) -> Resource:
    kind = row.type
    system = local_system("measurement") if kind.is_local_code else kind.code_system
    vital = kind.code_system == LOINC and kind.code in codes.VITAL_SIGNS
    category = "vital-signs" if vital else "exam"
    resource: Resource = {
        "resourceType": "Observation",
        "id": str(row.pk),
        "status": "final",
        "category": [concept(coding(codes.CLINICAL_STATUS["observation_category"], category))],
        "code": concept(coding(system, kind.code, kind.name), text=kind.name),
        "subject": ref("Patient", row.patient_id),
        "effectiveDateTime": row.measured_at.isoformat(),
        "valueQuantity": quantity(row.value, kind.unit),
    }
    if row.session_id:
        resource["partOf"] = [ref("Procedure", row.session_id)]
    if row.plan_id:
        resource["basedOn"] = [ref("CarePlan", row.plan_id)]
    if row.zone is not None:
        resource["bodySite"] = zone_concept(row.zone)
    if row.side != "none":
        resource.setdefault("extension", []).append(extension("side", valueCode=row.side))
    if row.assessor_blinded:
        resource.setdefault("extension", []).append(
            extension("assessor-blinded", valueBoolean=True)
        )
    profiles = _observation_profiles(row, vital)
    return with_meta(resource, row.updated_at, profiles)


def questionnaire_response(log: LifestyleLog) -> Resource:
    """A lifestyle log: the day's diet adherence, weekly exercise and weight, as answers to
    our lifestyle form; the patient is its source when they entered it in the portal."""
    items = [
        _answer("diet-adherence", "Diet adherence", quantity(log.diet_adherence_percent, "%")),
        _answer("exercise", "Exercise per week", quantity(log.exercise_minutes_per_week, "min/wk")),
    ]
    if log.weight_kg is not None:
        items.append(_answer("weight", "Body weight", quantity(log.weight_kg, "kg")))
    resource: Resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(log.pk),
        "questionnaire": codes.LIFESTYLE_QUESTIONNAIRE,
        "status": "completed",
        "subject": ref("Patient", log.patient_id),
        "authored": log.date.isoformat(),
        "item": items,
    }
    if log.entered_by == "patient":
        resource["source"] = ref("Patient", log.patient_id)
    return with_meta(resource, log.updated_at)


def _answer(link: str, text: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"linkId": link, "text": text, "answer": [{"valueQuantity": value}]}


def _observation_profiles(row: Measurement, vital: bool) -> list[str]:
    code = row.type.code
    if vital:
        us = [codes.US_CORE_VITAL_SIGNS[code]] if is_us(row.clinic) else []
        return [codes.VITAL_SIGNS[code], *us]
    return []


def adverse_event(
    event: AdverseEvent, administrations: list[int], through_sessions: bool = False
) -> Resource:
    """`administrations`: the mix lines of the injections the event is linked to, or, when
    `through_sessions`, of the sessions it is linked to (marked so, as they are not links of
    their own)."""
    marked = [extension("linked-through", valueCode="session")] if through_sessions else []
    suspects: list[dict[str, Any]] = [
        {"instance": ref("MedicationAdministration", pk), "extension": marked}
        if marked
        else {"instance": ref("MedicationAdministration", pk)}
        for pk in sorted(administrations)
    ]
    suspects += [{"instance": ref("Medication", lot.pk)} for lot in event.lots.all()]
    suspects += [{"instance": ref("Procedure", s.pk)} for s in event.sessions.all()]
    if suspects:
        assessment = concept(
            coding(codes.CLINICAL_STATUS["causality"], codes.WHO_UMC[event.causality])
        )
        for suspect in suspects:
            suspect["causality"] = [{"assessment": assessment}]
    serious = "serious" if event.serious else "non-serious"
    resource: Resource = {
        "resourceType": "AdverseEvent",
        "id": str(event.pk),
        "actuality": "actual",
        "event": concept(
            coding(local_system("adverse-event-term"), event.term, event.get_term_display()),
            text=event.term_label,
        ),
        "subject": ref("Patient", event.patient_id),
        "date": event.onset_date.isoformat(),
        "detected": event.detected_on.isoformat(),
        "recordedDate": event.created_at.isoformat(),
        "seriousness": concept(coding(codes.CLINICAL_STATUS["seriousness"], serious)),
        "outcome": concept(
            coding(codes.CLINICAL_STATUS["ae_outcome"], codes.AE_OUTCOME[event.outcome])
        ),
        "suspectEntity": suspects,
        "category": [concept(coding(local_system("adverse-event-category"), event.category))],
    }
    if event.grade is not None:
        resource["severity"] = concept(
            coding(codes.CLINICAL_STATUS["severity"], codes.CTCAE_SEVERITY[event.grade])
        )
        resource.setdefault("extension", []).append(
            extension("ctcae-grade", valueInteger=event.grade)
        )
    resource.setdefault("extension", []).extend(_event_narrative(event))
    resource["extension"].extend(_follow_up(row) for row in event.follow_ups.all())
    if event.seriousness:
        resource.setdefault("extension", []).extend(
            extension("seriousness-criterion", valueCode=criterion)
            for criterion in event.seriousness
        )
    _drop_empty(resource)
    return with_meta(resource, event.updated_at)


def _event_narrative(event: AdverseEvent) -> list[dict[str, Any]]:
    """Who reported it and what the clinic wrote: AdverseEvent (R4) has no note."""
    found = [extension("reporter", valueCode=event.reporter)]
    for name, text in (
        ("description", event.description),
        ("actions-taken", event.actions_taken),
        ("organism", event.organism),
    ):
        if text:
            found.append(extension(name, valueString=text))
    return found


def _follow_up(row: AdverseEventFollowUp) -> dict[str, Any]:
    """A dated follow-up note, and the outcome it recorded: AdverseEvent (R4) has neither."""
    parts: list[dict[str, Any]] = [
        {"url": "date", "valueDate": row.on.isoformat()},
        {"url": "note", "valueString": row.note},
    ]
    if row.outcome:
        parts.append({"url": "outcome", "valueCode": row.outcome})
    return extension("follow-up", extension=parts)


def consent(signature: ConsentSignature) -> Resource:
    """A signed patient document: the PDF signed as attachment, with its SHA-1 (FHIR's hash)
    and the SHA-256 the signature record keeps."""
    document = signature.document
    pdf = bytes(signature.signed_pdf)
    status = (
        "inactive"
        if signature.withdrawn_at
        else ("active" if signature.countersigned_at else "proposed")
    )
    resource: Resource = {
        "resourceType": "Consent",
        "id": str(signature.pk),
        "identifier": [
            {"system": identifier_system("consent-document-sha256"), "value": document.version},
            {"system": identifier_system("signed-pdf-sha256"), "value": signature.pdf_sha256},
        ],
        "status": status,
        "scope": concept(coding(codes.CLINICAL_STATUS["consent_scope"], "treatment")),
        "category": [concept(coding(LOINC, "59284-0", "Patient Consent"))],
        "patient": ref("Patient", document.patient_id),
        "dateTime": signature.signed_at.isoformat(),
        "policyRule": concept(coding(codes.CLINICAL_STATUS["consent_policy"], "OPTIN")),
        "sourceAttachment": {
            "contentType": "application/pdf",
            "data": base64.b64encode(pdf).decode(),
            "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode(),  # noqa: S324
            "size": len(pdf),
            "title": signature.statement,
            "creation": signature.signed_at.isoformat(),
        },
        "provision": {
            "type": "permit",
            "data": [{"meaning": "related", "reference": ref("CarePlan", document.plan_id)}],
        },
    }
    resource["performer"] = [ref("Patient", document.patient_id, signature.patient_name)]
    _signature_details(resource, signature)
    return with_meta(resource, signature.updated_at)


def attachment(data: bytes, content_type: str) -> dict[str, Any]:
    """Bytes inline, with their size and SHA-1 (FHIR's hash, base64)."""
    return {
        "contentType": content_type,
        "data": base64.b64encode(data).decode(),
        "size": len(data),
        "hash": base64.b64encode(hashlib.sha1(data).digest()).decode(),  # noqa: S324
    }


def _signature_details(resource: Resource, signature: ConsentSignature) -> None:
    """The countersignature (verification), the withdrawal (the provision's period ends),
    and what Consent has no element for: the drawn signature, the text signed, the reason
    for withdrawing, and the document's canonical content (its version is its SHA-256)."""
    if signature.countersigned_at:
        resource["verification"] = [
            {"verified": True, "verificationDate": signature.countersigned_at.isoformat()}
        ]
        who = signature.countersigned_by
        if who is not None and who.get_full_name():
            resource["performer"].append({"display": who.get_full_name()})
    period = {"start": signature.signed_at.isoformat()}
    if signature.withdrawn_at:
        period["end"] = signature.withdrawn_at.isoformat()
    resource["provision"]["period"] = period
    found = [
        extension("signed-text", valueString=signature.signed_text),
        extension("document-content", valueString=canonical(signature.document.content)),
    ]
    drawn = bytes(signature.drawn_signature)
    if drawn:
        found.append(extension("drawn-signature", valueAttachment=attachment(drawn, "image/png")))
    if signature.withdrawn_reason:
        found.append(extension("withdrawn-reason", valueString=signature.withdrawn_reason))
    resource["extension"] = found


def canonical(content: Any) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def document_reference(
    photo: SessionPhoto, url: str, image: bytes | None = None, inline: bool = False
) -> Resource:
    """A session photo; `url` is the address its image is served from, `image` its bytes
    (their size and SHA-1 always, the bytes themselves when `inline`)."""
    resource: Resource = {
        "resourceType": "DocumentReference",
        "id": str(photo.pk),
        "identifier": [{"system": identifier_system("photo-sha256"), "value": photo.sha256}],
        "status": "current",
        "type": concept(coding(local_system("document-type"), "clinical-photo", "Clinical photo")),
        "category": [concept(coding(codes.CLINICAL_STATUS["document_category"], "clinical-note"))],
        "subject": ref("Patient", photo.patient_id),
        "date": photo.taken_at.isoformat(),
        "description": " · ".join(
            part
            for part in (photo.get_view_display(), photo.zone.name if photo.zone else "")
            if part
        ),
        "content": [
            {
                "attachment": {
                    "contentType": "image/jpeg",
                    "url": url,
                    "title": f"{photo.get_view_display()} · {photo.taken_at:%Y-%m-%d}",
                    "creation": photo.taken_at.isoformat(),
                }
            }
        ],
        "context": {"related": [ref("Procedure", photo.session_id)]},
        "extension": _photo_terms(photo),
    }
    if image is not None:
        found = attachment(image, "image/jpeg")
        if not inline:
            del found["data"]
        resource["content"][0]["attachment"] |= found
    if photo.uploaded_by_id:
        resource["author"] = [ref("Organization", photo.clinic_id)]
    return with_meta(resource, photo.updated_at, us_core(photo.clinic, "DocumentReference"))


def _photo_terms(photo: SessionPhoto) -> list[dict[str, Any]]:
    """The view and zone the photo shows, and the photo consent it was taken under."""
    given = photo.consent
    terms = [
        {"url": "scope", "valueCode": given.scope},
        {"url": "granted", "valueDateTime": given.granted_at.isoformat()},
    ]
    if given.expires_on:
        terms.append({"url": "expires", "valueDate": given.expires_on.isoformat()})
    found = [
        extension("photo-view", valueCode=photo.view),
        extension("photo-consent", extension=terms),
    ]
    if photo.zone is not None:
        found.append(extension("body-zone", valueCodeableConcept=zone_concept(photo.zone)))
    return found


def group(campaign: RecallCampaign, patient_ids: list[int]) -> Resource:
    """A recall campaign as the Group of the patients it calls (the lot's exposed patients)."""
    resource: Resource = {
        "resourceType": "Group",
        "id": str(campaign.pk),
        "identifier": [{"system": identifier_system("recall-campaign"), "value": str(campaign.pk)}],
        "active": campaign.status == "open",
        "type": "person",
        "actual": True,
        "code": concept(text="Recall campaign"),
        "name": f"Recall of lot {campaign.lot.lot_number}",
        "quantity": len(patient_ids),
        "managingEntity": ref("Organization", campaign.clinic_id),
    }
    if patient_ids:
        resource["member"] = [{"entity": ref("Patient", pk)} for pk in patient_ids]
    return with_meta(resource, campaign.updated_at)
