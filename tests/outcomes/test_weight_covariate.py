"""The mixed model adjusts for diet adherence, exercise and body weight change, and says so."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from mesotrace.catalogue.models import Protocol
from mesotrace.evidence import simulate_split_body
from mesotrace.outcomes import services
from mesotrace.outcomes.models import LifestyleLog
from mesotrace.outcomes.queries.measurements import measurement_type
from mesotrace.outcomes.queries.report import evidence_report
from tests.conftest import SYSTEM, World
from tests.outcomes.builders import HEAVY_LEGS, demo_cohort, split_cohort
from tests.treatments.builders import ensure_starter_catalogue, practitioner_of, shipped

pytestmark = pytest.mark.django_db(databases=["default"])
ALL_THREE = ["diet adherence", "exercise minutes per week", "body weight change (kg)"]


def _protocol(world: World) -> Protocol:
    ensure_starter_catalogue()
    practitioner_of(world.clinic)
    return shipped(HEAVY_LEGS)


def _cohort(world: World, lifestyle: bool, weight: bool = False) -> Protocol:
    protocol = _protocol(world)
    frame = simulate_split_body(12, -1.0, -2.0, 0.4, 3.0, 0.0, visits=3, seed=21)
    split_cohort(world.clinic, protocol, frame, lifestyle=lifestyle, weight=weight)
    return protocol


def test_demo_cohort_is_adjusted_for_diet_exercise_and_weight(world: World, client: Client) -> None:
    _cohort_info, protocol = demo_cohort(world.clinic, patients=12)
    report = evidence_report(world.clinic, protocol)
    assert report.covariates == ALL_THREE
    assert report.mixed is not None
    assert report.mixed.fit is not None
    assert {"diet_adherence", "exercise_minutes", "weight_change"} <= set(
        report.mixed.fit.params.index
    )
    assert not any("not adjusted" in w for w in report.warnings)
    client.force_login(world.members["owner"])
    page = client.get(f"/outcomes/evidence/protocols/{protocol.pk}/").content.decode()
    assert (
        "The mixed model is adjusted for: diet adherence, exercise minutes per week, "
        "body weight change (kg)." in page
    )


def test_weight_from_body_weight_measurements_is_used_too(world: World) -> None:
    protocol = _cohort(world, lifestyle=True, weight=False)
    kind = measurement_type("body-weight")
    for log in LifestyleLog.objects.select_related("patient"):
        when = datetime.datetime.combine(log.date, datetime.time(9), datetime.UTC)
        weight = 80.0 - 3.0 * log.diet_adherence_percent / 100 * (log.pk % 4)
        services.record_measurement(SYSTEM, log.patient, kind, weight, "kg", measured_at=when)
    report = evidence_report(world.clinic, protocol)
    assert "body weight change (kg)" in report.covariates
    assert report.mixed is not None
    assert report.mixed.fit is not None
    assert "weight_change" in report.mixed.fit.params.index


def test_missing_lifestyle_and_weight_are_warned_and_the_model_still_runs(
    world: World, client: Client
) -> None:
    protocol = _cohort(world, lifestyle=False)
    report = evidence_report(world.clinic, protocol)
    assert report.covariates == []
    assert report.mixed is not None
    for words in ALL_THREE:
        assert f"Mixed model not adjusted for {words}: no {words} recorded" in " ".join(
            report.warnings
        )
    client.force_login(world.members["researcher"])
    page = client.get(f"/outcomes/evidence/protocols/{protocol.pk}/").content.decode()
    assert "not adjusted for lifestyle or weight" in page


def test_weight_known_for_only_some_measurements_is_named_with_counts(world: World) -> None:
    protocol = _cohort(world, lifestyle=True, weight=True)
    LifestyleLog.objects.filter(
        pk__in=list(LifestyleLog.objects.values_list("pk", flat=True)[:3])
    ).update(weight_kg=None)
    report = evidence_report(world.clinic, protocol)
    assert report.covariates == ["diet adherence", "exercise minutes per week"]
    note = next(w for w in report.warnings if "body weight change" in w)
    assert "known for only 66 of 72 measurements" in note
