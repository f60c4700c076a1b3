"""`/api/v1/compounds`, `/products`, `/indications`, `/protocols`: the catalogue, read-only.

Lists show shipped entries and the clinic's own; every fact carries its verification mark
("V", "V2" or "U" = unverified) and its source.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema

from mesotrace.accounts.access import ApiRequest, TokenAuth
from mesotrace.accounts.models import Clinic
from mesotrace.catalogue import queries
from mesotrace.catalogue.models import (
    PROCEDURE_EXPLANATION,
    AdverseEffect,
    Allergen,
    Compound,
    CompoundClass,
    CompoundNote,
    CompoundUse,
    Contraindication,
    DoseLimit,
    Indication,
    ProcedureType,
    Product,
    Protocol,
    RegulatoryStatus,
    Source,
    adverse_effects_for,
    contraindications_for,
)
from mesotrace.catalogue.queries import Filters
from mesotrace.catalogue.rules import Decision
from mesotrace.core.api import ERRORS, Page, Paging, field_error, paginate, reject_unknown_query

router = Router(tags=["catalogue"])
Mark = Literal["V", "V2", "U"]
ClassName = Literal["natural", "synthetic", "anaesthetic", "vitamin", "enzyme", "hormone", "other"]
assert set(ClassName.__args__) == set(CompoundClass.values)  # type: ignore[attr-defined]


class SourceOut(Schema):
    id: int
    title: str
    url: str
    publisher: str
    year: int | None


class FactOut(Schema):
    verification: Mark = Field(description="V verified, V2 secondary source, U unverified")
    source: SourceOut | None


class AtcOut(FactOut):
    codes: list[str]
    note: str


class EvidenceOut(Schema):
    level: str
    explanation: str
    summary: str
    verification: Mark
    sources: list[SourceOut]


class MaxDoseOut(FactOut):
    value: Decimal
    unit: str
    note: str


class RegulatoryStatusOut(FactOut):
    jurisdiction: str
    status: str
    indication: str
    regulator: str
    as_of: datetime.date | None
    use_id: int | None = Field(description="The use the decision is about; null: the compound")


class UseOut(Schema):
    id: int
    indication_id: int
    zones: list[str] = Field(description="Body zone slugs; empty: any zone")
    evidence: EvidenceOut


class AdverseEffectOut(FactOut):
    term: str
    frequency: str
    frequency_category: str
    serious: bool
    compound_id: int | None


class ContraindicationOut(FactOut):
    kind: str
    text: str
    compound_id: int | None


class NoteOut(FactOut):
    kind: str
    text: str


class CompoundOut(Schema):
    id: int
    name: str
    slug: str
    synonyms: list[str]
    compound_class: str
    atc: AtcOut
    purpose: str
    evidence: EvidenceOut
    max_dose_per_session: MaxDoseOut | None
    allergen_keywords: list[str]
    is_lipolytic: bool
    shipped: bool
    cloned_from_id: int | None


class DoseLimitOut(FactOut):
    kind: str = Field(
        description="per_session (mg), per_kg (mg/kg), per_injection (mg), injections"
    )
    amount: Decimal
    ceiling_mg: Decimal | None = Field(description="Per-kg limits: never above this")
    epinephrine: str = Field(description="Presentations covered: any, without, with")
    note: str


class CompoundDetailOut(CompoundOut):
    uses: list[UseOut]
    dose_limits: list[DoseLimitOut]
    regulatory_statuses: list[RegulatoryStatusOut]
    adverse_effects: list[AdverseEffectOut]
    contraindications: list[ContraindicationOut]
    notes: list[NoteOut]


class ComponentOut(Schema):
    compound_id: int
    compound_name: str
    concentration: Decimal | None
    unit: str
    strength_verification: Mark
    strength_source: SourceOut | None


class ProductOut(FactOut):
    id: int
    name: str
    slug: str
    brand: str
    manufacturer: str
    presentation: str
    volume_ml: Decimal | None
    discard_after_opening_hours: int | None
    contains_epinephrine: bool
    note: str
    components: list[ComponentOut]
    shipped: bool
    cloned_from_id: int | None


class IndicationOut(FactOut):
    id: int
    name: str
    slug: str
    purpose: str
    description: str
    icd10_code: str = Field(description="Empty when no correct ICD-10 code exists")
    icd10_note: str
    shipped: bool
    cloned_from_id: int | None


class ScheduleOut(FactOut):
    sessions: int | None
    interval_days: int | None
    note: str


class TechniqueOut(FactOut):
    technique: str
    depth_mm_min: Decimal | None
    depth_mm_max: Decimal | None
    needle_gauge: int | None
    needle_length_mm: Decimal | None
    note: str


class ItemOut(Schema):
    product_id: int
    product_name: str
    share_percent: Decimal | None
    volume_ml_per_point: Decimal | None
    note: str


class MixOut(FactOut):
    note: str
    items: list[ItemOut]


class ZoneOut(FactOut):
    id: int
    name: str
    slug: str
    view: str
    snomed_code: str


class JurisdictionOut(Schema):
    jurisdiction: str
    allowed: bool
    reason: str
    rule_title: str | None
    rule_source_url: str | None


class StatementOut(FactOut):
    text: str


class ProtocolOut(Schema):
    id: int
    name: str
    slug: str
    indication_id: int
    indication_name: str
    procedure_type: str
    procedure_explanation: str
    schedule: ScheduleOut
    technique: TechniqueOut
    mix: MixOut
    zones: list[ZoneOut]
    evidence: StatementOut
    sources: list[SourceOut]
    is_lipolytic: bool
    in_my_jurisdiction: JurisdictionOut
    shipped: bool
    cloned_from_id: int | None


class ProtocolDetailOut(ProtocolOut):
    contraindications: list[ContraindicationOut]
    adverse_effects: list[AdverseEffectOut]


class AllergenOut(FactOut):
    slug: str
    name: str
    kind: str
    terms: list[str] = Field(description="Names, English and French synonyms, brand names")
    member_of: str | None = Field(description="The slug of the class the substance belongs to")
    compounds: list[str] = Field(description="Slugs of the catalogue compounds it rules out")


class AllergenPage(Page[AllergenOut]):
    pass


class CompoundPage(Page[CompoundOut]):
    pass


class ProductPage(Page[ProductOut]):
    pass


class IndicationPage(Page[IndicationOut]):
    pass


class ProtocolPage(Page[ProtocolOut]):
    pass


class CatalogueFilters(Paging):
    q: str = Field("", max_length=100, description="Words in the name, other names or codes")
    indication: int | None = Field(None, ge=1, description="An indication id")
    compound_class: ClassName | None = None


class IndicationFilters(Paging):
    q: str = Field("", max_length=100)


def _indication(clinic: Clinic, indication_id: int | None) -> Indication | None:
    if indication_id is None:
        return None
    found = Indication.objects.visible_to(clinic).filter(pk=indication_id).first()
    if found is None:
        raise field_error("indication", "No such indication.")
    return found


def _filters(request: ApiRequest, filters: CatalogueFilters) -> Filters:
    reject_unknown_query(request, set(CatalogueFilters.model_fields))
    return Filters(
        q=filters.q,
        indication=_indication(request.clinic, filters.indication),
        compound_class=filters.compound_class or "",
    )


def _source(source: Source | None) -> SourceOut | None:
    return SourceOut.from_orm(source) if source else None


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


# --- Compounds -----------------------------------------------------------------------------


def _compound(c: Compound) -> dict[str, Any]:
    dose = None
    if c.max_dose_per_session is not None:
        dose = MaxDoseOut(
            value=c.max_dose_per_session,
            unit=c.max_dose_unit,
            note=c.max_dose_note,
            verification=c.max_dose_verification,  # type: ignore[arg-type]
            source=_source(c.max_dose_source),
        )
    return {
        "id": c.pk,
        "name": c.name,
        "slug": c.slug,
        "synonyms": _split(c.synonyms),
        "compound_class": c.compound_class,
        "atc": AtcOut(
            codes=_split(c.atc_code),
            note=c.atc_note,
            verification=c.atc_verification,  # type: ignore[arg-type]
            source=_source(c.atc_source),
        ),
        "purpose": c.purpose,
        "evidence": EvidenceOut(
            level=c.evidence_level,
            explanation=c.evidence_explanation,
            summary=c.evidence_summary,
            verification=c.evidence_verification,  # type: ignore[arg-type]
            sources=[SourceOut.from_orm(s) for s in c.evidence_sources.all()],
        ),
        "max_dose_per_session": dose,
        "allergen_keywords": c.allergen_terms,
        "is_lipolytic": c.is_lipolytic,
        "shipped": c.clinic_id is None,
        "cloned_from_id": c.cloned_from_id,
    }


def _use(u: CompoundUse) -> UseOut:
    return UseOut(
        id=u.pk,
        indication_id=u.indication_id,
        zones=[zone.slug for zone in u.zones.all()],
        evidence=EvidenceOut(
            level=u.evidence_level,
            explanation=u.evidence_explanation,
            summary=u.evidence_summary,
            verification=u.evidence_verification,  # type: ignore[arg-type]
            sources=[SourceOut.from_orm(s) for s in u.evidence_sources.all()],
        ),
    )


def _fact(row: Any, schema: type[FactOut], fields: list[str]) -> Any:
    values = {name: getattr(row, name) for name in fields}
    return schema(verification=row.verification, source=_source(row.source), **values)


_STATUS = ["jurisdiction", "status", "indication", "regulator", "as_of", "use_id"]
_EFFECT = ["term", "frequency", "frequency_category", "serious", "compound_id"]
_CONTRA = ["kind", "text", "compound_id"]


def _compounds(clinic: Clinic) -> QuerySet[Compound]:
    return (
        Compound.objects.visible_to(clinic)
        .select_related("atc_source", "max_dose_source")
        .prefetch_related("evidence_sources")
    )


@router.get("/compounds", response={200: CompoundPage, **ERRORS}, auth=TokenAuth("catalogue.view"))
def list_compounds(request: ApiRequest, filters: Query[CatalogueFilters]) -> CompoundPage:
    found = queries.compounds(request.clinic, _filters(request, filters))
    rows, total = paginate(
        found.select_related("atc_source", "max_dose_source").prefetch_related("evidence_sources"),
        filters,
    )
    return CompoundPage(
        items=[CompoundOut(**_compound(c)) for c in rows],
        count=total,
        page=filters.page,
        page_size=filters.page_size,
    )


@router.get(
    "/compounds/{compound_id}",
    response={200: CompoundDetailOut, **ERRORS},
    auth=TokenAuth("catalogue.view"),
)
def get_compound(request: ApiRequest, compound_id: int) -> CompoundDetailOut:
    c = queries.visible_or_404(_compounds(request.clinic), request.clinic, pk=compound_id)
    return CompoundDetailOut(
        **_compound(c),
        uses=[_use(u) for u in c.uses.prefetch_related("zones", "evidence_sources")],
        dose_limits=[
            _fact(d, DoseLimitOut, ["kind", "amount", "ceiling_mg", "epinephrine", "note"])
            for d in DoseLimit.objects.filter(compound=c).select_related("source")
        ],
        regulatory_statuses=[
            _fact(s, RegulatoryStatusOut, _STATUS)
            for s in RegulatoryStatus.objects.filter(compound=c).select_related("source")
        ],
        adverse_effects=[
            _fact(e, AdverseEffectOut, _EFFECT)
            for e in AdverseEffect.objects.filter(compound=c).select_related("source")
        ],
        contraindications=[
            _fact(x, ContraindicationOut, _CONTRA)
            for x in Contraindication.objects.filter(compound=c).select_related("source")
        ],
        notes=[
            _fact(n, NoteOut, ["kind", "text"])
            for n in CompoundNote.objects.filter(compound=c).select_related("source")
        ],
    )


# --- Products ------------------------------------------------------------------------------


def _product(p: Product) -> ProductOut:
    return ProductOut(
        id=p.pk,
        name=p.name,
        slug=p.slug,
        brand=p.brand,
        manufacturer=p.manufacturer,
        presentation=p.presentation,
        volume_ml=p.volume_ml,
        discard_after_opening_hours=p.discard_after_opening_hours,
        contains_epinephrine=p.contains_epinephrine,
        note=p.note,
        components=[
            ComponentOut(
                compound_id=c.compound_id,
                compound_name=c.compound.name,
                concentration=c.concentration,
                unit=c.unit,
                strength_verification=c.strength_verification,  # type: ignore[arg-type]
                strength_source=_source(c.strength_source),
            )
            for c in p.components.all()
        ],
        verification=p.verification,  # type: ignore[arg-type]
        source=_source(p.source),
        shipped=p.clinic_id is None,
        cloned_from_id=p.cloned_from_id,
    )


def _with_components(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.select_related("source").prefetch_related(
        "components__compound", "components__strength_source"
    )


@router.get("/products", response={200: ProductPage, **ERRORS}, auth=TokenAuth("catalogue.view"))
def list_products(request: ApiRequest, filters: Query[CatalogueFilters]) -> ProductPage:
    found = queries.products(request.clinic, _filters(request, filters))
    rows, total = paginate(_with_components(found), filters)
    return ProductPage(
        items=[_product(p) for p in rows],
        count=total,
        page=filters.page,
        page_size=filters.page_size,
    )


@router.get(
    "/products/{product_id}", response={200: ProductOut, **ERRORS}, auth=TokenAuth("catalogue.view")
)
def get_product(request: ApiRequest, product_id: int) -> ProductOut:
    products = _with_components(Product.objects.all())
    return _product(queries.visible_or_404(products, request.clinic, pk=product_id))


# --- Indications ---------------------------------------------------------------------------


def _indication_out(i: Indication) -> IndicationOut:
    return IndicationOut(
        id=i.pk,
        name=i.name,
        slug=i.slug,
        purpose=i.purpose,
        description=i.description,
        icd10_code=i.icd10_code,
        icd10_note=i.icd10_note,
        verification=i.verification,  # type: ignore[arg-type]
        source=_source(i.source),
        shipped=i.clinic_id is None,
        cloned_from_id=i.cloned_from_id,
    )


@router.get(
    "/indications", response={200: IndicationPage, **ERRORS}, auth=TokenAuth("catalogue.view")
)
def list_indications(request: ApiRequest, filters: Query[IndicationFilters]) -> IndicationPage:
    reject_unknown_query(request, set(IndicationFilters.model_fields))
    found = queries.indications(request.clinic, Filters(q=filters.q)).select_related("source")
    rows, total = paginate(found, filters)
    return IndicationPage(
        items=[_indication_out(i) for i in rows],
        count=total,
        page=filters.page,
        page_size=filters.page_size,
    )


@router.get(
    "/indications/{indication_id}",
    response={200: IndicationOut, **ERRORS},
    auth=TokenAuth("catalogue.view"),
)
def get_indication(request: ApiRequest, indication_id: int) -> IndicationOut:
    indications = Indication.objects.select_related("source")
    return _indication_out(queries.visible_or_404(indications, request.clinic, pk=indication_id))


# --- Protocols -----------------------------------------------------------------------------


def _protocols(queryset: QuerySet[Protocol]) -> QuerySet[Protocol]:
    return queryset.select_related(
        "indication", "schedule_source", "technique_source", "mix_source", "evidence_source"
    ).prefetch_related("items__product", "zones__source", "sources")


def _protocol(p: Protocol, clinic: Clinic, decision: Decision, lipolytic: bool) -> dict[str, Any]:
    rule = decision.rule
    return {
        "id": p.pk,
        "name": p.name,
        "slug": p.slug,
        "indication_id": p.indication_id,
        "indication_name": p.indication.name,
        "procedure_type": p.procedure_type,
        "procedure_explanation": str(PROCEDURE_EXPLANATION[ProcedureType(p.procedure_type)]),
        "schedule": ScheduleOut(
            sessions=p.sessions,
            interval_days=p.interval_days,
            note=p.schedule_note,
            verification=p.schedule_verification,  # type: ignore[arg-type]
            source=_source(p.schedule_source),
        ),
        "technique": TechniqueOut(
            technique=p.technique,
            depth_mm_min=p.depth_mm_min,
            depth_mm_max=p.depth_mm_max,
            needle_gauge=p.needle_gauge,
            needle_length_mm=p.needle_length_mm,
            note=p.technique_note,
            verification=p.technique_verification,  # type: ignore[arg-type]
            source=_source(p.technique_source),
        ),
        "mix": MixOut(
            note=p.mix_note,
            verification=p.mix_verification,  # type: ignore[arg-type]
            source=_source(p.mix_source),
            items=[
                ItemOut(
                    product_id=i.product_id,
                    product_name=i.product.name,
                    share_percent=i.share_percent,
                    volume_ml_per_point=i.volume_ml_per_point,
                    note=i.note,
                )
                for i in p.items.all()
            ],
        ),
        "zones": [
            _fact(z, ZoneOut, ["id", "name", "slug", "view", "snomed_code"]) for z in p.zones.all()
        ],
        "evidence": StatementOut(
            text=p.evidence_statement,
            verification=p.evidence_verification,  # type: ignore[arg-type]
            source=_source(p.evidence_source),
        ),
        "sources": [SourceOut.from_orm(s) for s in p.sources.all()],
        "is_lipolytic": lipolytic,
        "in_my_jurisdiction": JurisdictionOut(
            jurisdiction=clinic.jurisdiction,
            allowed=decision.allowed,
            reason=decision.reason,
            rule_title=rule.title if rule else None,
            rule_source_url=rule.source.url if rule and rule.source else None,
        ),
        "shipped": p.clinic_id is None,
        "cloned_from_id": p.cloned_from_id,
    }


def _protocol_out(clinic: Clinic, protocols: list[Protocol]) -> list[dict[str, Any]]:
    """Each protocol's fields with its jurisdiction decision, in a fixed number of queries."""
    decided = queries.protocol_decisions(clinic, protocols)
    return [_protocol(p, clinic, decision, lipolytic) for p, decision, lipolytic in decided]


@router.get("/protocols", response={200: ProtocolPage, **ERRORS}, auth=TokenAuth("catalogue.view"))
def list_protocols(request: ApiRequest, filters: Query[CatalogueFilters]) -> ProtocolPage:
    found = queries.protocols(request.clinic, _filters(request, filters))
    rows, total = paginate(_protocols(found), filters)
    return ProtocolPage(
        items=[ProtocolOut(**v) for v in _protocol_out(request.clinic, rows)],
        count=total,
        page=filters.page,
        page_size=filters.page_size,
    )


@router.get(
    "/protocols/{protocol_id}",
    response={200: ProtocolDetailOut, **ERRORS},
    auth=TokenAuth("catalogue.view"),
)
def get_protocol(request: ApiRequest, protocol_id: int) -> ProtocolDetailOut:
    protocol = queries.visible_or_404(
        _protocols(Protocol.objects.all()), request.clinic, pk=protocol_id
    )
    (values,) = _protocol_out(request.clinic, [protocol])
    return ProtocolDetailOut(
        **values,
        contraindications=[
            _fact(x, ContraindicationOut, _CONTRA) for x in contraindications_for(protocol)
        ],
        adverse_effects=[
            _fact(e, AdverseEffectOut, _EFFECT) for e in adverse_effects_for(protocol)
        ],
    )


@router.get("/allergens", response={200: AllergenPage, **ERRORS}, auth=TokenAuth("catalogue.view"))
def list_allergens(request: ApiRequest, filters: Query[Paging]) -> AllergenPage:
    """The substances and classes an allergy is coded to (`coded_as` of a patient's allergy)."""
    reject_unknown_query(request, set(Paging.model_fields))
    found = (
        Allergen.objects.select_related("source", "member_of")
        .prefetch_related("compounds")
        .order_by("slug")
    )
    rows, total = paginate(found, filters)
    items = [
        AllergenOut(
            verification=a.verification,
            source=_source(a.source),
            slug=a.slug,
            name=a.name,
            kind=a.kind,
            terms=a.term_list,
            member_of=a.member_of.slug if a.member_of else None,
            compounds=sorted(c.slug for c in a.compounds.all()),
        )
        for a in rows
    ]
    return AllergenPage(items=items, count=total, page=filters.page, page_size=filters.page_size)
