"""Demo sessions: a few past, signed sessions on the demo plans, drawn from the demo stock."""

from __future__ import annotations

from typing import Any

from mesotrace.accounts.models import Clinic
from mesotrace.charting.queries import trace_lot
from mesotrace.demo.charting import give_demo_sessions
from mesotrace.demo.inventory import give_demo_stock
from mesotrace.treatments.models import InjectionComponent, SessionStatus, TreatmentSession
from tests.treatments.builders import demo_clinics_with_plans


def test_each_demo_clinic_gets_past_signed_sessions_that_a_trace_finds(db: Any) -> None:
    demo_clinics_with_plans(5, 12)
    for clinic in Clinic.objects.order_by("slug"):
        if not InjectionComponent.objects.for_clinic(clinic).exists():
            give_demo_stock(clinic, seed=5)
        summary = give_demo_sessions(clinic, seed=5)
        sessions = TreatmentSession.objects.for_clinic(clinic)
        assert summary.sessions == sessions.count() >= 2, summary
        assert summary.points > 0
        assert all(s.appointment.starts_at < s.created_at for s in sessions)
        if summary.signed:
            assert sessions.filter(status=SessionStatus.SIGNED).count() == summary.signed
        component = InjectionComponent.objects.for_clinic(clinic).select_related("lot").first()
        assert component is not None
        assert any(e.session_id for e in trace_lot(component.lot))


def test_a_clinic_with_sessions_is_left_alone(db: Any) -> None:
    demo_clinics_with_plans(6, 12)
    clinic = Clinic.objects.order_by("slug").first()
    assert clinic is not None
    give_demo_stock(clinic, seed=6)
    assert give_demo_sessions(clinic, seed=6, count=2).sessions == 2
    assert give_demo_sessions(clinic, seed=6, count=2).sessions == 0
    assert TreatmentSession.objects.for_clinic(clinic).count() == 2
