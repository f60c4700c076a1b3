"""Small builders for plans, acknowledgements and courses, on the shipped starter catalogue."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic, Membership, User
from mesotrace.catalogue.models import (
    BodyZone,
    Compound,
    Indication,
    Product,
    ProductComponent,
    Protocol,
    ProtocolItem,
)
from mesotrace.catalogue.shipped.loader import sync_starter_catalogue
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import Appointment, TreatmentPlan
from mesotrace.treatments.queries.plans import screening_for
from mesotrace.treatments.services import plans as services
from mesotrace.treatments.services import schedule as scheduling
from tests.conftest import SYSTEM, World, make_patient, make_practitioner

# Shipped protocols the tests lean on (mesotrace/catalogue/shipped/data.py).
HAIR = "hair-loss-minoxidil"  # 10 sessions every 14 days; aesthetic, allowed in France
PAIN = "low-back-pain-lidocaine-ketoprofen-methylprednisolone"  # 5 every 3 days; lidocaine
PC_DC = "gynoid-fat-pc-dc"  # injection lipolysis: banned in France, allowed in the US


def ensure_starter_catalogue() -> None:
    """Reloads the shipped catalogue after a transactional test's flush took it away."""
    if not Protocol.objects.shipped().exists():
        with transaction.atomic():
            sync_starter_catalogue()


def shipped(slug: str) -> Protocol:
    return Protocol.objects.shipped().get(slug=slug)


def actor_for(user: User, clinic: Clinic) -> Actor:
    return Actor.system("test", Membership.objects.get(user=user, clinic=clinic))


def practitioner_of(clinic: Clinic, **overrides: Any) -> Practitioner:
    existing = Practitioner.objects.for_clinic(clinic).filter(is_active=True).first()
    if existing is not None and not overrides:
        return existing
    return make_practitioner(clinic, **overrides)


def make_plan(
    clinic: Clinic,
    patient: Patient | None = None,
    protocol: str | Protocol = HAIR,
    practitioner: Practitioner | None = None,
    zones: list[BodyZone] | None = None,
    **values: Any,
) -> TreatmentPlan:
    chosen = shipped(protocol) if isinstance(protocol, str) else protocol
    fields: dict[str, Any] = {
        "protocol": chosen,
        "practitioner": practitioner or practitioner_of(clinic),
        "price_per_session": Decimal("250.00"),
    }
    fields.update(values)
    chosen_plan = services.PlanInput(**fields, zones=zones)
    return services.create_plan(SYSTEM, clinic, patient or make_patient(clinic), chosen_plan)


def acknowledge_all(plan: TreatmentPlan, user: User, reason: str = "Discussed and checked.") -> int:
    actor = actor_for(user, plan.clinic)
    screened = screening_for(plan)
    for item in screened:
        if item.open and not item.warning.blocking:
            services.acknowledge_warning(
                actor, plan, item.warning.code, item.warning.fingerprint, reason
            )
    return sum(1 for item in screened if item.open)


def active_plan(clinic: Clinic, user: User, **kwargs: Any) -> TreatmentPlan:
    plan = make_plan(clinic, **kwargs)
    acknowledge_all(plan, user)
    return services.activate_plan(actor_for(user, clinic), plan)


def next_weekday(
    weekday: int, hour: int = 10, minute: int = 0, weeks: int = 1
) -> datetime.datetime:
    """A local Paris time on the given weekday (0 = Monday), at least `weeks` weeks ahead."""
    zone = zoneinfo.ZoneInfo("Europe/Paris")
    today = timezone.now().astimezone(zone).date()
    day = today + datetime.timedelta(days=7 * weeks)
    day += datetime.timedelta(days=(weekday - day.weekday()) % 7)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def book(
    plan: TreatmentPlan,
    start: datetime.datetime,
    practitioner: Practitioner | None = None,
    minutes: int = 30,
) -> list[Appointment]:
    return scheduling.book_course(SYSTEM, plan, practitioner or plan.practitioner, start, minutes)


def clinic_protocol(
    clinic: Clinic, compounds: list[Compound], slug: str = "house-mix", **fields: Any
) -> Protocol:
    """A clinic's own protocol mixing these compounds in one product."""
    product = Product.objects.create(
        clinic=clinic, name=f"{slug} product", slug=f"{slug}-product", presentation="unspecified"
    )
    for compound in compounds:
        ProductComponent.objects.create(product=product, compound=compound)
    values: dict[str, Any] = {
        "name": f"House protocol {slug}",
        "indication": Indication.objects.shipped().get(slug="hair-loss"),
        "procedure_type": "mesotherapy",
        "sessions": 4,
        "interval_days": 7,
        "evidence_statement": "None.",
    }
    values.update(fields)
    protocol = Protocol.objects.create(clinic=clinic, slug=slug, **values)
    ProtocolItem.objects.create(protocol=protocol, product=product)
    return protocol


def sweep_entries(world: World, patient: Patient, practitioner: Practitioner) -> dict[str, int]:
    """The isolation sweep's ids: an active plan of clinic A with a booked course."""
    plan = active_plan(
        world.clinic, world.members["practitioner"], patient=patient, practitioner=practitioner
    )
    first = book(plan, next_weekday(0, 10))[0]
    return {"plan_id": plan.pk, "appointment_id": first.pk}


def demo_clinics_with_plans(seed: int, patients: int) -> list[Clinic]:
    """The demo clinics as far as their treatment plans: no stock, no sessions yet."""
    from mesotrace.demo.generator import CLINICS, build_clinic
    from mesotrace.demo.treatments import give_demo_plans

    actor = Actor.system("demo")
    clinics = []
    for spec in CLINICS:
        build_clinic(actor, spec, seed, patients)
        clinic = Clinic.objects.get(slug=spec.slug)
        give_demo_plans(clinic, seed=seed, actor=actor)
        clinics.append(clinic)
    return clinics
