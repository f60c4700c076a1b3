"""The evidence report for an indication: every protocol of it pooled, each in the forest plot."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pandas as pd
import pytest
from django.test import Client

from mesotrace.audit.models import AuditEvent
from mesotrace.catalogue import services as catalogue
from mesotrace.catalogue.models import Protocol
from mesotrace.evidence import paired_changes, simulate_split_body, split_body_effect
from mesotrace.outcomes.queries.report import evidence_report, evidence_statement, indication_report
from tests.conftest import SYSTEM, World
from tests.outcomes.builders import HEAVY_LEGS, split_cohort, stored
from tests.treatments.builders import ensure_starter_catalogue, practitioner_of, shipped

pytestmark = pytest.mark.django_db(databases=["default"])

# A number that is not one, as a page would print it; not the letters inside a name.
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def _two_protocols(world: World) -> tuple[Protocol, Protocol]:
    ensure_starter_catalogue()
    practitioner_of(world.clinic)
    original = shipped(HEAVY_LEGS)
    copy = catalogue.clone_protocol(SYSTEM, world.clinic, original)
    variant = replace(catalogue.ProtocolInput.of(copy), name="Heavy legs, clinic variant")
    catalogue.save_protocol(SYSTEM, world.clinic, copy, variant)
    return original, Protocol.objects.get(pk=copy.pk)


def _seeded(world: World) -> tuple[Protocol, Protocol, pd.DataFrame, pd.DataFrame]:
    first, second = _two_protocols(world)
    a = simulate_split_body(8, -1.0, -2.0, 0.4, 3.0, 0.0, visits=3, seed=11)
    b = simulate_split_body(6, -2.5, -2.0, 0.4, 3.0, 0.0, visits=3, seed=12)
    split_cohort(world.clinic, first, a, label="A")
    split_cohort(world.clinic, second, b, label="B")
    return first, second, stored(a), stored(b)


def _expected(frame: pd.DataFrame) -> tuple[float, float, float]:
    changes = paired_changes(frame)
    effect = split_body_effect(changes["treated_change"], changes["control_change"], None, 0)
    return effect.estimate, effect.ci_low, effect.ci_high


def test_indication_cohort_pools_every_protocol_of_the_indication(world: World) -> None:
    first, second, a, b = _seeded(world)
    cohort = indication_report(world.clinic, first.indication)
    pooled = cohort.pooled
    assert pooled.patients == 14
    assert pooled.measurements == 14 * 3 * 2
    assert pooled.split_body is not None
    both = pd.concat([a, b.assign(patient="B" + b["patient"])], ignore_index=True)
    estimate, low, high = _expected(both)
    assert pooled.split_body.estimate == pytest.approx(estimate, abs=1e-9)
    assert (pooled.split_body.ci_low, pooled.split_body.ci_high) == pytest.approx((low, high))
    parts = {part.protocol_name: part for part in cohort.protocols}
    assert set(parts) == {first.name, second.name}
    for part, frame in ((parts[first.name], a), (parts[second.name], b)):
        assert part.split_body is not None
        assert part.split_body.estimate == pytest.approx(_expected(frame)[0], abs=1e-9)
    assert parts[second.name].patients == 6
    # The per-protocol report of the indication cohort is the protocol's own report.
    alone, part = evidence_report(world.clinic, second), parts[second.name]
    assert alone.split_body is not None
    assert part.split_body is not None
    assert alone.split_body.estimate == pytest.approx(part.split_body.estimate)


def test_indication_report_page_shows_the_forest_across_protocols(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    first, second, _a, _b = _seeded(world)
    client.force_login(world.members["researcher"])
    chosen = client.get("/outcomes/evidence/", {"cohort": f"indication:{first.indication_id}"})
    assert chosen.status_code == 302
    page = client.get(chosen["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert first.indication.name in body
    assert "<strong>14</strong>" in body
    forest = body[body.index('id="forest"') :]
    assert first.name in forest
    assert "clinic variant" in forest
    assert "All protocols (pooled)" in forest
    assert "treated minus control (0 = no effect" in forest  # the axis says what it measures
    estimates = body[
        body.index('id="estimates"') : body.index("</table>", body.index('id="estimates"'))
    ]
    p_values = re.findall(r"<td>([^<]*)</td><td>[^<]*</td><td>\d+</td></tr>", estimates)
    assert p_values
    assert all(re.fullmatch(r"&lt; 0\.001|0\.\d{3}|1\.000|", p) for p in p_values), p_values
    assert "0.0000" not in body
    assert 'id="by-protocol"' in body
    assert f'<option value="indication:{first.indication_id}" selected>' in body
    assert "Zyxsim" not in body
    assert not NAN.search(body)
    index = client.get("/outcomes/evidence/").content.decode()
    assert f'value="indication:{first.indication_id}"' in index
    assert f'value="protocol:{second.pk}"' in index
    api = client.get(
        f"/api/v1/evidence/indications/{first.indication_id}",
        **bearer(world.members["researcher"], world.clinic),
    ).json()
    assert api["pooled"]["patients"] == 14
    assert api["pooled"]["covariates"] == [
        "diet adherence",
        "exercise minutes per week",
    ]
    assert sorted(p["patients"] for p in api["protocols"]) == [6, 8]


def test_indication_csv_is_audited_and_names_each_rows_protocol(
    world: World, client: Client
) -> None:
    first, second, _a, _b = _seeded(world)
    client.force_login(world.members["owner"])
    response = client.get(f"/outcomes/evidence/indications/{first.indication_id}/csv/")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].endswith(",protocol")
    assert len(lines) == 1 + 14 * 3 * 2
    protocols = {line.rsplit(",", 1)[1] for line in lines[1:]}
    assert protocols == {str(first.pk), str(second.pk)}
    assert not NAN.search(response.content.decode())
    event = AuditEvent.objects.get(action="export", object_type="indication_evidence_report")
    assert event.object_id == str(first.indication_id)
    assert event.actor == world.members["owner"]
    assert event.details == {"rows": 84, "patients": 14, "format": "csv"}


def test_too_small_an_indication_cohort_warns_and_statement_stays_silent(
    world: World, client: Client
) -> None:
    first, _second = _two_protocols(world)
    split_cohort(world.clinic, first, simulate_split_body(2, -1.0, -2.0, 0.4, 3.0, 0.0, seed=3))
    cohort = indication_report(world.clinic, first.indication)
    assert cohort.pooled.split_body is None
    assert any("Too few patients: 2" in w for w in cohort.pooled.warnings)
    assert evidence_statement(world.clinic, first) is None
    client.force_login(world.members["owner"])
    page = client.get(f"/outcomes/evidence/indications/{first.indication_id}/")
    assert page.status_code == 200
    assert b"Too few patients" in page.content
    assert not NAN.search(page.content.decode())


def test_no_variance_is_a_warning_in_the_report_not_a_nan(world: World, client: Client) -> None:
    first, _second = _two_protocols(world)
    flat = simulate_split_body(5, -1.0, -2.0, 0.4, 3.0, 0.0, seed=4).assign(value=50.0)
    split_cohort(world.clinic, first, flat, lifestyle=False)
    report = evidence_report(world.clinic, first)
    assert report.split_body is None
    assert report.mixed is None
    assert any("No split-body estimate" in w and "no spread" in w for w in report.warnings)
    client.force_login(world.members["owner"])
    for url in (
        f"/outcomes/evidence/protocols/{first.pk}/",
        f"/outcomes/evidence/indications/{first.indication_id}/",
        f"/outcomes/evidence/protocols/{first.pk}/csv/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not NAN.search(response.content.decode()), url
