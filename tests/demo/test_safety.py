"""The demo data plants a cluster of mycobacterial infections on one lot, which the alert finds."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from mesotrace.accounts.models import Clinic
from mesotrace.audit.models import AuditEvent
from mesotrace.demo.generator import generate_demo
from mesotrace.demo.safety import give_demo_safety
from mesotrace.inventory.models import LotStatus
from mesotrace.safety.models import AdverseEvent, Category, SafetyAlert


def _planted(slug: str) -> list[tuple[Any, ...]]:
    return sorted(
        AdverseEvent.objects.filter(clinic__slug=slug).values_list(
            "patient__record_number", "term", "onset_date", "organism"
        )
    )


def _assert_cluster_found(slug: str) -> None:
    alert = SafetyAlert.objects.select_related("lot").get(clinic__slug=slug)
    assert alert.closed_at is None
    assert alert.lot.status == LotStatus.UNDER_INVESTIGATION
    assert alert.event_count == 2
    infections = list(alert.events.all())
    assert {e.term for e in infections} == {"ntm_infection"}
    assert len({e.patient_id for e in infections}) == 2
    assert all("Mycobacterium chelonae" in e.organism for e in infections)
    for event in infections:
        assert list(event.lots.values_list("pk", flat=True)) == [alert.lot_id]
        assert event.onset_date >= min(s.performed_on for s in event.sessions.all())


def _assert_ordinary_events_and_audit(slug: str) -> None:
    events = AdverseEvent.objects.filter(clinic__slug=slug)
    ordinary = events.exclude(category=Category.INFECTION)
    assert ordinary.filter(term="haematoma").exists()
    assert {e.grade for e in ordinary} == {1}
    for event in events:
        assert event.recorded_by is not None
        assert AuditEvent.objects.filter(
            object_type="adverse_event", object_id=str(event.pk), action="create"
        ).exists()


def test_each_demo_clinic_has_a_planted_lot_under_investigation_with_an_open_alert(
    db: Any,
) -> None:
    generate_demo(patients_per_clinic=15)

    for slug in ("lumiere", "vita"):
        _assert_cluster_found(slug)
        _assert_ordinary_events_and_audit(slug)
    before = AdverseEvent.objects.count()
    assert give_demo_safety(Clinic.objects.get(slug="vita")).events == 0
    assert AdverseEvent.objects.count() == before


def test_the_same_seed_plants_the_same_events(db: Any) -> None:
    runs = []
    for _ in range(2):
        with transaction.atomic():
            generate_demo(patients_per_clinic=15)
            runs.append(_planted("lumiere") + _planted("vita"))
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert len(runs[0]) >= 6
