"""The document quotes the clinic's own evidence for the protocol, or says there is none yet."""

from __future__ import annotations

import pytest

from mesotrace.accounts.access import Actor
from mesotrace.consent import documents, queries, services
from mesotrace.outcomes.queries.report import evidence_statement
from tests.conftest import World, make_patient
from tests.consent.builders import signed_consent
from tests.outcomes.builders import LEGS_COURSE, demo_cohort
from tests.treatments.builders import HAIR, make_plan

pytestmark = pytest.mark.django_db(databases=["default"])
ACTOR = Actor.system("test")


def test_without_clinic_data_the_document_says_so(world: World) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    consent = services.generate_consent(ACTOR, plan)

    assert consent.content["clinic_evidence"] is None
    text = documents.render_text(consent.content, consent.version)
    assert "Clinic evidence: no clinic data yet." in text


def test_with_split_body_data_the_document_quotes_the_statement(world: World) -> None:
    _cohort, protocol = demo_cohort(world.clinic, patients=12)
    statement = evidence_statement(world.clinic, protocol)
    assert statement is not None
    plan = make_plan(world.clinic, make_patient(world.clinic), protocol=protocol, **LEGS_COURSE)

    consent = services.generate_consent(ACTOR, plan)

    assert consent.content["clinic_evidence"] == statement
    text = documents.render_text(consent.content, consent.version)
    assert statement.split(" (")[0] in text
    assert "no clinic data yet" not in text
    assert "95% CI" in text
    assert consent.version == documents.version_of(consent.content)  # the statement is signed


def test_new_clinic_data_changes_the_document_but_not_the_signed_terms(world: World) -> None:
    _cohort, protocol = demo_cohort(world.clinic, patients=12)
    plan = make_plan(world.clinic, make_patient(world.clinic), protocol=protocol, **LEGS_COURSE)
    signature = signed_consent(plan, world.members["owner"])
    assert queries.consent_problem(plan) is None

    demo_cohort(world.clinic, patients=6, seed=8)  # more patients measured: a new estimate

    fresh = services.generate_consent(ACTOR, plan)
    assert fresh.version != signature.document.version
    assert fresh.content["clinic_evidence"] != signature.document.content["clinic_evidence"]
    assert queries.consent_problem(plan) is None  # the plan itself did not change
    assert queries.is_current(signature.document)
