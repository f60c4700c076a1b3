"""Charting writes: record a session (one transaction with its stock draws), sign, amend.

Every refusal is a `ValidationError` naming the field at fault, with the reason in
words; nothing is saved when any check fails. Field names follow the request's shape,
e.g. "injections.3.depth_mm" or "injections.0.components.1.lot_id".
"""

from __future__ import annotations

import datetime
import hashlib
import json
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.catalogue.models import (
    DEPTH_MAX_MM,
    DEPTH_MIN_MM,
    BodyZone,
    Product,
    ProductComponent,
    Protocol,
)
from mesotrace.charting import overrides
from mesotrace.charting.doses import dose_problems
from mesotrace.charting.models import SessionAmendment
from mesotrace.charting.schemas import InjectionIn, SessionIn
from mesotrace.consent import services as consent_services
from mesotrace.core.clock import clinic_today
from mesotrace.inventory.models import Lot, LotStatus
from mesotrace.inventory.services import StockRefused, draw, lot_problem
from mesotrace.outcomes.services import split_body_rule
from mesotrace.practitioners.models import Practitioner
from mesotrace.practitioners.services import may_inject
from mesotrace.safety import exposure
from mesotrace.treatments.models import (
    Appointment,
    AppointmentStatus,
    Injection,
    InjectionComponent,
    SessionStatus,
    TreatmentPlan,
    TreatmentSession,
)
from mesotrace.treatments.queries.plans import screening_for
from mesotrace.treatments.rules.bodymap import region_at
from mesotrace.treatments.rules.screening import open_warnings
from mesotrace.treatments.services.schedule import complete_appointment

SESSION_FIELDS = [
    "appointment",
    "practitioner",
    "performed_on",
    "anaesthetic",
    "anaesthetic_note",
    "pain_score",
    "immediate_reactions",
    "notes",
    "charges",
    "status",
]
# What an amendment may correct. Volumes, products and lots drew stock and are what a
# recall traces: they are corrected with a stock movement, not by editing the chart.
AMENDABLE_SESSION = [
    "anaesthetic",
    "anaesthetic_note",
    "pain_score",
    "immediate_reactions",
    "notes",
    "charges",
]
AMENDABLE_INJECTION = ["depth_mm", "needle_gauge", "needle_length_mm", "technique"]
MAX_REASON = 2000
NOT_AMENDABLE = _lazy(
    "This cannot be amended. Volumes, products and lots drew stock: correct them with a "
    "stock adjustment on the lot and explain it in the session's notes."
)


class Refusal(dict[str, str]):
    """Field errors gathered across a whole request, so every problem is reported at once."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError({field: [message] for field, message in self.items()})


def consent_problem(plan: TreatmentPlan) -> str | None:
    """Why the patient's signed consent does not allow charting this plan, or None.

    Valid means signed and countersigned for the plan's current document version and not
    withdrawn, or an owner's audited override for that version (mesotrace.consent).
    """
    return consent_services.consent_problem(plan)


# --- Reading ----------------------------------------------------------------------------


def fingerprint(payload: SessionIn) -> str:
    """A hash of what was submitted, to tell a retry from a different session under one key."""
    # Without overrides the body hashes as it did before overrides existed.
    skip = {"idempotency_key"} | (set() if payload.lot_overrides else {"lot_overrides"})
    body = payload.model_dump(mode="json", exclude=skip)
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def session_for_key(clinic: Clinic, key: str, payload: SessionIn) -> TreatmentSession | None:
    found = TreatmentSession.objects.for_clinic(clinic).filter(idempotency_key=key).first()
    if found is not None and found.request_fingerprint != fingerprint(payload):
        raise ValidationError(
            {
                "idempotency_key": _(
                    "This key was already used for a different session (session %(id)s)."
                )
                % {"id": found.pk}
            }
        )
    return found


def performed_at(appointment: Appointment) -> datetime.datetime:
    """When the injections happened: the appointment's start, or now if the patient is early."""
    return min(appointment.starts_at, timezone.now())


def depth_range(protocol: Protocol) -> tuple[Decimal, Decimal]:
    """The protocol's depth range where it gives one, else the technique's 0.5-13 mm."""
    low = protocol.depth_mm_min if protocol.depth_mm_min is not None else DEPTH_MIN_MM
    high = protocol.depth_mm_max if protocol.depth_mm_max is not None else DEPTH_MAX_MM
    return low, high


def appointment_problem(appointment: Appointment, clinic: Clinic) -> tuple[str, str] | None:
    """(field, reason) when this appointment cannot be charted now; None when it can."""
    if appointment.clinic_id != clinic.pk:
        return "appointment_id", _("This appointment belongs to another clinic.")
    if appointment.status == AppointmentStatus.CANCELLED:
        return "appointment_id", _("This appointment was cancelled (%(reason)s).") % {
            "reason": appointment.cancel_reason
        }
    if appointment.status == AppointmentStatus.NO_SHOW:
        return "appointment_id", _("The patient did not attend this appointment.")
    charted = TreatmentSession.objects.filter(appointment=appointment).first()
    if charted is not None:
        return "appointment_id", _("This appointment is already charted (session %(id)s).") % {
            "id": charted.pk
        }
    local_day = _local_day(appointment.starts_at, clinic)
    if local_day > clinic_today(clinic):
        return "appointment_id", _("This appointment is on %(day)s: chart it on the day.") % {
            "day": local_day.isoformat()
        }
    return None


def _local_day(when: datetime.datetime, clinic: Clinic) -> datetime.date:
    return when.astimezone(zoneinfo.ZoneInfo(clinic.timezone)).date()


def readiness_problems(
    appointment: Appointment, practitioner: Practitioner | None
) -> dict[str, str]:
    """Everything that stops charting before a single point is placed, by field."""
    clinic = appointment.clinic
    errors = Refusal()
    found = appointment_problem(appointment, clinic)
    if found:
        errors.add(*found)
    if practitioner is None:
        errors.add("practitioner_id", _("Choose a practitioner of this clinic."))
    else:
        decision = may_inject(practitioner, clinic, _local_day(performed_at(appointment), clinic))
        if not decision:
            errors.add("practitioner_id", decision.reason)
    plan = appointment.plan
    screened = screening_for(plan)
    blocking = [item.warning.message for item in screened if item.warning.blocking]
    unacknowledged = open_warnings(screened)
    if blocking:
        errors.add("screening", " ".join(blocking))
    elif unacknowledged:
        errors.add(
            "screening",
            _("%(n)s screening warning(s) of the plan are not acknowledged: %(codes)s.")
            % {"n": len(unacknowledged), "codes": ", ".join(w.code for w in unacknowledged)},
        )
    problem = consent_problem(plan)
    if problem:
        errors.add("consent", problem)
    return dict(errors)


# --- Checking a payload -----------------------------------------------------------------


@dataclass
class Catalogue:
    """The rows a payload names, read once for the whole session."""

    zones: dict[str, BodyZone]
    products: dict[int, Product]
    lots: dict[int, Lot]
    components: dict[int, list[ProductComponent]]


def _catalogue(clinic: Clinic, payload: SessionIn) -> Catalogue:
    product_ids = {c.product_id for i in payload.injections for c in i.components}
    lot_ids = {c.lot_id for i in payload.injections for c in i.components}
    components: dict[int, list[ProductComponent]] = defaultdict(list)
    for row in ProductComponent.objects.filter(product_id__in=product_ids).select_related(
        "compound", "compound__max_dose_source"
    ):
        components[row.product_id].append(row)
    return Catalogue(
        zones={zone.slug: zone for zone in BodyZone.objects.all()},
        products={p.pk: p for p in Product.objects.visible_to(clinic).filter(pk__in=product_ids)},
        lots={lot.pk: lot for lot in Lot.objects.for_clinic(clinic).filter(pk__in=lot_ids)},
        components=components,
    )


def _point_errors(
    injection: InjectionIn, at: str, found: Catalogue, errors: Refusal
) -> BodyZone | None:
    region = region_at(injection.view, injection.x, injection.y)
    if region is None:
        errors.add(
            f"{at}.x",
            _("This point is outside the body zones of the %(view)s map.")
            % {"view": injection.view},
        )
        return None
    zone = found.zones.get(injection.zone or region.zone)
    if zone is None:
        errors.add(f"{at}.zone", _("Unknown body zone “%(zone)s”.") % {"zone": injection.zone})
        return None
    if zone.slug != region.zone:
        errors.add(
            f"{at}.zone",
            _("The point is on the %(region)s, not the %(zone)s.")
            % {"region": found.zones[region.zone].name.lower(), "zone": zone.name.lower()},
        )
        return None
    return zone


def _technique_errors(
    injection: InjectionIn, at: str, depths: tuple[Decimal, Decimal], errors: Refusal
) -> None:
    low, high = depths
    if not low <= injection.depth_mm <= high:
        errors.add(
            f"{at}.depth_mm",
            _("%(depth)s mm is outside the protocol's depth range, %(low)s to %(high)s mm.")
            % {"depth": injection.depth_mm, "low": low, "high": high},
        )
    elif injection.depth_mm > injection.needle_length_mm:
        errors.add(
            f"{at}.depth_mm",
            _("%(depth)s mm is deeper than the %(length)s mm needle.")
            % {"depth": injection.depth_mm, "length": injection.needle_length_mm},
        )


def _mix_errors(injection: InjectionIn, at: str, found: Catalogue, errors: Refusal) -> None:
    seen: set[int] = set()
    for index, component in enumerate(injection.components):
        here = f"{at}.components.{index}"
        product = found.products.get(component.product_id)
        lot = found.lots.get(component.lot_id)
        if product is None:
            errors.add(f"{here}.product_id", _("No product with this id in the catalogue here."))
        elif component.product_id in seen:
            errors.add(f"{here}.product_id", _("This product is already in the syringe."))
        if lot is None:
            errors.add(
                f"{here}.lot_id",
                _("No lot with id %(id)s in this clinic.") % {"id": component.lot_id},
            )
        elif product is not None and lot.product_id != product.pk:
            errors.add(
                f"{here}.lot_id",
                _("Lot %(lot)s is of %(other)s, not %(product)s.")
                % {"lot": lot.lot_number, "other": lot.product.name, "product": product.name},
            )
        seen.add(component.product_id)


def _lot_totals(payload: SessionIn) -> dict[int, tuple[Decimal, str]]:
    """Total volume per lot, with the first field that names the lot (for errors)."""
    totals: dict[int, tuple[Decimal, str]] = {}
    for i, injection in enumerate(payload.injections):
        for c, component in enumerate(injection.components):
            field = f"injections.{i}.components.{c}.lot_id"
            volume, first = totals.get(component.lot_id, (Decimal("0"), field))
            totals[component.lot_id] = (volume + component.volume_ml, first)
    return totals


def check_payload(
    plan: TreatmentPlan,
    payload: SessionIn,
    on: datetime.datetime,
    found: Catalogue,
    overridden: frozenset[int] = frozenset(),
) -> dict[int, BodyZone]:
    """Every point, mix, lot and dose of the payload; the zone of each point when all pass."""
    errors = Refusal()
    depths = depth_range(plan.protocol)
    zones: dict[int, BodyZone] = {}
    control_side = split_body_rule(plan)
    for index, injection in enumerate(payload.injections):
        at = f"injections.{index}"
        zone = _point_errors(injection, at, found, errors)
        if zone is not None:
            zones[index] = zone
            if problem := control_side(injection.view, injection.x, injection.y):
                errors.add(f"{at}.x", problem)
        _technique_errors(injection, at, depths, errors)
        _mix_errors(injection, at, found, errors)
    if not errors:
        for lot_id, (volume, field) in _lot_totals(payload).items():
            lot = found.lots[lot_id]
            problem = (
                overrides.lot_problem_overridden(lot, plan.clinic, on, volume)
                if lot_id in overridden
                else lot_problem(lot, plan.clinic, on, volume)
            )
            if problem and lot.status == LotStatus.UNDER_INVESTIGATION and lot_id not in overridden:
                problem = f"{problem} {overrides.HOW_TO_OVERRIDE}"
            if problem:
                errors.add(field, problem)
        used = [(c.product_id, c.volume_ml) for i in payload.injections for c in i.components]
        for message in dose_problems(used, found.components, found.products):
            errors.add("injections", message)
    errors.raise_if_any()
    return zones


# --- Recording --------------------------------------------------------------------------


def record_session(
    actor: Actor, appointment: Appointment, payload: SessionIn, idempotency_key: str
) -> TreatmentSession:
    """Charts a session in one transaction: injections, their mix and lots, stock, audit.

    A retry with the same idempotency key returns the first session and changes nothing;
    the same key with a different payload is refused.
    """
    clinic = appointment.clinic
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 100:
        raise ValidationError(
            {"idempotency_key": _("Send an idempotency key of 8 to 100 characters.")}
        )
    existing = session_for_key(clinic, key, payload)
    if existing is not None:
        return existing
    try:
        return _record(actor, appointment, payload, key)
    except IntegrityError:
        # A simultaneous submit with the same key won the insert: hand back its session.
        existing = session_for_key(clinic, key, payload)
        if existing is None:
            raise ValidationError(
                {"appointment_id": _("This appointment was charted at the same moment.")}
            ) from None
        return existing


@transaction.atomic
def _record(
    actor: Actor, appointment: Appointment, payload: SessionIn, key: str
) -> TreatmentSession:
    # The appointment's row serialises two charts of one appointment (and two retries).
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("clinic", "plan", "plan__protocol", "plan__patient", "practitioner")
        .get(pk=appointment.pk)
    )
    clinic = appointment.clinic
    existing = session_for_key(clinic, key, payload)
    if existing is not None:
        return existing
    practitioner = _practitioner(appointment, payload.practitioner_id)
    errors = readiness_problems(appointment, practitioner)
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    assert practitioner is not None
    on = performed_at(appointment)
    found = _catalogue(clinic, payload)
    overridden = overrides.overridden_lots(actor, payload, found.lots)
    zones = check_payload(appointment.plan, payload, on, found, overridden)
    session = _create_session(actor, appointment, practitioner, payload, key, on)
    injections = _create_injections(session, payload, zones)
    movements = _draw_stock(actor, session, payload, found, on, overridden)
    _create_components(session, payload, injections, found, movements)
    used = ((c.product_id, c.lot_id) for point in payload.injections for c in point.components)
    exposure.count_session(session, used)  # the safety signals' sessions per lot
    overrides.record_overrides(actor, session, payload, found.lots)
    complete_appointment(actor, appointment)
    _audit_session(actor, session, payload, found)
    return session


def _practitioner(appointment: Appointment, practitioner_id: int | None) -> Practitioner | None:
    if practitioner_id is None:
        return appointment.practitioner
    return Practitioner.objects.for_clinic(appointment.clinic).filter(pk=practitioner_id).first()


def _create_session(
    actor: Actor,
    appointment: Appointment,
    practitioner: Practitioner,
    payload: SessionIn,
    key: str,
    on: datetime.datetime,
) -> TreatmentSession:
    session = TreatmentSession(
        clinic=appointment.clinic,
        appointment=appointment,
        plan=appointment.plan,
        patient=appointment.patient,
        practitioner=practitioner,
        performed_on=_local_day(on, appointment.clinic),
        anaesthetic=payload.anaesthetic,
        anaesthetic_note=payload.anaesthetic_note,
        pain_score=payload.pain_score,
        immediate_reactions=payload.immediate_reactions,
        notes=payload.notes,
        charges=payload.charges,
        currency=appointment.clinic.currency,
        charted_by=actor.user,
        idempotency_key=key,
        request_fingerprint=fingerprint(payload),
    )
    session.save()
    return session


def _create_injections(
    session: TreatmentSession, payload: SessionIn, zones: Mapping[int, BodyZone]
) -> list[Injection]:
    rows = [
        Injection(
            clinic=session.clinic,
            session=session,
            number=index + 1,
            view=point.view,
            x=point.x,
            y=point.y,
            zone=zones[index],
            volume_ml=sum((c.volume_ml for c in point.components), Decimal("0")),
            depth_mm=point.depth_mm,
            needle_gauge=point.needle_gauge,
            needle_length_mm=point.needle_length_mm,
            technique=point.technique,
        )
        for index, point in enumerate(payload.injections)
    ]
    return Injection.objects.bulk_create(rows)


def _draw_stock(
    actor: Actor,
    session: TreatmentSession,
    payload: SessionIn,
    found: Catalogue,
    on: datetime.datetime,
    overridden: frozenset[int] = frozenset(),
) -> dict[int, Any]:
    """One "used" movement per lot for the session's total; lots locked in id order."""
    movements = {}
    for lot_id, (volume, field) in sorted(_lot_totals(payload).items()):
        try:
            if lot_id in overridden:
                lot = found.lots[lot_id]
                movements[lot_id] = overrides.draw_overridden(actor, lot, volume, on, session)
                continue
            movements[lot_id] = draw(
                actor,
                found.lots[lot_id],
                volume,
                on,
                reference=f"session {session.pk}",
                clinic=session.clinic,
                patient_id=session.patient_id,
            )
        except StockRefused as refused:
            raise ValidationError({field: [refused.message]}) from None
    return movements


def _create_components(
    session: TreatmentSession,
    payload: SessionIn,
    injections: Sequence[Injection],
    found: Catalogue,
    movements: Mapping[int, Any],
) -> None:
    InjectionComponent.objects.bulk_create(
        [
            InjectionComponent(
                clinic=session.clinic,
                injection=injection,
                product_id=component.product_id,
                lot_id=component.lot_id,
                volume_ml=component.volume_ml,
                movement=movements[component.lot_id],
            )
            for injection, point in zip(injections, payload.injections, strict=True)
            for component in point.components
        ]
    )


def totals_by_lot(payload: SessionIn, found: Catalogue) -> list[dict[str, Any]]:
    return [
        {
            "lot": lot_id,
            "lot_number": found.lots[lot_id].lot_number,
            "product": found.lots[lot_id].product_id,
            "volume_ml": str(volume),
        }
        for lot_id, (volume, _field) in sorted(_lot_totals(payload).items())
    ]


def _audit_session(
    actor: Actor, session: TreatmentSession, payload: SessionIn, found: Catalogue
) -> None:
    audit.record(
        actor,
        AuditAction.CREATE,
        ObjectType.TREATMENT_SESSION,
        object_id=session.pk,
        patient_id=session.patient_id,
        changes=audit.diff({}, audit.snapshot(session, SESSION_FIELDS)),
        details={"points": len(payload.injections), "lots": totals_by_lot(payload, found)},
        clinic=session.clinic,
    )


# --- Sign-off and amendments ------------------------------------------------------------


@transaction.atomic
def sign_session(actor: Actor, session: TreatmentSession) -> TreatmentSession:
    """The charting practitioner signs the session; from then on it changes only by amendment."""
    session = (
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("practitioner")
        .get(pk=session.pk)
    )
    if session.is_signed:
        raise ValidationError({"status": _("This session is already signed.")})
    practitioner = session.practitioner
    if practitioner.user_id is None:
        raise ValidationError(
            {
                "status": _(
                    "%(name)s has no user account, so cannot sign: link one on the "
                    "practitioner's page."
                )
                % {"name": practitioner.full_name}
            }
        )
    if actor.user is None or actor.user.pk != practitioner.user_id:
        raise ValidationError(
            {
                "status": _("Only %(name)s, who performed this session, can sign it.")
                % {"name": practitioner.full_name}
            }
        )
    session.status = SessionStatus.SIGNED
    session.signed_at = timezone.now()
    session.signed_by = actor.user
    session.save(update_fields=["status", "signed_at", "signed_by", "updated_at"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        ObjectType.TREATMENT_SESSION,
        object_id=session.pk,
        patient_id=session.patient_id,
        changes={"status": {"before": SessionStatus.DRAFT, "after": SessionStatus.SIGNED}},
        clinic=session.clinic,
    )
    return session


def _field_value(instance: Any, name: str, value: Any) -> Any:
    """The value converted and validated the way the model field would store it."""
    field = instance._meta.get_field(name)
    try:
        cleaned = field.clean(field.to_python(value), instance)
    except ValidationError as error:
        raise ValidationError({name: error.messages}) from None
    if isinstance(cleaned, Decimal) and isinstance(field, models.DecimalField):
        cleaned = cleaned.quantize(Decimal(1).scaleb(-field.decimal_places))
    return cleaned


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _amend_injection(
    session: TreatmentSession, key: str, value: Any, changes: dict[str, Any]
) -> Injection:
    _prefix, number, name = key.split(".", 2)
    injection = (
        Injection.objects.for_clinic(session.clinic)
        .filter(session=session, number=int(number) if number.isdigit() else -1)
        .first()
    )
    if injection is None:
        raise ValidationError({key: _("This session has no point %(n)s.") % {"n": number}})
    try:
        new = _field_value(injection, name, value)
    except ValidationError as error:
        raise ValidationError({key: error.messages}) from None
    if name == "depth_mm":
        low, high = depth_range(session.plan.protocol)
        if not low <= new <= high:
            raise ValidationError(
                {
                    key: _("Outside the protocol's depth range, %(low)s to %(high)s mm.")
                    % {"low": low, "high": high}
                }
            )
    old = getattr(injection, name)
    if new != old:
        changes[key] = {"before": _plain(old), "after": _plain(new)}
        setattr(injection, name, new)
    return injection


def _amendable(key: str) -> bool:
    if key in AMENDABLE_SESSION:
        return True
    parts = key.split(".")
    return len(parts) == 3 and parts[0] == "injections" and parts[2] in AMENDABLE_INJECTION


@transaction.atomic
def amend_session(
    actor: Actor, session: TreatmentSession, reason: str, values: Mapping[str, Any]
) -> SessionAmendment:
    """Corrects a saved session for a stated reason; the amendment keeps what it replaced.

    `values` maps a session field (e.g. "pain_score") or "injections.<point>.<field>"
    (e.g. "injections.3.depth_mm") to its corrected value.
    """
    session = (
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("plan__protocol")
        .get(pk=session.pk)
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("At most %(n)s characters.") % {"n": MAX_REASON}})
    if actor.user is None:
        raise ValidationError({"reason": _("Only a signed-in member can amend a session.")})
    refused = sorted(key for key in values if not _amendable(key))
    if refused:
        raise ValidationError({key: [NOT_AMENDABLE] for key in refused})
    changes: dict[str, Any] = {}
    injections = [
        _amend_injection(session, key, value, changes)
        for key, value in values.items()
        if key.startswith("injections.")
    ]
    _amend_fields(session, values, changes)
    if not changes:
        raise ValidationError({"changes": _("Nothing would change.")})
    session.save()
    for injection in injections:
        injection.save()
    amendment = SessionAmendment.objects.create(
        clinic=session.clinic,
        session=session,
        reason=reason,
        by=actor.user,
        at=timezone.now(),
        changes=changes,
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        ObjectType.TREATMENT_SESSION,
        object_id=session.pk,
        patient_id=session.patient_id,
        changes=changes,
        details={"amendment": amendment.pk, "reason": reason},
        clinic=session.clinic,
    )
    return amendment


def _amend_fields(
    session: TreatmentSession, values: Mapping[str, Any], changes: dict[str, Any]
) -> None:
    for name in AMENDABLE_SESSION:
        if name not in values:
            continue
        value = values[name]
        if value is None and name != "pain_score":
            value = ""
        new = (
            _field_value(session, name, value)
            if value not in (None, "")
            or name
            in {
                "anaesthetic_note",
                "immediate_reactions",
                "notes",
            }
            else None
        )
        if name == "anaesthetic" and new is None:
            raise ValidationError({name: _("Choose an anaesthetic, or none.")})
        if name == "charges" and new is None:
            raise ValidationError({name: _("Give the charges, 0 if none.")})
        old = getattr(session, name)
        if new != old:
            changes[name] = {"before": _plain(old), "after": _plain(new)}
            setattr(session, name, new)


def original_values(amendments: Iterable[SessionAmendment]) -> dict[str, Any]:
    """Each amended field's value as first charted: the earliest amendment's "before"."""
    original: dict[str, Any] = {}
    for amendment in sorted(amendments, key=lambda a: (a.at, a.pk)):
        for name, change in amendment.changes.items():
            original.setdefault(name, change.get("before"))
    return original
