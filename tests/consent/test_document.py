"""The patient document answers the three questions, honestly, on the page and in the PDF."""

from __future__ import annotations

import io
import re
import time
from typing import Any

from pypdf import PdfReader

from mesotrace.accounts.access import Actor
from mesotrace.catalogue.models import AdverseEffect, adverse_effects_for
from mesotrace.consent import documents, services
from mesotrace.treatments.models import TreatmentPlan
from tests.conftest import World
from tests.treatments.builders import HAIR, PC_DC, make_plan

ACTOR = Actor.system("test")


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _pdf_text(pdf: bytes) -> str:
    return _words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def _unverified_facts(content: dict[str, Any]) -> int:
    count = int(content["plan"]["protocol_evidence_verification"] == "U")
    for compound in content["compounds"]:
        count += int(compound["evidence_for_use"] and compound["evidence_verification"] == "U")
        count += sum(r["verification"] == "U" for r in compound["regulatory"])
        count += sum(e["verification"] == "U" for e in compound["side_effects"])
    return count + sum(e["verification"] == "U" for e in content["technique_side_effects"])


def _shown_effects(plan: TreatmentPlan) -> list[AdverseEffect]:
    """The protocol's effects that concern the plan's zones (or any zone)."""
    zones = set(plan.zones.values_list("pk", flat=True))
    return [
        e
        for e in adverse_effects_for(plan.protocol)
        if not (own := set(e.zones.values_list("pk", flat=True))) or own & zones
    ]


def test_pdf_answers_what_is_injected_how_many_sessions_and_side_effects(world: World) -> None:
    plan = make_plan(world.clinic, protocol=HAIR, planned_sessions=7)
    consent = services.generate_consent(ACTOR, plan)

    started = time.perf_counter()
    pdf = documents.render_pdf(consent.content, consent.version)
    elapsed = time.perf_counter() - started
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"\nconsent PDF: {len(pdf)} bytes, {pages} pages, {elapsed * 1000:.0f} ms")

    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf)
    compounds = list(plan.protocol.compounds())
    assert compounds
    for compound in compounds:
        assert _words(compound.name) in text
    assert "7 sessions, 14 days apart" in text
    assert f"Total for the course: €{plan.total:,}" in text
    assert "Price per session: €250.00" in text
    effects = _shown_effects(plan)
    assert effects
    for effect in effects:
        assert _words(effect.plain_term or effect.term) in text


def test_serious_side_effects_are_marked_and_mycobacteria_are_named(world: World) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    consent = services.generate_consent(ACTOR, plan)
    text = documents.render_text(consent.content, consent.version)

    serious = [e for e in _shown_effects(plan) if e.serious]
    for effect in serious:
        assert f"Serious: {_words(effect.plain_term or effect.term)}" in _words(text)
    assert "mycobacteria can appear weeks after a session" in _words(text)


def test_unverified_facts_are_labelled_unverified(world: World) -> None:
    plan = make_plan(world.other_clinic, protocol=PC_DC)
    consent = services.generate_consent(ACTOR, plan)
    text = documents.render_text(consent.content, consent.version)

    expected = _unverified_facts(consent.content)
    assert expected > 0
    assert text.count("[unverified]") == expected


def test_document_states_lifestyle_confounding_clinic_evidence_and_choices(world: World) -> None:
    plan = make_plan(
        world.clinic, protocol=HAIR, diet_type="mediterranean", exercise_minutes_per_week=150
    )
    consent = services.generate_consent(ACTOR, plan)
    text = _words(documents.render_text(consent.content, consent.version))

    assert "Diet: Mediterranean" in text
    assert "Exercise: 150 minutes a week." in text
    assert "may come from these diet and exercise changes as well as from the injections" in text
    assert "Clinic evidence: no clinic data yet." in text
    assert "You may stop at any time" in text
    assert "Alternatives:" in text
    assert f"call {world.clinic.name}" in text
    assert plan.practitioner.full_name in text
    assert "References" in text
    for source in consent.content["sources"]:
        assert _words(source["title"]) in text


def test_us_document_says_no_licence_is_needed_to_be_a_mesotherapist(world: World) -> None:
    french = services.generate_consent(ACTOR, make_plan(world.clinic, protocol=HAIR))
    american = services.generate_consent(ACTOR, make_plan(world.other_clinic, protocol=PC_DC))
    claim = "no licence is required to call oneself a mesotherapist"

    assert claim in documents.render_text(american.content, american.version)
    assert claim not in documents.render_text(french.content, french.version)


def test_version_is_stable_and_changes_when_the_plan_changes(world: World) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    first = services.generate_consent(ACTOR, plan)
    again = services.generate_consent(ACTOR, TreatmentPlan.objects.get(pk=plan.pk))
    assert again.pk == first.pk
    assert first.version == documents.version_of(documents.build_content(plan))

    TreatmentPlan.objects.filter(pk=plan.pk).update(planned_sessions=plan.planned_sessions + 2)
    changed = services.generate_consent(ACTOR, TreatmentPlan.objects.get(pk=plan.pk))

    assert changed.pk != first.pk
    assert changed.version != first.version
    assert len(changed.version) == 64


def test_document_page_and_pdf_open_for_the_clinic(world: World, login: Any) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    client = login(world.members["front_desk"])

    generated = client.post(f"/consent/plans/{plan.pk}/")
    page = client.get(generated["Location"])
    consent = plan.consent_documents.get()
    pdf = client.get(f"/consent/documents/{consent.pk}/pdf/")

    assert page.status_code == 200
    assert "What will be injected" in page.content.decode()
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_other_clinic_sees_404_for_the_plan_and_the_document(world: World, login: Any) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    consent = services.generate_consent(ACTOR, plan)
    client = login(world.outsider)

    assert client.post(f"/consent/plans/{plan.pk}/").status_code == 404
    assert client.get(f"/consent/documents/{consent.pk}/").status_code == 404
    assert client.get(f"/consent/documents/{consent.pk}/pdf/").status_code == 404
    assert plan.consent_documents.count() == 1


def test_each_reference_is_numbered_once(world: World, login: Any) -> None:
    plan = make_plan(world.clinic, protocol=HAIR)
    client = login(world.members["front_desk"])
    page = client.get(client.post(f"/consent/plans/{plan.pk}/")["Location"]).content.decode()
    listed = re.search(r'<(ol|ul) class="references">(.*?)</\1>', page, re.S)
    assert listed is not None
    # The list shows "[28] title", as the text cites it; a numbered <ol> would add "28." too.
    assert listed.group(1) == "ul"
    items = re.findall(r'<li id="source-(\d+)">\[(\d+)\]', listed.group(2))
    assert items
    assert all(anchor == shown for anchor, shown in items)
