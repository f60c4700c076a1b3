"""The lot-trace benchmark's network generator, run tiny on the test database: the rows it
was asked for, each valid by the models' own rules, a trace that finds exactly what was
charted, and the benchmark's own measurement, so neither can rot unnoticed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.test import override_settings

from bench.bulk import secondary_indexes
from bench.lot_trace import captured_query, chosen_lots, full_scan, measure, unindexed
from bench.network import TABLES, NetworkSize, NetworkSummary, generate_network
from mesotrace.accounts.models import Clinic
from mesotrace.charting.queries import trace_lot
from mesotrace.demo.generator import DemoError
from mesotrace.inventory.models import Lot, MovementKind, StockMovement
from mesotrace.inventory.rules import annotated_on_hand
from mesotrace.safety.models import ExposureLevel
from mesotrace.safety.queries import exposure
from mesotrace.treatments.models import Appointment, Injection, InjectionComponent, TreatmentSession
from mesotrace.treatments.rules.bodymap import region_at
from tests.treatments.builders import ensure_starter_catalogue

TINY = NetworkSize(clinics=2, patients=40, injections=200, seed=7)


@pytest.fixture
def network(db: Any) -> NetworkSummary:
    ensure_starter_catalogue()  # an earlier transactional test's flush may have removed it
    return generate_network(TINY)


def _largest_lot() -> Lot:
    counts = InjectionComponent.objects.values("lot").annotate(lines=Count("id"))
    return Lot.objects.get(pk=counts.order_by("-lines", "lot")[0]["lot"])


def test_the_network_has_the_injections_it_was_asked_for(network: NetworkSummary) -> None:
    assert Injection.objects.count() == 200
    per_point = InjectionComponent.objects.values("injection").annotate(lines=Count("id"))
    assert {row["lines"] for row in per_point} <= {1, 2}
    assert per_point.count() == 200
    sessions = TreatmentSession.objects.count()
    assert sessions == Appointment.objects.count()
    assert 200 // 40 <= sessions <= 200 // 10
    lots = Lot.objects.count()
    assert StockMovement.objects.filter(kind=MovementKind.RECEIVED).count() == lots
    drawn = InjectionComponent.objects.values("injection__session", "lot").distinct().count()
    assert StockMovement.objects.filter(kind=MovementKind.USED).count() == drawn
    assert len(network.clinic_ids) == 2


def test_every_generated_row_passes_the_models_own_rules(network: NetworkSummary) -> None:
    connection.check_constraints()  # foreign keys now, not at a commit that never comes
    for model in TABLES:
        for row in model._default_manager.order_by("pk")[:5]:
            row.full_clean()
    lines = InjectionComponent.objects
    assert not lines.exclude(lot__product=F("product")).exists()
    assert not lines.exclude(lot__clinic=F("clinic")).exists()
    assert not lines.exclude(movement__lot=F("lot")).exists()
    for injection in Injection.objects.select_related("zone"):
        region = region_at(injection.view, injection.x, injection.y)
        assert region is not None
        assert region.zone == injection.zone.slug
    assert all(annotated_on_hand(lot) >= 0 for lot in Lot.objects.with_on_hand())


def test_each_session_draws_what_its_mix_lines_used(network: NetworkSummary) -> None:
    used = StockMovement.objects.filter(kind=MovementKind.USED)
    totals = InjectionComponent.objects.values("movement").annotate(total=Sum("volume_ml"))
    assert {row["movement"]: -row["total"] for row in totals} == dict(
        used.values_list("pk", "quantity_ml")
    )


def test_the_safety_signals_count_every_generated_session(network: NetworkSummary) -> None:
    for clinic in Clinic.objects.filter(pk__in=network.clinic_ids):
        sessions_per_lot = exposure.sessions_per(clinic, ExposureLevel.LOT)
        lines = InjectionComponent.objects.filter(clinic=clinic).values("lot")
        recounted = lines.annotate(n=Count("injection__session", distinct=True))
        assert sessions_per_lot == {row["lot"]: row["n"] for row in recounted}
        assert (
            sum(sessions_per_lot.values()) >= TreatmentSession.objects.filter(clinic=clinic).count()
        )


def test_the_trace_finds_exactly_the_generated_exposures_of_a_lot(
    network: NetworkSummary,
) -> None:
    lot = _largest_lot()
    injected = Injection.objects.filter(components__lot=lot)
    patients = TreatmentSession.objects.filter(injections__components__lot=lot)

    exposures = trace_lot(lot)

    assert sorted(e.injection_id for e in exposures) == sorted(
        injected.values_list("pk", flat=True)
    )
    assert {e.patient_id for e in exposures} == set(patients.values_list("patient", flat=True))
    drawn = StockMovement.objects.filter(lot=lot, kind=MovementKind.USED).aggregate(
        total=Sum("quantity_ml")
    )["total"]
    assert sum((e.volume_ml for e in exposures), Decimal("0")) == -drawn


def test_the_same_seed_gives_the_same_network(db: Any) -> None:
    ensure_starter_catalogue()

    def generated() -> list[tuple[Any, ...]]:
        with transaction.atomic():
            generate_network(TINY)
            lots = Lot.objects.order_by("pk").values_list("lot_number", "quantity_received_ml")
            points = Injection.objects.order_by("pk").values_list("number", "x", "y", "volume_ml")
            rows = [*lots, *points]
            transaction.set_rollback(True)
        return rows

    assert generated() == generated()


def test_the_benchmark_times_the_apps_query_against_a_full_scan(network: NetworkSummary) -> None:
    (label, lot), *_others = chosen_lots()
    sql, _params = captured_query(lot)
    assert "+ 0" not in sql
    assert "+ 0" in unindexed(sql)
    assert full_scan(lot) == trace_lot(lot)

    timing = measure(label, lot, repeats=1, scan_repeats=1)

    assert timing.rows == len(trace_lot(lot)) > 0
    assert timing.plan
    assert timing.scan_plan
    assert timing.csv_bytes > 0


@pytest.mark.django_db(transaction=True)
def test_the_bulk_load_rebuilds_every_index_and_needs_an_empty_database(
    transactional_db: Any,
) -> None:
    ensure_starter_catalogue()
    tables = [model._meta.db_table for model in TABLES]
    indexes = secondary_indexes(tables)

    generate_network(TINY, bulk=True)

    assert secondary_indexes(tables) == indexes
    assert Injection.objects.count() == 200
    connection.check_constraints()
    with pytest.raises(DemoError, match="empty benchmark database"):
        generate_network(TINY, bulk=True)


def test_the_network_is_never_generated_in_production(db: Any) -> None:
    with override_settings(ENVIRONMENT="production"), pytest.raises(DemoError):
        generate_network(TINY)


def test_an_empty_network_is_refused(db: Any) -> None:
    with pytest.raises(DemoError, match="at least one"):
        generate_network(NetworkSize(clinics=1, patients=10, injections=0))
