"""The demo data: two clinics whose logins work, enough patients, the same people every time."""

from __future__ import annotations

import random
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import RequestFactory

from mesotrace.accounts.models import Clinic, Membership
from mesotrace.audit.models import AuditAction, AuditEvent
from mesotrace.charting.queries import trace_lot
from mesotrace.demo.generator import bulk_patients, demo_logins, generate_demo
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.patients.models import Patient
from mesotrace.patients.queries import patient_query
from mesotrace.treatments.models import (
    Appointment,
    InjectionComponent,
    PlanStatus,
    TreatmentPlan,
    TreatmentSession,
)
from tests.conftest import make_clinic


def _names(slug: str) -> list[tuple[str, str, str]]:
    patients = Patient.objects.filter(clinic__slug=slug).order_by("record_number")
    return [(p.given_name, p.family_name, p.phone) for p in patients]


def _names_for_seed(seed: int) -> list[tuple[str, str, str]]:
    with transaction.atomic():
        generate_demo(seed=seed, patients_per_clinic=15)
        names = _names("lumiere") + _names("vita")
        transaction.set_rollback(True)
    return names


def test_demo_data_creates_both_clinics_whose_logins_work(db: Any) -> None:
    out = StringIO()
    call_command("demo_data", stdout=out)

    assert set(Clinic.objects.values_list("slug", flat=True)) == {"lumiere", "vita"}
    for login in demo_logins():
        request = RequestFactory().post("/accounts/login/")
        user = authenticate(request, username=login.email, password="demo")
        assert user is not None, login.email
        assert Membership.objects.get(user=user).role == login.role
        assert login.email in out.getvalue()
    for slug in ("lumiere", "vita"):
        assert Patient.objects.filter(clinic__slug=slug).count() >= 150
    # The README's search examples find someone in the demo.
    for slug, text in [
        ("lumiere", "helene char"),
        ("lumiere", "le gall"),
        ("lumiere", "stephanie dup"),
        ("lumiere", "dup"),
        ("vita", "dominguez"),
    ]:
        clinic = Clinic.objects.get(slug=slug)
        assert Patient.objects.for_clinic(clinic).filter(patient_query(text, clinic)), text


def test_demo_clinics_open_with_active_plans_and_booked_courses(db: Any) -> None:
    out = StringIO()
    call_command("demo_data", "--patients", "40", stdout=out)
    for slug in ("lumiere", "vita"):
        plans = TreatmentPlan.objects.filter(clinic__slug=slug)
        assert plans.filter(status=PlanStatus.ACTIVE).exists(), slug
        assert plans.filter(status=PlanStatus.DRAFT).exists(), slug
        booked = Appointment.objects.filter(clinic__slug=slug, status="booked")
        assert booked.count() >= plans.filter(status=PlanStatus.ACTIVE).count(), slug
        assert all(a.plan.clinic.slug == slug for a in booked), slug
    assert "treatment plans" in out.getvalue()


def test_demo_clinics_have_stock_and_signed_sessions_to_trace(db: Any) -> None:
    call_command("demo_data", "--patients", "40", stdout=StringIO())
    for slug in ("lumiere", "vita"):
        sessions = TreatmentSession.objects.filter(clinic__slug=slug, status="signed")
        assert sessions.exists(), slug
        component = InjectionComponent.objects.filter(clinic__slug=slug).first()
        assert component is not None, slug
        exposures = trace_lot(component.lot)
        assert exposures, slug
        assert on_hand(component.lot) < component.lot.quantity_received_ml, slug


def test_demo_data_if_empty_leaves_an_existing_demo_alone(db: Any) -> None:
    call_command("demo_data", "--patients", "3", stdout=StringIO())
    out = StringIO()
    call_command("demo_data", "--if-empty", stdout=out)
    assert "nothing to do" in out.getvalue()
    assert Patient.objects.count() == 6


def test_same_seed_gives_the_same_patients(db: Any) -> None:
    first = _names_for_seed(7)
    assert len(first) == 30
    assert _names_for_seed(7) == first
    assert _names_for_seed(8) != first


def test_bulk_patients_are_searchable_and_audited_once(db: Any) -> None:
    clinic = make_clinic("bulk")
    bulk_patients(clinic, 30, random.Random(1), batch_size=10)

    patients = Patient.objects.for_clinic(clinic).order_by("record_number")
    assert [p.record_number for p in patients] == [f"BUL-{n:06d}" for n in range(1, 31)]
    sample = patients.exclude(phone="")[17]
    for text in (sample.family_name.split()[0], sample.phone[-5:]):
        assert sample in Patient.objects.for_clinic(clinic).filter(patient_query(text, clinic)), (
            text
        )
    generated = AuditEvent.objects.filter(clinic=clinic, action=AuditAction.GENERATE)
    assert [event.details for event in generated] == [{"count": 30}]


def test_demo_data_refuses_to_run_in_production(db: Any, settings: Any) -> None:
    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("demo_data", stdout=StringIO())
    assert not Clinic.objects.exists()
