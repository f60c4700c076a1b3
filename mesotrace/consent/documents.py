"""The plain-language patient document: its canonical content from a plan, its version, its PDF.

The content holds facts (codes, numbers, catalogue text) and the patient's language;
templates turn them into prose in that language, whoever reads it, so the version hash does
not depend on the reader's language. Each catalogue text is taken in the document's language
where the catalogue has it, and carries the language it is in (`<key>_lang`), so the document
labels a text it could not give in its own language instead of mixing languages silently.
"""

from __future__ import annotations

import hashlib
import html
import json
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags

from mesotrace.catalogue.models import (
    EU_MEMBERS,
    EVIDENCE_EXPLANATION,
    AdverseEffect,
    Compound,
    CompoundClass,
    CompoundUse,
    EvidenceLevel,
    Frequency,
    RegulatoryStatus,
    RegulatoryStatusKind,
    Source,
    Verification,
    adverse_effects_for,
    name_order,
    text_and_language,
)
from mesotrace.consent.rules import signature_url
from mesotrace.outcomes.queries.report import evidence_statement
from mesotrace.practitioners.models import Qualification
from mesotrace.treatments.models import DietType, TreatmentPlan

if TYPE_CHECKING:
    from mesotrace.consent.models import ConsentSignature

# Jurisdictions where no licence is needed to call oneself a mesotherapist (domain.md §6).
NO_MESOTHERAPIST_LICENCE = frozenset({"US"})
PLAN_RELATED = (
    "clinic",
    "patient",
    "indication",
    "protocol",
    "protocol__evidence_source",
    "practitioner",
)


def _text(entry: Any, field: str, key: str | None = None) -> dict[str, str]:
    """A catalogue text under `key` (default: the field's name) and its language under
    `<key>_lang`."""
    text, language = text_and_language(entry, field)
    name = key or field
    return {name: text, f"{name}_lang": language}


def _source(source: Source | None, seen: dict[int, dict[str, Any]]) -> int | None:
    if source is None:
        return None
    if source.pk not in seen:
        seen[source.pk] = {
            "title": source.title,
            "publisher": source.publisher,
            "year": source.year,
            "url": source.url,
            # The title is quoted in its own language, marked as such on the page.
            "language": source.language,
        }
    return source.pk


def _jurisdictions(country: str) -> set[str]:
    return {country, "*", *({"EU"} if country in EU_MEMBERS else set())}


def _regulatory(
    compound: Compound, use: CompoundUse | None, country: str, seen: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The decisions in the clinic's country on the compound as a whole or on the plan's
    own use; a decision on another use (an approval for the chin) is never quoted."""
    wanted = _jurisdictions(country)
    rows = [
        row
        for row in compound.regulatory_statuses.all()
        if row.jurisdiction in wanted
        and (row.use_id is None or (use is not None and row.use_id == use.pk))
    ]
    return [
        {
            "jurisdiction": row.jurisdiction,
            "status": row.status,
            **_text(row, "indication", "for"),
            "regulator": row.regulator,
            "as_of": row.as_of.isoformat() if row.as_of else None,
            "verification": row.verification,
            "source": _source(row.source, seen),
        }
        for row in rows
    ]


def plan_use(compound: Compound, plan: TreatmentPlan, zone_ids: set[int]) -> CompoundUse | None:
    """The compound's use that is the plan's: its indication, in the plan's zones."""
    matching = [u for u in compound.uses.all() if u.covers(plan.indication_id, zone_ids)]
    # A use named for the plan's zones is more specific than one for any zone.
    matching.sort(key=lambda u: (not u.zones.all(), u.pk))
    return matching[0] if matching else None


def _evidence(use: CompoundUse | None, seen: dict[int, dict[str, Any]]) -> dict[str, Any]:
    if use is None:
        return {
            "evidence_level": EvidenceLevel.NONE,
            "evidence_summary": "",
            "evidence_summary_lang": "",
            "evidence_for_use": False,
            "evidence_verification": Verification.VERIFIED,
            "evidence_sources": [],
        }
    return {
        "evidence_level": use.evidence_level,
        **_text(use, "evidence_summary"),
        "evidence_for_use": True,
        "evidence_verification": use.evidence_verification,
        "evidence_sources": [_source(s, seen) for s in use.evidence_sources.all()],
    }


def _effect(effect: AdverseEffect, seen: dict[int, dict[str, Any]]) -> dict[str, Any]:
    plain = _text(effect, "plain_term", "term")
    return {
        **(plain if plain["term"] else _text(effect, "term")),
        **_text(effect, "frequency"),
        "frequency_category": effect.frequency_category,
        "serious": effect.serious,
        "verification": effect.verification,
        "source": _source(effect.source, seen),
    }


def _compounds(
    plan: TreatmentPlan,
    effects: list[AdverseEffect],
    zone_ids: set[int],
    seen: dict[int, dict[str, Any]],
) -> list[dict[str, Any]]:
    country = plan.clinic.jurisdiction
    rows = []
    compounds = plan.protocol.compounds().prefetch_related(
        Prefetch(
            "uses",
            queryset=CompoundUse.objects.prefetch_related(
                "zones", Prefetch("evidence_sources", queryset=Source.objects.order_by("id"))
            ),
        ),
        Prefetch(
            "regulatory_statuses",
            queryset=RegulatoryStatus.objects.select_related("source").order_by(
                "jurisdiction", "id"
            ),
        ),
    )
    for compound in compounds.order_by(name_order(), "id"):
        use = plan_use(compound, plan, zone_ids)
        rows.append(
            {
                **_text(compound, "name"),
                "class": compound.compound_class,
                **_text(compound, "purpose"),
                **_evidence(use, seen),
                "regulatory": _regulatory(compound, use, country, seen),
                "side_effects": [_effect(e, seen) for e in effects if e.compound_id == compound.pk],
            }
        )
    return rows


def _in_zones(effect: AdverseEffect, zone_ids: set[int]) -> bool:
    """An effect seen only where certain zones are treated is listed only for those zones."""
    own = {zone.pk for zone in effect.zones.all()}
    return not own or bool(own & zone_ids)


def _practitioner(plan: TreatmentPlan) -> dict[str, Any]:
    practitioner = plan.practitioner
    return {
        "name": practitioner.full_name,
        "qualification": practitioner.qualification,
        "licence_number": practitioner.licence_number,
        "licence_jurisdiction": practitioner.licence_jurisdiction,
        "training": practitioner.training_certificate,
    }


def _money(value: object) -> str:
    return "" if value is None else str(value)


def build_content(plan: TreatmentPlan, clinic_evidence: bool = True) -> dict[str, Any]:
    """Everything the document says, as plain data: the thing that is hashed and signed.

    Built in the patient's language, which the content records, whoever asks for it.
    `clinic_evidence=False` leaves out the clinic's own evidence statement, which changes
    with the clinic's data rather than with the plan (see `terms_version`).
    """
    language = plan.patient.preferred_language or "en"
    with translation.override(language):
        return {**_content(plan, clinic_evidence), "language": language}


def in_language_of(content: dict[str, Any]) -> AbstractContextManager[object]:
    """Renders in the document's own language; a document made before the content recorded
    one keeps the reader's."""
    language = content.get("language")
    return translation.override(language) if language else nullcontext()


def language_of(content: dict[str, Any]) -> str:
    """The document's language code; a document made before it was recorded, the reader's."""
    return str(content.get("language") or translation.get_language() or "en")


def _content(plan: TreatmentPlan, clinic_evidence: bool) -> dict[str, Any]:
    plan = TreatmentPlan.objects.select_related(*PLAN_RELATED).get(pk=plan.pk)
    seen: dict[int, dict[str, Any]] = {}
    zone_ids = {zone.pk for zone in plan.zones.all()}
    effects = [
        e
        for e in adverse_effects_for(plan.protocol).prefetch_related("zones")
        if _in_zones(e, zone_ids)
    ]
    compounds = _compounds(plan, [e for e in effects if e.compound_id is not None], zone_ids, seen)
    technique = [e for e in effects if e.compound_id is None]
    protocol = plan.protocol
    return {
        "clinic": {"name": plan.clinic.name, "jurisdiction": plan.clinic.jurisdiction},
        "patient": {"name": f"{plan.patient.given_name} {plan.patient.family_name}"},
        "plan": {
            "id": plan.pk,
            **_text(plan.indication, "name", "indication"),
            **_text(protocol, "name", "protocol"),
            **_text(protocol, "evidence_statement", "protocol_evidence"),
            "protocol_evidence_verification": protocol.evidence_verification,
            "protocol_evidence_source": _source(protocol.evidence_source, seen),
            "zones": sorted(
                (_text(zone, "name", "text") for zone in plan.zones.all()),
                key=lambda zone: zone["text"],
            ),
            "sessions": plan.planned_sessions,
            "schedule_verification": protocol.schedule_verification,
            **_text(protocol, "schedule_note"),
            "interval_days": plan.interval_days,
            "currency": plan.currency,
            "price_per_session": _money(plan.price_per_session),
            "package_price": _money(plan.package_price),
            "discount_percent": _money(plan.discount_percent),
            "total": _money(plan.total),
        },
        "lifestyle": {
            "diet": plan.diet_type,
            "calories": plan.calorie_target_kcal,
            "exercise_minutes": plan.exercise_minutes_per_week,
            "notes": plan.lifestyle_notes,
        },
        "practitioner": _practitioner(plan),
        "no_mesotherapist_licence": plan.clinic.jurisdiction in NO_MESOTHERAPIST_LICENCE,
        "compounds": compounds,
        "technique_side_effects": [_effect(e, seen) for e in technique],
        "clinic_evidence": evidence_statement(plan.clinic, protocol) if clinic_evidence else None,
        "sources": [{"id": pk, **seen[pk]} for pk in sorted(seen)],
    }


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def version_of(content: dict[str, Any]) -> str:
    """The document's version: the SHA-256 of its canonical content."""
    return hashlib.sha256(canonical(content)).hexdigest()


def terms_version(content: dict[str, Any]) -> str:
    """The version of what the plan commits the patient to, without the clinic's evidence.

    New clinic data changes the evidence statement of every plan on the protocol; that
    makes a new document to read, not a new treatment: a signature stays valid for charting
    while the terms are the same. Equal to `version_of` when there is no statement.
    """
    # The same treatment told in another language is the same terms: a patient who changes
    # language reads a new document, and their signature still covers charting.
    terms = {k: v for k, v in content.items() if k != "language"}
    return version_of({**terms, "clinic_evidence": None})


def _label_effect(effect: dict[str, Any]) -> dict[str, Any]:
    return {**effect, "frequency_label": Frequency(effect["frequency_category"]).label}


def _label_compound(compound: dict[str, Any]) -> dict[str, Any]:
    level = EvidenceLevel(compound["evidence_level"])
    return {
        **compound,
        "class_label": CompoundClass(compound["class"]).label,
        "evidence_label": level.label,
        "evidence_explanation": EVIDENCE_EXPLANATION[level],
        "regulatory": [
            {**row, "status_label": RegulatoryStatusKind(row["status"]).label}
            for row in compound["regulatory"]
        ],
        "side_effects": [_label_effect(e) for e in compound["side_effects"]],
    }


def labelled(content: dict[str, Any]) -> dict[str, Any]:
    """The content with the display labels of its codes, in the active language (not hashed)."""
    diet = content["lifestyle"]["diet"]
    return {
        **content,
        "compounds": [_label_compound(c) for c in content["compounds"]],
        "technique_side_effects": [_label_effect(e) for e in content["technique_side_effects"]],
        "qualification_label": Qualification(content["practitioner"]["qualification"]).label,
        "diet_label": DietType(diet).label if diet else "",
    }


def render_html(content: dict[str, Any], version: str, for_pdf: bool = False) -> str:
    """The document body as HTML, shared by the page and the PDF, in the document's language."""
    with in_language_of(content):
        return render_to_string(
            "consent/document_body.html",
            {"doc": labelled(content), "version": version, "for_pdf": for_pdf},
        )


def render_text(content: dict[str, Any], version: str) -> str:
    """The document as plain text: what is stored with the signature."""
    text = html.unescape(strip_tags(render_html(content, version)))
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def render_pdf(
    content: dict[str, Any], version: str, signature: dict[str, Any] | None = None
) -> bytes:
    """The PDF; with `signature` (name, statement, signed_at, drawn PNG as a data URL) signed."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # imported late: loading pango costs a few hundred ms

    with in_language_of(content):
        html = render_to_string(
            "consent/document_pdf.html",
            {
                "body": render_html(content, version, for_pdf=True),
                "version": version,
                "signature": signature,
            },
        )
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def countersigned_pdf(signature: ConsentSignature) -> bytes:
    """The clinic's copy: the document as the patient signed it, with both signatures, their
    names and times, the document's hash and the hash of the PDF the patient signed."""
    document = signature.document
    countersigner = signature.countersigned_by
    return render_pdf(
        document.content,
        document.version,
        {
            "name": signature.patient_name,
            "statement": signature.statement,
            "signed_at": signature.signed_at,
            "drawn_url": signature_url(bytes(signature.drawn_signature or b"")),
            "countersigned_by": str(countersigner) if countersigner else "",
            "countersigned_at": signature.countersigned_at,
            "signed_pdf_sha256": signature.pdf_sha256,
        },
    )
