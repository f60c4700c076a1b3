"""Demo sessions: a few past, signed sessions charted on the demo plans, drawing demo stock,
and appointments to chart today, topped up whatever day the demo runs.

Call after the demo plans (`treatments.demo.give_demo_plans`) and the demo stock
(`inventory.demo.give_demo_stock`). For each of the first active plans, the course's
first appointment is moved back a week (booking refuses the past, so the demo writes it,
with an audit row saying so) and charted through `record_session`, like a clinic would:
points spread over the plan's zones on the body map, each product from its
earliest-expiring usable lot. The session is signed when its practitioner has a login.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic, Membership
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction
from mesotrace.catalogue.models import Product, Technique
from mesotrace.charting import services
from mesotrace.charting.queries import DEFAULT_GAUGE
from mesotrace.charting.rules import depth_range
from mesotrace.charting.schemas import ComponentIn, InjectionIn, SessionIn
from mesotrace.consent import queries as consent_queries
from mesotrace.consent import services as consent_services
from mesotrace.core.clock import clinic_today, clinic_zone
from mesotrace.inventory.models import Lot
from mesotrace.inventory.queries.stock import usable_lots
from mesotrace.patients.models import Patient, PregnancyStatus
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import (
    Anaesthetic,
    Appointment,
    AppointmentStatus,
    MapView,
    PlanStatus,
    TreatmentPlan,
    TreatmentSession,
)
from mesotrace.treatments.queries.plans import screening_for
from mesotrace.treatments.queries.schedule import find_conflict
from mesotrace.treatments.rules.bodymap import VIEWS, Region, region_at
from mesotrace.treatments.rules.calendar import day_bounds
from mesotrace.treatments.rules.schedule import BookingConflict, Slot
from mesotrace.treatments.rules.screening import ADULT_AGE, age_on
from mesotrace.treatments.services import plans
from mesotrace.treatments.services.schedule import book_course

DEFAULT_SESSIONS = 3
DAYS_AGO = 7
DEFAULT_VOLUME = Decimal("0.1")
# Appointments waiting to be charted today; the second waits for its consent's countersignature.
TODAY_APPOINTMENTS = 3
AWAITING_COUNTERSIGNATURE = 1
DAY_STARTS, DAY_ENDS, STEP_MINUTES = 7, 23, 15


class DemoSessionsRefused(Exception):
    """Demo sessions must not be written into this clinic."""


@dataclass(frozen=True)
class DemoSessions:
    sessions: int
    signed: int
    points: int


def _grid(region: Region, width: int, height: int, count: int) -> list[tuple[Decimal, Decimal]]:
    """`count` points spread over a region, as fractions of the view."""
    xs = [x for x, _y in region.points]
    ys = [y for _x, y in region.points]
    for k in range(2, 40):
        found = []
        for a in range(k):
            for b in range(k):
                x = min(xs) + (max(xs) - min(xs)) * (b + 0.5) / k
                y = min(ys) + (max(ys) - min(ys)) * (a + 0.5) / k
                fx, fy = Decimal(f"{x / width:.4f}"), Decimal(f"{y / height:.4f}")
                hit = region_at(region_view(region), fx, fy)
                if hit is not None and hit.key == region.key:
                    found.append((fx, fy))
        if len(found) >= count:
            step = len(found) / count
            return [found[int(i * step)] for i in range(count)]
    return []


def region_view(region: Region) -> str:
    return next(name for name, view in VIEWS.items() if region in view.regions)


def _mix(plan: TreatmentPlan, on: datetime.datetime) -> list[tuple[Product, int, Decimal]] | None:
    """(product, lot id, mL per point) per product of the protocol; None if one has no stock."""
    items = list(plan.protocol.items.select_related("product"))
    share = DEFAULT_VOLUME / max(len(items), 1)
    mix = []
    for item in items:
        lots = usable_lots(plan.clinic, item.product, on)
        if not lots:
            return None
        per_point = item.volume_ml_per_point or share
        mix.append((item.product, lots[0].pk, per_point.quantize(Decimal("0.001"))))
    return mix


def _payload(
    plan: TreatmentPlan, mix: list[tuple[Product, int, Decimal]], rng: random.Random
) -> SessionIn | None:
    low, high = depth_range(plan.protocol)
    needle = plan.protocol.needle_length_mm or max(Decimal("4"), low)
    depth = min(max(low, Decimal("2")), high, needle)
    points: list[InjectionIn] = []
    for zone in plan.zones.all():
        for view in VIEWS.values():
            for region in (r for r in view.regions if r.zone == zone.slug):
                for x, y in _grid(region, view.width, view.height, rng.randint(4, 10)):
                    points.append(
                        InjectionIn(
                            view=MapView(view.name),
                            x=x,
                            y=y,
                            zone=zone.slug,
                            depth_mm=depth,
                            needle_gauge=plan.protocol.needle_gauge or DEFAULT_GAUGE,
                            needle_length_mm=needle,
                            technique=Technique(plan.protocol.technique or "point_by_point"),
                            components=[
                                ComponentIn(product_id=p.pk, lot_id=lot, volume_ml=ml)
                                for p, lot, ml in mix
                            ],
                        )
                    )
    if not points:
        return None
    return SessionIn(
        practitioner_id=None,
        anaesthetic=rng.choice((Anaesthetic.NONE, Anaesthetic.TOPICAL)),
        anaesthetic_note="",
        pain_score=rng.randint(1, 5),
        immediate_reactions=rng.choice(("", _("Mild erythema, settled in 10 minutes."))),
        notes=_("Synthetic demo session."),
        charges=plan.price_per_session,
        idempotency_key=None,
        injections=points,
    )


def _a_week_ago(appointment: Appointment) -> datetime.datetime:
    """The same local time of day, a week before today in the clinic."""
    zone = clinic_zone(appointment.clinic)
    day = clinic_today(appointment.clinic) - datetime.timedelta(days=DAYS_AGO)
    return datetime.datetime.combine(day, appointment.starts_at.astimezone(zone).time(), zone)


def _move_back(
    actor: Actor,
    appointment: Appointment,
    starts_at: datetime.datetime,
    why: str = "demo: a past session to chart",
) -> Appointment:
    before = appointment.starts_at
    appointment.ends_at = starts_at + (appointment.ends_at - before)
    appointment.starts_at = starts_at
    appointment.save(update_fields=["starts_at", "ends_at", "updated_at"])
    audit.record(
        actor,
        AuditAction.GENERATE,
        appointment,
        changes={"starts_at": {"before": before.isoformat(), "after": starts_at.isoformat()}},
        details={"why": why},
    )
    return appointment


def _signer(session_practitioner_user: int | None, clinic: Clinic) -> Actor | None:
    if session_practitioner_user is None:
        return None
    membership = (
        Membership.objects.filter(clinic=clinic, user_id=session_practitioner_user, is_active=True)
        .select_related("user", "clinic")
        .first()
    )
    return Actor.system("demo", membership) if membership else None


def _consent(actor: Actor, signer: Actor | None, plan: TreatmentPlan) -> None:
    """The patient signs the plan's document and its practitioner countersigns, as in clinic."""
    if signer is None or consent_queries.consent_problem(plan) is None:
        return
    document = consent_services.generate_consent(actor, plan)
    name = f"{plan.patient.given_name} {plan.patient.family_name}"
    signature = consent_services.sign_consent(actor, document, name, agreed=True)
    consent_services.countersign_consent(signer, signature)


@transaction.atomic
def give_demo_sessions(
    clinic: Clinic, seed: int = 2026, actor: Actor | None = None, count: int = DEFAULT_SESSIONS
) -> DemoSessions:
    """Charts up to `count` past sessions on the clinic's active demo plans; signs them.

    A clinic that already has sessions is left as it is.
    """
    if settings.ENVIRONMENT == "production":
        raise DemoSessionsRefused("Demo sessions are never written in production.")
    if TreatmentSession.objects.for_clinic(clinic).exists():
        return DemoSessions(0, 0, 0)
    actor = actor or Actor.system("demo")
    rng = random.Random(f"{seed}:{clinic.slug}:sessions")
    sessions = signed = points = 0
    plans = TreatmentPlan.objects.for_clinic(clinic).filter(status=PlanStatus.ACTIVE)
    for plan in plans.select_related("protocol", "clinic").order_by("pk"):
        if sessions == count:
            break
        charted = _chart_plan(actor, plan, rng)
        if charted is None:
            continue
        session, is_signed = charted
        sessions += 1
        signed += is_signed
        points += session.injections.count()
    return DemoSessions(sessions, signed, points)


def _chart_plan(
    actor: Actor, plan: TreatmentPlan, rng: random.Random, lot: Lot | None = None
) -> tuple[TreatmentSession, bool] | None:
    """Charts the plan's first booked appointment a week ago (with `lot` for its product,
    if given) and signs it when its practitioner has a login; None when the plan cannot be."""
    clinic = plan.clinic
    first = plan.appointments.filter(status=AppointmentStatus.BOOKED).order_by("starts_at").first()
    if first is None:
        return None
    when = _a_week_ago(first)
    mix = _mix(plan, when)
    if mix and lot is not None:
        mix = [(p, lot.pk if p.pk == lot.product_id else chosen, ml) for p, chosen, ml in mix]
    body = _payload(plan, mix, rng) if mix else None
    if body is None:
        return None
    signer = _signer(plan.practitioner.user_id, clinic)
    try:
        with transaction.atomic():
            _consent(actor, signer, plan)
            appointment = _move_back(actor, first, when)
            session = services.record_session(
                actor, appointment, body, f"demo-{clinic.slug}-{plan.pk}"
            )
    except ValidationError:
        return None  # e.g. the practitioner may no longer inject: the demo skips the plan
    signer = _signer(session.practitioner.user_id, clinic)
    if signer is None:
        return session, False
    services.sign_session(signer, session)
    return session, True


def give_demo_session_with_lot(
    clinic: Clinic, lot: Lot, seed: int = 2026, actor: Actor | None = None
) -> TreatmentSession | None:
    """One more past session, on an active demo plan not yet charted whose protocol uses the
    lot's product, drawn from `lot`: a second patient exposed to the same lot."""
    if settings.ENVIRONMENT == "production":
        raise DemoSessionsRefused("Demo sessions are never written in production.")
    actor = actor or Actor.system("demo")
    rng = random.Random(f"{seed}:{clinic.slug}:lot:{lot.lot_number}")
    charted = TreatmentSession.objects.for_clinic(clinic).values("plan_id")
    open_plans = (
        TreatmentPlan.objects.for_clinic(clinic)
        .filter(status=PlanStatus.ACTIVE, protocol__items__product_id=lot.product_id)
        .exclude(pk__in=charted)
        .select_related("protocol", "clinic", "practitioner")
        .order_by("pk")
        .distinct()
    )
    for plan in open_plans:
        found = _chart_plan(actor, plan, rng, lot)
        if found is not None:
            return found[0]
    # No such plan: a new patient starts the same course, as a second clinic patient would.
    source = (
        TreatmentPlan.objects.for_clinic(clinic)
        .filter(pk__in=charted.filter(injections__components__lot=lot))
        .select_related("protocol", "practitioner")
        .order_by("pk")
        .first()
    )
    extra = _plan_like(actor, source) if source is not None else None
    charted_extra = _chart_plan(actor, extra, rng, lot) if extra is not None else None
    return charted_extra[0] if charted_extra is not None else None


def _open_patients(clinic: Clinic) -> list[Patient]:
    """Adults, not pregnant or breastfeeding, without a draft or active plan."""
    busy = TreatmentPlan.objects.for_clinic(clinic).filter(
        status__in=[PlanStatus.DRAFT, PlanStatus.ACTIVE]
    )
    today = clinic_today(clinic)
    candidates = (
        Patient.objects.for_clinic(clinic)
        .exclude(pk__in=busy.values("patient_id"))
        .exclude(pregnancy_status__in=[PregnancyStatus.PREGNANT, PregnancyStatus.BREASTFEEDING])
        .order_by("record_number")[:20]
    )
    return [p for p in candidates if age_on(p.date_of_birth, today) >= ADULT_AGE]


def _book_next_week(actor: Actor, plan: TreatmentPlan, practitioner: Practitioner) -> bool:
    zone = clinic_zone(plan.clinic)
    for days in range(7, 14):
        day = clinic_today(plan.clinic) + datetime.timedelta(days=days)
        for hour in (10, 11, 15, 16, 17, 9, 14):
            start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)
            try:
                book_course(actor, plan, practitioner, start, 30, move_closed_days=True)
            except (ValidationError, BookingConflict):
                continue
            return True
    return False


def _plan_like(actor: Actor, source: TreatmentPlan) -> TreatmentPlan | None:
    """An active, booked plan of the source's protocol and practitioner for another patient."""
    reviewer = _signer(source.practitioner.user_id, source.clinic)
    if reviewer is None:
        return None
    values = plans.PlanInput(
        protocol=source.protocol,
        practitioner=source.practitioner,
        price_per_session=source.price_per_session,
        lifestyle_notes=_("Synthetic demo plan."),
    )
    for patient in _open_patients(source.clinic):
        try:
            with transaction.atomic():
                plan = plans.create_plan(actor, source.clinic, patient, values)
                for item in screening_for(plan):
                    if item.open and not item.warning.blocking:
                        plans.acknowledge_warning(
                            reviewer,
                            plan,
                            item.warning.code,
                            item.warning.fingerprint,
                            _("Demo: reviewed with the patient before the first session."),
                        )
                plan = plans.activate_plan(reviewer, plan)
                if not _book_next_week(actor, plan, source.practitioner):
                    raise ValidationError("no free slot")
        except ValidationError:
            continue
        return plan
    return None


def _times_near_now(clinic: Clinic) -> list[datetime.datetime]:
    """Today's quarter hours in the clinic, the nearest to now first."""
    zone = clinic_zone(clinic)
    today = clinic_today(clinic)
    now = timezone.now()
    times = [
        datetime.datetime.combine(today, datetime.time(hour, minute), tzinfo=zone)
        for hour in range(DAY_STARTS, DAY_ENDS)
        for minute in range(0, 60, STEP_MINUTES)
    ]
    return sorted(times, key=lambda when: (abs(when - now), when))


def _free_time(
    appointment: Appointment, times: list[datetime.datetime]
) -> datetime.datetime | None:
    length = appointment.ends_at - appointment.starts_at
    for when in times:
        slot = Slot(appointment.sequence, when, when + length)
        clash = find_conflict(
            appointment.clinic,
            [slot],
            appointment.practitioner,
            appointment.patient,
            exclude=appointment.pk,
        )
        if clash is None:
            return when
    return None


def _sign_for_today(actor: Actor, plan: TreatmentPlan, countersign: bool) -> None:
    """The patient signs the plan's document; its practitioner countersigns when asked to."""
    if consent_queries.consent_problem(plan) is None:
        return
    document = consent_services.generate_consent(actor, plan)
    if consent_queries.standing_signature(document) is None:
        name = f"{plan.patient.given_name} {plan.patient.family_name}"
        consent_services.sign_consent(actor, document, name, agreed=True)
    signer = _signer(plan.practitioner.user_id, plan.clinic)
    signature = consent_queries.standing_signature(document)
    if countersign and signer is not None and signature is not None:
        consent_services.countersign_consent(signer, signature)


def _next_booked(plan: TreatmentPlan, after: datetime.datetime) -> Appointment | None:
    return (
        plan.appointments.filter(status=AppointmentStatus.BOOKED, starts_at__gte=after)
        .select_related("clinic", "practitioner", "patient")
        .order_by("starts_at")
        .first()
    )


@transaction.atomic
def give_todays_appointments(
    clinic: Clinic, actor: Actor | None = None, count: int = TODAY_APPOINTMENTS
) -> int:
    """Brings the next booked session of active plans forward to today, near the current
    time, until `count` appointments wait to be charted today; returns how many moved.

    Idempotent: a clinic that already has `count` appointments to chart today is left
    alone, so `make serve` can call it on every start, on a demo made days before.
    """
    if settings.ENVIRONMENT == "production":
        raise DemoSessionsRefused("Demo appointments are never written in production.")
    actor = actor or Actor.system("demo")
    start, end = day_bounds([clinic_today(clinic)], clinic)
    today = Appointment.objects.for_clinic(clinic).filter(starts_at__gte=start, starts_at__lt=end)
    waiting = today.filter(status=AppointmentStatus.BOOKED).count()
    busy = set(today.values_list("plan_id", flat=True))
    times = _times_near_now(clinic)
    moved = 0
    plans = TreatmentPlan.objects.for_clinic(clinic).filter(status=PlanStatus.ACTIVE)
    for plan in plans.exclude(pk__in=busy).select_related("patient", "practitioner", "clinic"):
        if waiting + moved >= count:
            break
        appointment = _next_booked(plan, end)
        when = _free_time(appointment, times) if appointment is not None else None
        if appointment is None or when is None:
            continue
        _sign_for_today(actor, plan, countersign=moved != AWAITING_COUNTERSIGNATURE)
        _move_back(actor, appointment, when, _("demo: an appointment to chart today"))
        moved += 1
    return moved
