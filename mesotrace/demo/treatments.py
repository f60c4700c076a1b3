"""Demo treatment data for a demo clinic: opening hours, plans through screening, booked courses.

Everything goes through the audited services, as a clinic would do it: the plan is
created, every screening warning is acknowledged by the clinic's practitioner, the
plan is activated and its course booked from the coming weeks. The same clinic and
seed give the same plans; the dates follow the day the demo is generated.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic, Membership
from mesotrace.accounts.roles import Role
from mesotrace.catalogue.models import Protocol
from mesotrace.catalogue.queries import protocol_allowed
from mesotrace.core.clock import clinic_today, clinic_zone
from mesotrace.patients.models import Patient, PregnancyStatus
from mesotrace.practitioners.models import Practitioner
from mesotrace.practitioners.queries import may_inject
from mesotrace.treatments.models import DietType, TreatmentPlan
from mesotrace.treatments.queries.plans import screening_for
from mesotrace.treatments.rules.schedule import (
    DEFAULT_CLOSES,
    DEFAULT_DAYS,
    DEFAULT_OPENS,
    BookingConflict,
)
from mesotrace.treatments.rules.screening import ADULT_AGE, age_on
from mesotrace.treatments.services import plans as services
from mesotrace.treatments.services import schedule as scheduling

DEFAULT_PLANS = 6
SESSION_MINUTES = 30
# Hours per jurisdiction; a French clinic closes for lunch and opens on Saturday mornings.
HOURS = {
    "FR": [(d, datetime.time(9), datetime.time(12, 30)) for d in range(5)]
    + [(d, datetime.time(14), datetime.time(19)) for d in range(5)]
    + [(5, datetime.time(9), datetime.time(13))],
    "US": [(d, datetime.time(8), datetime.time(18)) for d in range(5)],
}
DEFAULT_HOURS = [(d, DEFAULT_OPENS, DEFAULT_CLOSES) for d in DEFAULT_DAYS]
# A typical price per session in each currency (the source article: "$600 or more" a
# session; a 2010 review: 200 to 600 USD). Examples, not a tariff.
PRICES = {
    "EUR": (Decimal("120"), Decimal("180"), Decimal("250")),
    "USD": (Decimal("300"), Decimal("450"), Decimal("600")),
}
# What the practitioner writes, in the clinic's language (the demo runs in it).
REASONS = {
    "allergy": _("Demo: ingredient discussed; the mix is prepared without it."),
    "pregnancy": _("Demo: patient confirms she is not pregnant or breastfeeding."),
    "breastfeeding": _("Demo: patient has stopped breastfeeding."),
    "anticoagulant": _("Demo: prescriber consulted; pressure applied after each point."),
    "age": _("Demo: parental consent and a physician's indication on file."),
}
DEFAULT_REASON = _("Demo: checked with the patient before the first session.")


class DemoRefused(Exception):
    """Demo plans must not, or cannot, be written into this clinic."""


@dataclass(frozen=True)
class DemoPlans:
    plans: int
    active: int
    appointments: int


def _refuse_production() -> None:
    if settings.ENVIRONMENT == "production":
        raise DemoRefused("Demo plans are never written in production.")


def _suitable_patients(clinic: Clinic, count: int) -> list[Patient]:
    """Adults who are not pregnant or breastfeeding, in record-number order."""
    today = clinic_today(clinic)
    found = []
    for patient in Patient.objects.for_clinic(clinic).order_by("record_number")[: count * 4]:
        if age_on(patient.date_of_birth, today) < ADULT_AGE:
            continue
        if patient.pregnancy_status in {PregnancyStatus.PREGNANT, PregnancyStatus.BREASTFEEDING}:
            continue
        found.append(patient)
        if len(found) == count:
            break
    return found


def _protocols(clinic: Clinic) -> list[Protocol]:
    """Shipped protocols with a schedule that the clinic's jurisdiction allows."""
    shipped = Protocol.objects.shipped().filter(sessions__isnull=False, interval_days__isnull=False)
    return [p for p in shipped.order_by("slug") if protocol_allowed(p, clinic).allowed]


def _injectors(clinic: Clinic) -> list[Practitioner]:
    today = clinic_today(clinic)
    people = Practitioner.objects.for_clinic(clinic).filter(is_active=True).order_by("pk")
    return [p for p in people if may_inject(p, clinic, today).allowed]


def _reviewer(clinic: Clinic) -> Actor:
    """The clinic's practitioner account: the one that acknowledges warnings."""
    membership = (
        Membership.objects.filter(clinic=clinic, role=Role.PRACTITIONER, is_active=True)
        .select_related("user", "clinic")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise DemoRefused(f"{clinic.name} has no practitioner to review the screening.")
    return Actor.system("demo", membership)


def _acknowledge_all(actor: Actor, plan: TreatmentPlan) -> None:
    for item in screening_for(plan):
        if item.open and not item.warning.blocking:
            reason = str(REASONS.get(item.warning.kind, DEFAULT_REASON))
            services.acknowledge_warning(
                actor, plan, item.warning.code, item.warning.fingerprint, reason
            )


def _book(actor: Actor, plan: TreatmentPlan, practitioner: Practitioner, index: int) -> int:
    """Books the course on a free slot: a weekday in the coming weeks, trying later hours."""
    today = clinic_today(plan.clinic)
    zone = clinic_zone(plan.clinic)
    first_day = today + datetime.timedelta(days=7 + index)
    for hour in (10, 11, 15, 16, 17, 9, 14):
        start = datetime.datetime.combine(first_day, datetime.time(hour), tzinfo=zone)
        try:
            booked = scheduling.book_course(
                actor, plan, practitioner, start, SESSION_MINUTES, move_closed_days=True
            )
        except (ValidationError, BookingConflict):
            continue
        return len(booked)
    return 0


def _plan(
    actor: Actor,
    clinic: Clinic,
    patient: Patient,
    protocol: Protocol,
    practitioner: Practitioner,
    rng: random.Random,
) -> TreatmentPlan:
    lipolytic = protocol.indication.slug in {"localised-adiposity", "cellulite"}
    goals = [services.GoalInput(str(_("Feel the difference by the end of the course.")))]
    if lipolytic:
        goals = [
            services.GoalInput(
                str(_("Smaller waist without weight loss")),
                measure="waist_circumference",
                change=Decimal("-3"),
                unit="cm",
                weeks=12,
            )
        ]
    chosen = services.PlanInput(
        protocol=protocol,
        practitioner=practitioner,
        price_per_session=rng.choice(PRICES.get(clinic.currency, PRICES["EUR"])),
        discount_percent=rng.choice((None, Decimal("10"))),
        diet_type=DietType.CALORIE_CONTROLLED if lipolytic else DietType.USUAL,
        calorie_target_kcal=rng.choice((1600, 1800, 2000)) if lipolytic else None,
        exercise_minutes_per_week=rng.choice((90, 150, 200)),
        lifestyle_notes=str(_("Synthetic demo plan.")),
        goals=goals,
    )
    return services.create_plan(actor, clinic, patient, chosen)


@transaction.atomic
def give_demo_plans(
    clinic: Clinic, seed: int = 2026, count: int = DEFAULT_PLANS, actor: Actor | None = None
) -> DemoPlans:
    """Opening hours, and `count` plans for demo patients: all but the last active and booked.

    The last plan stays a draft with its screening open, so the demo shows both.
    A clinic that already has plans is left as it is.
    """
    _refuse_production()
    actor = actor or Actor.system("demo")
    scheduling.set_opening_hours(actor, clinic, HOURS.get(clinic.jurisdiction, DEFAULT_HOURS))
    if TreatmentPlan.objects.for_clinic(clinic).exists():
        return DemoPlans(0, 0, 0)
    reviewer = _reviewer(clinic)
    protocols, injectors = _protocols(clinic), _injectors(clinic)
    if not protocols or not injectors:
        raise DemoRefused(f"{clinic.name} has no allowed protocol or no one who may inject.")
    rng = random.Random(f"{seed}:{clinic.slug}:plans")
    active = booked = 0
    patients = _suitable_patients(clinic, count)
    for index, patient in enumerate(patients):
        practitioner = injectors[index % len(injectors)]
        plan = _plan(actor, clinic, patient, protocols[index % len(protocols)], practitioner, rng)
        if index == len(patients) - 1:
            break
        _acknowledge_all(reviewer, plan)
        plan = services.activate_plan(reviewer, plan)
        active += 1
        booked += _book(actor, plan, practitioner, index)
    return DemoPlans(len(patients), active, booked)
