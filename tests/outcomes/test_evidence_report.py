"""The evidence report on a split-body cohort with a known simulated effect."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from mesotrace.audit.models import AuditEvent
from mesotrace.demo.outcomes import TRUE_EFFECT
from mesotrace.outcomes.queries.report import evidence_report, evidence_statement
from tests.conftest import World
from tests.outcomes.builders import demo_cohort

pytestmark = pytest.mark.django_db(databases=["default"])

# A number that is not one, as a page would print it; not the letters inside a name.
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def test_report_recovers_the_known_effect_and_the_naive_estimate_differs(world: World) -> None:
    cohort, protocol = demo_cohort(world.clinic)
    report = evidence_report(world.clinic, protocol)
    split, naive, mixed = report.split_body, report.naive, report.mixed
    assert split is not None
    assert naive is not None
    assert mixed is not None
    assert report.patients == 30
    assert report.measurements == cohort.measurements == 240
    assert split.ci_low <= TRUE_EFFECT <= split.ci_high
    assert mixed.ci_low <= TRUE_EFFECT <= mixed.ci_high
    assert split.permutation_p_value is not None
    assert split.permutation_p_value < 0.01
    # The naive analysis credits the shared lifestyle change (-2 cm) to the treatment.
    assert naive.ci_high < TRUE_EFFECT
    assert naive.estimate == pytest.approx(TRUE_EFFECT + cohort.lifestyle_change, abs=0.5)
    assert "cancel" in report.explanation
    statement = evidence_statement(world.clinic, protocol)
    assert statement is not None
    assert "95% CI" in statement


def test_small_cohort_gives_a_warning_not_a_crash(world: World, client: Client) -> None:
    _cohort, protocol = demo_cohort(world.clinic, patients=2)
    report = evidence_report(world.clinic, protocol)
    assert report.split_body is None
    assert any("Too few patients" in w for w in report.warnings)
    assert evidence_statement(world.clinic, protocol) is None
    client.force_login(world.members["owner"])
    page = client.get(f"/outcomes/evidence/protocols/{protocol.pk}/")
    assert page.status_code == 200
    assert b"Too few patients" in page.content
    assert not NAN.search(page.content.decode())


def test_csv_export_is_audited(world: World, client: Client) -> None:
    _cohort, protocol = demo_cohort(world.clinic, patients=4)
    client.force_login(world.members["researcher"])
    response = client.get(f"/outcomes/evidence/protocols/{protocol.pk}/csv/")
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("patient,side,body_side,time,value")
    assert len(lines) == 1 + 4 * 8
    event = AuditEvent.objects.get(action="export", object_type="evidence_report")
    assert event.actor == world.members["researcher"]
    assert event.details["patients"] == 4


def test_researcher_sees_pseudonyms_not_names(world: World, client: Client, bearer: Any) -> None:
    _cohort, protocol = demo_cohort(world.clinic, patients=12)
    client.force_login(world.members["researcher"])
    for url in (
        f"/outcomes/evidence/protocols/{protocol.pk}/",
        f"/outcomes/evidence/protocols/{protocol.pk}/csv/",
        "/outcomes/evidence/",
    ):
        body = client.get(url).content.decode()
        assert "Zyxcohort" not in body, url
        assert "Synthetic" not in body, url
    assert "S-" in client.get(f"/outcomes/evidence/protocols/{protocol.pk}/csv/").content.decode()
    api = client.get(
        f"/api/v1/evidence/protocols/{protocol.pk}",
        **bearer(world.members["researcher"], world.clinic),
    )
    assert api.status_code == 200
    assert "Zyxcohort" not in api.content.decode()
    assert api.json()["split_body"]["n"] == 12
    assert client.get(f"/outcomes/patients/{_cohort.protocol_id}/").status_code in {403, 404}
