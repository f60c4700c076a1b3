"""Every shipped fact marked unverified carries the label wherever it is shown: regulatory
decisions, side effects, contraindications, notes, ATC codes, evidence, maximum doses and
dose limits on the compound page and in the API; side effects and contraindications on the
protocol page; presentations and strengths on the product page and in the API; regulatory
decisions, evidence per use and side effects on the consent page and in its PDF. (Protocol
schedules: `test_unverified_schedule_everywhere.py`.)"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils.html import escape
from pypdf import PdfReader

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import User
from mesotrace.catalogue.models import (
    AdverseEffect,
    Compound,
    Contraindication,
    Product,
    Protocol,
    RegulatoryStatus,
    adverse_effects_for,
    contraindications_for,
)
from mesotrace.consent import documents, services
from tests.conftest import World
from tests.treatments.builders import make_plan

U = "U"
LABEL = ">unverified<"


def _section(html: str, heading: str) -> str:
    """The page from the `<h2>` named `heading` to the next `<h2>`."""
    start = html.index(f"<h2>{heading}</h2>")
    end = html.find("<h2>", start + 4)
    return html[start : end if end > 0 else len(html)]


def _compounds_with_unverified_facts() -> list[Compound]:
    found = [
        c
        for c in Compound.objects.shipped().prefetch_related(
            "regulatory_statuses", "adverse_effects", "contraindications", "notes", "dose_limits"
        )
        if _unverified_counts(c)["total"]
    ]
    assert found, "the starter catalogue ships unverified facts about compounds"
    return found


def _unverified_counts(c: Compound) -> dict[str, int]:
    def count(rows: Any) -> int:
        return sum(1 for row in rows.all() if row.verification == U)

    top = (c.atc_verification == U) + (
        c.max_dose_per_session is not None and c.max_dose_verification == U
    )
    counts = {
        "top": int(top) + count(c.dose_limits),
        "evidence": int(c.evidence_verification == U),
        "regulatory": count(c.regulatory_statuses),
        "effects": count(c.adverse_effects),
        "contraindications": count(c.contraindications),
        "notes": count(c.notes),
    }
    counts["total"] = sum(counts.values())
    return counts


def test_the_compound_page_labels_each_unverified_fact(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    for compound in _compounds_with_unverified_facts():
        html = client.get(f"/catalogue/compounds/{compound.pk}/").content.decode()
        expected = _unverified_counts(compound)
        shown = {
            "top": html[: html.index("<h2>Evidence</h2>")].count(LABEL),
            "evidence": _section(html, "Evidence").count(LABEL),
            "regulatory": _section(html, "Regulatory status").count(LABEL),
            "effects": _section(html, "Known adverse effects").count(LABEL),
            "contraindications": _section(html, "Contraindications").count(LABEL),
            "notes": _section(html, "Notes").count(LABEL) if "<h2>Notes</h2>" in html else 0,
        }
        shown["total"] = sum(shown.values())
        assert shown == expected, compound.slug


def test_the_api_marks_each_unverified_fact_of_a_compound(
    world: World, client: Client, bearer: Callable[..., dict[str, Any]]
) -> None:
    headers = bearer(world.members["researcher"], world.clinic)
    for compound in _compounds_with_unverified_facts():
        body = client.get(f"/api/v1/compounds/{compound.pk}", **headers).json()
        expected = _unverified_counts(compound)
        assert [r["verification"] for r in body["regulatory_statuses"]].count(U) == expected[
            "regulatory"
        ], compound.slug
        assert [e["verification"] for e in body["adverse_effects"]].count(U) == expected["effects"]
        assert [c["verification"] for c in body["contraindications"]].count(U) == expected[
            "contraindications"
        ]
        assert [n["verification"] for n in body["notes"]].count(U) == expected["notes"]
        assert body["atc"]["verification"] == compound.atc_verification
        if compound.max_dose_per_session is not None:
            assert body["max_dose"]["verification"] == compound.max_dose_verification


def test_the_protocol_page_labels_each_unverified_side_effect_and_contraindication(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    walked: set[tuple[str, int]] = set()
    for protocol in Protocol.objects.shipped():
        effects = [e for e in adverse_effects_for(protocol) if e.verification == U]
        contras = [c for c in contraindications_for(protocol) if c.verification == U]
        if not effects and not contras:
            continue
        html = client.get(f"/catalogue/protocols/{protocol.pk}/").content.decode()
        rows = re.findall(r"<tr>.*?</tr>", html, re.S)
        facts: list[tuple[AdverseEffect | Contraindication, str]] = [
            *((e, e.term) for e in effects),
            *((c, c.text) for c in contras),
        ]
        for fact, text in facts:
            mine = [row for row in rows if f"<td>{escape(text)}" in row]
            assert mine, (protocol.slug, text)
            assert all(LABEL in row for row in mine), (protocol.slug, text)
            walked.add((type(fact).__name__, fact.pk))
    assert walked, "unverified side effects or contraindications are shown on some protocol"


def _unverified_products() -> list[Product]:
    found = list(Product.objects.shipped().filter(verification=U))
    assert found, "the starter catalogue ships products whose presentation is unverified"
    return found


def test_the_product_page_and_api_label_an_unverified_presentation_and_strength(
    world: World,
    login: Callable[[User], Client],
    bearer: Callable[..., dict[str, Any]],
) -> None:
    headers = bearer(world.members["researcher"], world.clinic)
    client = login(world.members["practitioner"])
    products = set(_unverified_products()) | {
        p
        for p in Product.objects.shipped().prefetch_related("components")
        if any(c.strength_verification == U and c.concentration for c in p.components.all())
    }
    for product in products:
        html = client.get(f"/catalogue/products/{product.pk}/").content.decode()
        source = html[html.index("Source</dt>") :]
        assert (LABEL in source[: source.index("</dd>")]) == (product.verification == U)
        composition = _section(html, "Composition")
        strengths = [
            c
            for c in product.components.all()
            if c.concentration is not None and c.strength_verification == U
        ]
        assert composition.count(LABEL) == len(strengths), product.slug
        body = client.get(f"/api/v1/products/{product.pk}", **headers).json()
        assert body["verification"] == product.verification, product.slug
        marks = [c["strength_verification"] for c in body["components"] if c["concentration"]]
        assert marks.count(U) == len(strengths), product.slug


def _expected_labels(content: dict[str, Any]) -> int:
    """How many facts of the document are unverified, each of which must carry the label."""
    count = 0
    for c in content["compounds"]:
        count += sum(r["verification"] == U for r in c["regulatory"])
        count += sum(e["verification"] == U for e in c["side_effects"])
        count += c["evidence_for_use"] and c["evidence_verification"] == U
    count += sum(e["verification"] == U for e in content["technique_side_effects"])
    count += content["plan"]["schedule_verification"] == U
    count += content["plan"]["protocol_evidence_verification"] == U
    return int(count)


def test_the_consent_page_and_pdf_label_each_unverified_fact_they_quote(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.outsider)  # the owner of the US clinic, where every protocol is allowed
    quoted: set[int] = set()
    for protocol in Protocol.objects.shipped():
        plan = make_plan(
            world.other_clinic,
            protocol=protocol,
            planned_sessions=protocol.sessions or 4,
            interval_days=protocol.interval_days or 14,
        )
        consent = services.generate_consent(Actor.system("test"), plan)
        expected = _expected_labels(consent.content)
        page = client.get(f"/consent/documents/{consent.pk}/").content.decode()
        article = page[page.index("<article") : page.index("</article>")]
        assert article.count("[unverified") == expected, protocol.slug
        pdf = documents.render_pdf(consent.content, consent.version)
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert re.sub(r"\s+", " ", text).count("[unverified") == expected, protocol.slug
        quoted |= {
            r.pk
            for r in RegulatoryStatus.objects.filter(
                verification=U, compound__in=protocol.compounds(), jurisdiction="US"
            )
        }
    assert quoted, "the US clinic's documents quote unverified regulatory decisions"
