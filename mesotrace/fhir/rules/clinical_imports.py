"""Reading the clinic's own record types from FHIR R4: plans, appointments, sessions with
their injections, lots, adverse events and consents, as Mesotrace exports them.

Pure: an entry in, the values it carries out (codes still unresolved; the service finds
the catalogue rows). A value that cannot be read raises `Refused` with its path.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from mesotrace.consent.services import ImportedSignature
from mesotrace.fhir.rules import codes
from mesotrace.fhir.rules.imports import Entry, Refused
from mesotrace.inventory.rules import ReceivedAs

Coded = list[tuple[str, str]]


class Unmapped(Exception):
    """The resource is not one Mesotrace can rebuild (another system's shape, or a catalogue
    code this clinic does not have): it is skipped and reported, never half-imported."""


PLAN_STATUS = {fhir: ours for ours, fhir in codes.PLAN_STATUS.items()}
APPOINTMENT_STATUS = {fhir: ours for ours, fhir in codes.APPOINTMENT_STATUS.items()}
AE_OUTCOME = {fhir: ours for ours, fhir in codes.AE_OUTCOME.items()}
CAUSALITY = {fhir: ours for ours, fhir in codes.WHO_UMC.items()}


def ext(item: Any, name: str) -> dict[str, Any]:
    """Our extension `name` on an element, or {}."""
    if not isinstance(item, dict):
        return {}
    url = codes.extension_url(name)
    for found in item.get("extension") or []:
        if isinstance(found, dict) and found.get("url") == url:
            return dict(found)
    return {}


def codings(concept: Any) -> Coded:
    if not isinstance(concept, dict):
        return []
    return [
        (str(c.get("system", "")), str(c.get("code", "")))
        for c in concept.get("coding") or []
        if isinstance(c, dict)
    ]


def local_code(concept: Any, name: str) -> str:
    """The code of our CodeSystem `name` in a concept, or ""."""
    system = codes.local_system(name)
    return next((code for found, code in codings(concept) if found == system), "")


def reference(item: Any) -> str:
    return str(item.get("reference", "")) if isinstance(item, dict) else ""


def _date(value: Any, path: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise Refused([(path, "Use a date as YYYY-MM-DD.")]) from None


def _moment(value: Any, path: str) -> datetime.datetime:
    text = str(value or "")
    try:
        found = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise Refused([(path, "Use a date and time with its offset.")]) from None
    if found.tzinfo is None:
        raise Refused([(path, "Give the time's offset from UTC.")])
    return found


def _decimal(value: Any, path: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise Refused([(path, "Give a number.")]) from None


@dataclass(frozen=True)
class Money:
    value: Decimal
    currency: str
    path: str


def money(resource: dict[str, Any], name: str, path: str) -> Money | None:
    """Our extension `name` with a Money value, or None when the resource has none."""
    found = ext(resource, name).get("valueMoney")
    if found is None:
        return None
    where = f"{path}.extension.valueMoney"
    if not isinstance(found, dict) or not re.fullmatch(r"[A-Z]{3}", str(found.get("currency"))):
        raise Refused([(f"{where}.currency", "Give the amount's ISO 4217 currency.")])
    return Money(_decimal(found.get("value"), f"{where}.value"), str(found["currency"]), where)


def _optional_decimal(resource: dict[str, Any], name: str, kind: str, path: str) -> Decimal | None:
    found = ext(resource, name).get(kind)
    if found is None:
        return None
    value = found.get("value") if kind == "valueQuantity" and isinstance(found, dict) else found
    return _decimal(value, f"{path}.extension.{kind}")


def _optional_whole(resource: dict[str, Any], name: str, path: str) -> int | None:
    found = _optional_decimal(resource, name, "valueQuantity", path)
    if found is not None and found != found.to_integral_value():
        raise Refused([(f"{path}.extension.valueQuantity", "Give a whole number.")])
    return int(found) if found is not None else None


def _text_of(resource: dict[str, Any], name: str, kind: str = "valueString") -> str:
    return str(ext(resource, name).get(kind) or "")


def _parts(item: dict[str, Any]) -> dict[str, Any]:
    """A complex extension's parts by url: the value of each."""
    return {
        str(part.get("url")): next((v for k, v in part.items() if k.startswith("value")), None)
        for part in item.get("extension") or []
        if isinstance(part, dict)
    }


def _ours(resource: dict[str, Any], name: str, path: str) -> list[tuple[dict[str, Any], str]]:
    """Each of our extensions `name` on a resource, with its path."""
    return [
        (item, f"{path}.extension[{index}]")
        for index, item in enumerate(resource.get("extension") or [])
        if isinstance(item, dict) and item.get("url") == codes.extension_url(name)
    ]


# --- Plans ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitBodyFields:
    treated_side: str
    allocated_at: datetime.datetime
    blinding: bool
    side_a: str
    revealed_at: datetime.datetime | None
    path: str


def _split_body(resource: dict[str, Any], path: str) -> SplitBodyFields | None:
    found = _ours(resource, "split-body", path)
    if not found:
        return None
    item, where = found[0]
    parts = _parts(item)
    revealed = parts.get("revealed")
    return SplitBodyFields(
        treated_side=str(parts.get("treated-side") or ""),
        allocated_at=_moment(parts.get("allocated"), f"{where}.extension.valueDateTime"),
        blinding=parts.get("blinding") is not False,
        side_a=str(parts.get("side-a") or ""),
        revealed_at=_moment(revealed, f"{where}.extension.valueDateTime") if revealed else None,
        path=where,
    )


@dataclass(frozen=True)
class AcknowledgementFields:
    code: str
    fingerprint: str
    text: str
    reason: str
    acknowledged_at: datetime.datetime
    practitioner: str
    path: str


def _acknowledgements(resource: dict[str, Any], path: str) -> list[AcknowledgementFields]:
    found = []
    for item, where in _ours(resource, "screening-acknowledgement", path):
        parts = _parts(item)
        found.append(
            AcknowledgementFields(
                code=str(parts.get("code") or ""),
                fingerprint=str(parts.get("fingerprint") or ""),
                text=str(parts.get("text") or ""),
                reason=str(parts.get("reason") or ""),
                acknowledged_at=_moment(
                    parts.get("acknowledged"), f"{where}.extension.valueDateTime"
                ),
                practitioner=reference(parts.get("practitioner")),
                path=where,
            )
        )
    return found


@dataclass(frozen=True)
class GoalFields:
    text: str
    measure: str = ""
    change: Decimal | None = None
    unit: str = ""
    weeks: int | None = None


@dataclass(frozen=True)
class PlanFields:
    patient: str
    practitioner: str
    protocol: str
    indication: Coded
    zones: list[Coded]
    planned_sessions: int | None
    interval_days: int | None
    status: str
    goals: list[GoalFields]
    stop_reason: str = ""
    price_per_session: Money | None = None
    package_price: Money | None = None
    discount_percent: Decimal | None = None
    diet_type: str = ""
    calorie_target_kcal: int | None = None
    exercise_minutes_per_week: int | None = None
    lifestyle_notes: str = ""
    split_body: SplitBodyFields | None = None
    acknowledgements: tuple[AcknowledgementFields, ...] = ()


def protocol_of(entry: Entry) -> str:
    """Our protocol code on a CarePlan's activity: "" for another system's plan."""
    activity: dict[str, Any] = next(iter(entry.resource.get("activity") or []), {})
    return local_code((activity.get("detail") or {}).get("code"), "protocol")


def plan_fields(entry: Entry) -> PlanFields:
    resource, path = entry.resource, entry.path
    activity: dict[str, Any] = next(iter(resource.get("activity") or []), {})
    detail = activity.get("detail") or {}
    protocol = local_code(detail.get("code"), "protocol")
    if not protocol:
        raise Unmapped(
            "A plan is imported with its protocol; this one has no protocol code of ours."
        )
    status = PLAN_STATUS.get(str(resource.get("status", "")))
    if status is None:
        raise Refused([(f"{path}.status", "status is draft, active, completed or revoked.")])
    repeat = (detail.get("scheduledTiming") or {}).get("repeat") or {}
    zones = [
        codings(found.get("valueCodeableConcept"))
        for found in detail.get("extension") or []
        if found.get("url") == codes.extension_url("body-zone")
    ]
    return PlanFields(
        patient=reference(resource.get("subject")),
        practitioner=reference(resource.get("author")),
        protocol=protocol,
        indication=[pair for c in detail.get("reasonCode") or [] for pair in codings(c)],
        zones=zones,
        planned_sessions=_whole(repeat.get("count")),
        interval_days=_whole(repeat.get("period")) if repeat.get("periodUnit") == "d" else None,
        status=status,
        goals=[_goal(note) for note in resource.get("note") or [] if note.get("text")],
        stop_reason=str((detail.get("statusReason") or {}).get("text", "")),
        price_per_session=money(resource, "price-per-session", path),
        package_price=money(resource, "package-price", path),
        discount_percent=_optional_decimal(resource, "discount-percent", "valueDecimal", path),
        diet_type=_text_of(resource, "diet-type", "valueCode"),
        calorie_target_kcal=_optional_whole(resource, "calorie-target", path),
        exercise_minutes_per_week=_optional_whole(resource, "exercise-target", path),
        lifestyle_notes=_text_of(resource, "lifestyle-notes"),
        split_body=_split_body(resource, path),
        acknowledgements=tuple(_acknowledgements(resource, path)),
    )


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _goal(note: dict[str, Any]) -> GoalFields:
    target = ext(note, "goal-target")
    parts = {
        item.get("url"): next((v for k, v in item.items() if k.startswith("value")), None)
        for item in target.get("extension") or []
    }
    if not parts:
        return GoalFields(str(note["text"])[:300])
    change = parts.get("change")
    return GoalFields(
        str(note["text"])[:300],
        str(parts.get("measure") or ""),
        Decimal(str(change)) if change is not None else None,
        str(parts.get("unit") or ""),
        _whole(parts.get("weeks")),
    )


# --- Appointments and sessions --------------------------------------------------------------


@dataclass(frozen=True)
class AppointmentFields:
    plan: str
    patient: str
    practitioner: str
    sequence: int | None
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    status: str
    cancel_reason: str


def appointment_fields(entry: Entry) -> AppointmentFields:
    resource, path = entry.resource, entry.path
    plans = [reference(i) for i in resource.get("supportingInformation") or []]
    plans = [found for found in plans if "CarePlan" in found]
    if not plans:
        raise Unmapped("An appointment is imported as a session of a plan; this one has none.")
    status = APPOINTMENT_STATUS.get(str(resource.get("status", "")))
    if status is None:
        raise Refused([(f"{path}.status", "status is booked, cancelled, fulfilled or noshow.")])
    actors = [reference(p.get("actor")) for p in resource.get("participant") or []]
    return AppointmentFields(
        plan=plans[0],
        patient=next((a for a in actors if "Patient" in a), ""),
        practitioner=next((a for a in actors if "Practitioner" in a), ""),
        sequence=_whole(ext(resource, "session-number").get("valueInteger")),
        starts_at=_moment(resource.get("start"), f"{path}.start"),
        ends_at=_moment(resource.get("end"), f"{path}.end"),
        status=status,
        cancel_reason=str((resource.get("cancelationReason") or {}).get("text", ""))[:500],
    )


@dataclass(frozen=True)
class SessionFields:
    plan: str
    patient: str
    practitioner: str
    appointment: str
    performed_on: datetime.date
    signed: bool
    notes: str
    immediate_reactions: str
    anaesthetic: str = ""
    anaesthetic_note: str = ""
    pain_score: int | None = None
    charges: Money | None = None


def session_fields(entry: Entry) -> SessionFields:
    resource, path = entry.resource, entry.path
    plans = [reference(b) for b in resource.get("basedOn") or [] if "CarePlan" in reference(b)]
    if not plans:
        raise Unmapped("A procedure is imported as a session of a plan; this one has none.")
    status = str(resource.get("status", ""))
    if status not in {"completed", "in-progress"}:
        raise Refused([(f"{path}.status", "A session is completed or in progress.")])
    performed = resource.get("performedDateTime") or (resource.get("performedPeriod") or {}).get(
        "start"
    )
    notes = [n for n in resource.get("note") or [] if isinstance(n, dict) and n.get("text")]
    reactions = [n for n in notes if ext(n, "immediate-reactions").get("valueBoolean")]
    performer: dict[str, Any] = next(iter(resource.get("performer") or []), {})
    return SessionFields(
        plan=plans[0],
        patient=reference(resource.get("subject")),
        practitioner=reference(performer.get("actor")),
        appointment=reference(ext(resource, "appointment").get("valueReference")),
        performed_on=_date(performed, f"{path}.performedDateTime"),
        signed=status == "completed",
        notes="\n".join(str(n["text"]) for n in notes if n not in reactions)[:4000],
        immediate_reactions="\n".join(str(n["text"]) for n in reactions)[:2000],
        anaesthetic=_text_of(resource, "anaesthetic", "valueCode"),
        anaesthetic_note=_text_of(resource, "anaesthetic-note"),
        pain_score=_whole(ext(resource, "pain-score").get("valueInteger")),
        charges=money(resource, "charges", path),
    )


@dataclass(frozen=True)
class AdministrationFields:
    """One product of one point: the point's own fields come with each of its products."""

    procedure: str
    medication: str
    number: int
    view: str
    x: Decimal
    y: Decimal
    zone: Coded
    depth_mm: Decimal
    needle_gauge: int
    needle_length_mm: Decimal
    technique: str
    volume_ml: Decimal


POINT_EXTENSIONS = ("injection-point", "body-map-view", "body-map-x", "body-map-y", "depth")


def administration_fields(entry: Entry) -> AdministrationFields:
    """Raises Refused when the administration is not one of our injection points."""
    resource, path = entry.resource, entry.path
    missing = [name for name in POINT_EXTENSIONS if not ext(resource, name)]
    if missing:
        raise Unmapped("Not an injection point of a session: no " + ", ".join(missing) + ".")
    dosage = resource.get("dosage") or {}
    dose = dosage.get("dose") or {}
    if dose.get("code", dose.get("unit")) != "mL":
        raise Refused([(f"{path}.dosage.dose", "Give the volume in mL.")])

    def value(name: str, kind: str) -> Any:
        found = ext(resource, name).get(kind)
        return found.get("value") if kind == "valueQuantity" and found else found

    return AdministrationFields(
        procedure=reference(next(iter(resource.get("partOf") or []), {})),
        medication=reference(resource.get("medicationReference")),
        number=int(value("injection-point", "valueInteger") or 0),
        view=str(value("body-map-view", "valueCode") or ""),
        x=_decimal(value("body-map-x", "valueDecimal"), f"{path}.extension"),
        y=_decimal(value("body-map-y", "valueDecimal"), f"{path}.extension"),
        zone=codings(dosage.get("site")),
        depth_mm=_decimal(value("depth", "valueQuantity"), f"{path}.extension"),
        needle_gauge=int(value("needle-gauge", "valueInteger") or 0),
        needle_length_mm=_decimal(value("needle-length", "valueQuantity"), f"{path}.extension"),
        technique=local_code(dosage.get("method"), "technique"),
        volume_ml=_decimal(dose.get("value"), f"{path}.dosage.dose.value"),
    )


@dataclass(frozen=True)
class LotFields:
    product: str
    lot_number: str
    expiry_date: datetime.date
    received: ReceivedAs


def _received(resource: dict[str, Any], path: str) -> ReceivedAs:
    on = ext(resource, "received-on").get("valueDate")
    opened = ext(resource, "vial-opened").get("valueDateTime")
    where = f"{path}.extension"
    return ReceivedAs(
        supplier=_text_of(resource, "supplier")[:200],
        received_on=_date(on, f"{where}.valueDate") if on else None,
        quantity_ml=_optional_decimal(resource, "quantity-received", "valueQuantity", path),
        on_hand_ml=_optional_decimal(resource, "on-hand", "valueQuantity", path),
        multi_dose=ext(resource, "multi-dose").get("valueBoolean") is True,
        discard_after_hours=_optional_whole(resource, "discard-after-opening", path),
        opened_at=_moment(opened, f"{where}.valueDateTime") if opened else None,
        status=_text_of(resource, "lot-status", "valueCode") or "available",
        status_reason=_text_of(resource, "lot-status-reason"),
    )


def lot_fields(entry: Entry) -> LotFields:
    resource, path = entry.resource, entry.path
    batch = resource.get("batch") or {}
    if not batch.get("lotNumber") or not batch.get("expirationDate"):
        raise Unmapped("No lot number and expiry date: a product without its lot is not stock.")
    return LotFields(
        product=local_code(resource.get("code"), "product"),
        lot_number=str(batch["lotNumber"])[:60],
        expiry_date=_date(batch["expirationDate"], f"{path}.batch.expirationDate"),
        received=_received(resource, path),
    )


# --- Lifestyle logs -----------------------------------------------------------------------


@dataclass(frozen=True)
class LifestyleFields:
    patient: str
    date: datetime.date
    diet_adherence_percent: int
    exercise_minutes_per_week: int
    weight_kg: float | None
    entered_by: str


def _answered(resource: dict[str, Any], path: str) -> dict[str, tuple[Any, str]]:
    """Each item's first answer, by linkId, with the path of its value."""
    found: dict[str, tuple[Any, str]] = {}
    for index, item in enumerate(resource.get("item") or []):
        answers = item.get("answer") if isinstance(item, dict) else None
        if answers and isinstance(answers[0], dict):
            value = answers[0].get("valueQuantity")
            where = f"{path}.item[{index}].answer[0].valueQuantity"
            found[str(item.get("linkId"))] = (value, where)
    return found


def _answer(answers: dict[str, tuple[Any, str]], link: str, unit: str) -> Decimal | None:
    value, where = answers.get(link, (None, ""))
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("code", value.get("unit")) != unit:
        raise Refused([(where, f"Give a quantity in {unit}.")])
    return _decimal(value.get("value"), f"{where}.value")


def _whole_answer(answers: dict[str, tuple[Any, str]], link: str, unit: str, path: str) -> int:
    found = _answer(answers, link, unit)
    if found is None:
        raise Refused([(f"{path}.item", f"Give the answer {link}, in {unit}.")])
    if found != found.to_integral_value():
        raise Refused([(f"{answers[link][1]}.value", "Give a whole number.")])
    return int(found)


def lifestyle_fields(entry: Entry) -> LifestyleFields:
    """A lifestyle log: only answers to our lifestyle form are read (others are Unmapped)."""
    resource, path = entry.resource, entry.path
    if resource.get("questionnaire") != codes.LIFESTYLE_QUESTIONNAIRE:
        raise Unmapped("Not an answer to Mesotrace's lifestyle log: no other form is imported.")
    answers = _answered(resource, path)
    weight = _answer(answers, "weight", "kg")
    patient = reference(resource.get("subject"))
    return LifestyleFields(
        patient=patient,
        date=_date(resource.get("authored"), f"{path}.authored"),
        diet_adherence_percent=_whole_answer(answers, "diet-adherence", "%", path),
        exercise_minutes_per_week=_whole_answer(answers, "exercise", "min/wk", path),
        weight_kg=float(weight) if weight is not None else None,
        entered_by="patient"
        if patient and reference(resource.get("source")) == patient
        else "staff",
    )


# --- Adverse events and consents --------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpFields:
    on: datetime.date
    note: str
    outcome: str
    path: str


def _follow_ups(resource: dict[str, Any], path: str) -> list[FollowUpFields]:
    found = []
    for item, where in _ours(resource, "follow-up", path):
        parts = _parts(item)
        found.append(
            FollowUpFields(
                on=_date(parts.get("date"), f"{where}.extension.valueDate"),
                note=str(parts.get("note") or ""),
                outcome=str(parts.get("outcome") or ""),
                path=where,
            )
        )
    return found


@dataclass(frozen=True)
class EventFields:
    patient: str
    term: str
    term_text: str
    onset_date: datetime.date
    detected_on: datetime.date
    grade: int | None
    seriousness: list[str]
    outcome: str
    causality: str
    suspects: list[str]
    reporter: str = ""
    description: str = ""
    actions_taken: str = ""
    organism: str = ""
    follow_ups: tuple[FollowUpFields, ...] = ()


def event_fields(entry: Entry) -> EventFields:
    resource, path = entry.resource, entry.path
    term = local_code(resource.get("event"), "adverse-event-term")
    if not term:
        raise Unmapped("No event term of ours: the safety record needs one.")
    text = str((resource.get("event") or {}).get("text", ""))
    outcome = next(
        (AE_OUTCOME.get(code, "") for _s, code in codings(resource.get("outcome"))), "unknown"
    )
    suspects = resource.get("suspectEntity") or []
    causality = next(
        (
            CAUSALITY.get(code, "")
            for suspect in suspects
            for item in suspect.get("causality") or []
            for _s, code in codings(item.get("assessment"))
        ),
        "unassessable",
    )
    detected = resource.get("detected") or resource.get("date")
    return EventFields(
        patient=reference(resource.get("subject")),
        term=term,
        term_text=text.split(": ", 1)[1][:200] if term == "other" and ": " in text else "",
        onset_date=_date(resource.get("date"), f"{path}.date"),
        detected_on=_date(detected, f"{path}.detected"),
        grade=_whole(ext(resource, "ctcae-grade").get("valueInteger")),
        seriousness=[
            str(e.get("valueCode"))
            for e in resource.get("extension") or []
            if e.get("url") == codes.extension_url("seriousness-criterion")
        ],
        outcome=outcome or "unknown",
        causality=causality or "unassessable",
        # A line marked as reached through its session is no link of its own.
        suspects=[
            reference(s.get("instance"))
            for s in suspects
            if reference(s.get("instance")) and not ext(s, "linked-through")
        ],
        reporter=_text_of(resource, "reporter", "valueCode"),
        description=_text_of(resource, "description"),
        actions_taken=_text_of(resource, "actions-taken"),
        organism=_text_of(resource, "organism"),
        follow_ups=tuple(_follow_ups(resource, path)),
    )


@dataclass(frozen=True)
class ConsentFields:
    """A consent's plan and patient (references still unresolved) and what was signed."""

    patient: str
    plan: str
    signature: ImportedSignature


def attached(item: Any, content_types: tuple[str, ...], path: str) -> bytes:
    """An attachment's inline bytes, checked against its size and SHA-1 hash when given."""
    if not isinstance(item, dict) or item.get("contentType") not in content_types:
        raise Refused([(f"{path}.contentType", f"Give {' or '.join(content_types)} inline.")])
    try:
        data = base64.b64decode(str(item.get("data", "")), validate=True)
    except (binascii.Error, ValueError):
        raise Refused([(f"{path}.data", "The data is not valid base64.")]) from None
    if not data:
        raise Refused([(f"{path}.data", "The data is missing: give the bytes inline.")])
    digest = base64.b64encode(hashlib.sha1(data).digest()).decode()  # noqa: S324  FHIR's hash
    if item.get("hash") and item["hash"] != digest:
        raise Refused([(f"{path}.hash", "The data does not match its hash: it was altered.")])
    if item.get("size") is not None and item["size"] != len(data):
        raise Refused([(f"{path}.size", "The data is not the size given.")])
    return data


def _signature_details(resource: dict[str, Any], path: str) -> dict[str, Any]:
    verified: dict[str, Any] = next(iter(resource.get("verification") or []), {})
    when = verified.get("verificationDate") if verified.get("verified") else None
    ended = ((resource.get("provision") or {}).get("period") or {}).get("end")
    drawn = ext(resource, "drawn-signature").get("valueAttachment")
    content = _text_of(resource, "document-content")
    found: dict[str, Any] = {
        "signed_text": _text_of(resource, "signed-text"),
        "withdrawn_reason": _text_of(resource, "withdrawn-reason"),
        "countersigned_at": _moment(when, f"{path}.verification[0].verificationDate")
        if when
        else None,
        "withdrawn_at": _moment(ended, f"{path}.provision.period.end") if ended else None,
    }
    if drawn is not None:
        found["drawn_signature"] = attached(drawn, ("image/png",), f"{path}.extension")
    if content:
        try:
            found["content"] = json.loads(content)
        except ValueError:
            raise Refused([(f"{path}.extension", "The document's content is not JSON.")]) from None
    return found


def consent_fields(entry: Entry) -> ConsentFields:
    resource, path = entry.resource, entry.path
    attachment = resource.get("sourceAttachment") or {}
    where = f"{path}.sourceAttachment"
    if attachment.get("contentType") != "application/pdf" or not attachment.get("data"):
        raise Unmapped("No signed PDF in the file: a consent is kept with what was signed.")
    try:
        pdf = base64.b64decode(str(attachment["data"]), validate=True)
    except (binascii.Error, ValueError):
        raise Refused([(f"{where}.data", "The PDF is not valid base64.")]) from None
    digest = base64.b64encode(hashlib.sha1(pdf).digest()).decode()  # noqa: S324  FHIR's hash
    if attachment.get("hash") and attachment["hash"] != digest:
        raise Refused([(f"{where}.hash", "The PDF does not match its hash: it was altered.")])
    version = (
        next(
            (
                str(i.get("value", ""))
                for i in resource.get("identifier") or []
                if i.get("system") == codes.identifier_system("consent-document-sha256")
            ),
            "",
        )
        or hashlib.sha256(pdf).hexdigest()
    )
    provision = resource.get("provision") or {}
    plan = next((reference(d.get("reference")) for d in provision.get("data") or []), "")
    performer: dict[str, Any] = next(iter(resource.get("performer") or []), {})
    status = str(resource.get("status", ""))
    signature = ImportedSignature(
        version=version[:64],
        pdf=pdf,
        statement=str(attachment.get("title") or ""),
        patient_name=str(performer.get("display") or ""),
        signed_at=_moment(resource.get("dateTime"), f"{path}.dateTime"),
        countersigned=status in {"active", "inactive"},
        withdrawn=status == "inactive",
        **_signature_details(resource, path),
    )
    return ConsentFields(reference(resource.get("patient")), plan, signature)


# --- Photos ---------------------------------------------------------------------------------

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


@dataclass(frozen=True)
class PhotoFields:
    session: str
    patient: str
    image: bytes
    view: str
    zone: Coded
    taken_at: datetime.datetime
    consent_scope: str
    consent_granted: datetime.datetime | None
    consent_expires: datetime.date | None


def photo_fields(entry: Entry) -> PhotoFields:
    """A session photo with its image inline; only an address is not enough (Unmapped)."""
    resource, path = entry.resource, entry.path
    content: dict[str, Any] = next(iter(resource.get("content") or []), {})
    item = content.get("attachment") or {}
    if not item.get("data"):
        raise Unmapped("A photo's image is not in the file (only its address): not imported.")
    related = (resource.get("context") or {}).get("related") or []
    sessions = [reference(r) for r in related if "Procedure" in reference(r)]
    if not sessions:
        raise Unmapped("A photo is kept with the session it was taken at; this one names none.")
    terms = {
        str(e.get("url")): next((v for k, v in e.items() if k.startswith("value")), None)
        for e in ext(resource, "photo-consent").get("extension") or []
    }
    where = f"{path}.extension"
    granted, expires = terms.get("granted"), terms.get("expires")
    zone = ext(resource, "body-zone").get("valueCodeableConcept")
    return PhotoFields(
        session=sessions[0],
        patient=reference(resource.get("subject")),
        image=attached(item, PHOTO_TYPES, f"{path}.content[0].attachment"),
        view=_text_of(resource, "photo-view", "valueCode") or "close_up",
        zone=codings(zone) if zone else [],
        taken_at=_moment(resource.get("date"), f"{path}.date"),
        consent_scope=str(terms.get("scope") or "clinical_record"),
        consent_granted=_moment(granted, where) if granted else None,
        consent_expires=_date(expires, where) if expires else None,
    )
