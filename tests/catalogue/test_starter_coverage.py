"""The shipped starter catalogue covers the brief; every fact is sourced or marked U."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from mesotrace.catalogue.models import (
    AdverseEffect,
    BodyZone,
    Compound,
    CompoundNote,
    Contraindication,
    DoseLimit,
    Indication,
    JurisdictionRule,
    Product,
    ProductComponent,
    Protocol,
    RegulatoryStatus,
    Source,
)
from mesotrace.catalogue.queries import fact_counts
from mesotrace.catalogue.shipped import data as starter_data
from mesotrace.catalogue.shipped.loader import _Loader

pytestmark = pytest.mark.django_db

ARTICLE_INDICATIONS = {
    "localised-adiposity",
    "cellulite",
    "hair-loss",
    "sports-injuries-pain",
    "venous-lymphatic-insufficiency",
}


def test_at_least_twenty_compounds_in_the_four_classes_the_article_names() -> None:
    shipped = Compound.objects.shipped()
    assert shipped.count() >= 20
    classes = set(shipped.values_list("compound_class", flat=True))
    assert {"natural", "synthetic", "anaesthetic", "vitamin"} <= classes


def test_every_indication_of_the_article_has_a_protocol_with_products() -> None:
    slugs = set(Indication.objects.shipped().values_list("slug", flat=True))
    assert slugs >= ARTICLE_INDICATIONS
    for slug in ARTICLE_INDICATIONS | {"skin-ageing"}:
        protocols = Protocol.objects.shipped().filter(indication__slug=slug)
        assert protocols.exists(), slug
        assert all(p.items.exists() for p in protocols), slug


def test_cellulite_has_no_icd10_code_and_is_never_cellulitis() -> None:
    cellulite = Indication.objects.shipped().get(slug="cellulite")
    assert cellulite.icd10_code == ""
    assert "L03" in cellulite.icd10_note
    assert "cellulitis" in cellulite.icd10_note
    assert not Indication.objects.filter(icd10_code__startswith="L03").exists()


def test_localised_adiposity_is_e65_not_e66() -> None:
    adiposity = Indication.objects.shipped().get(slug="localised-adiposity")
    assert adiposity.icd10_code == "E65"
    assert adiposity.verification == "V"
    assert adiposity.source is not None
    assert adiposity.source.url == "https://pabau.com/diagnostic-codes/icd-10-code-e65/"


def _marked_rows() -> list[tuple[str, str, Any]]:
    """(what, mark, source) for every sourced fact in the shipped catalogue."""
    rows: list[tuple[str, str, Any]] = []
    for model in (RegulatoryStatus, AdverseEffect, Contraindication, CompoundNote, BodyZone):
        for fact in model.objects.select_related("source"):
            rows.append((f"{model.__name__} {fact.pk}", fact.verification, fact.source))
    for entry_model in (Product, Indication):
        for entry in entry_model.objects.shipped().select_related("source"):
            rows.append((str(entry), entry.verification, entry.source))
    for rule in JurisdictionRule.objects.select_related("source"):
        rows.append((str(rule), rule.verification, rule.source))
    for compound in Compound.objects.shipped():
        rows.append((f"{compound} ATC", compound.atc_verification, compound.atc_source))
        rows.append((f"{compound} dose", compound.max_dose_verification, compound.max_dose_source))
    for protocol in Protocol.objects.shipped():
        for part in ("schedule", "technique", "mix", "evidence"):
            mark = getattr(protocol, f"{part}_verification")
            rows.append((f"{protocol} {part}", mark, getattr(protocol, f"{part}_source")))
    return rows


def test_every_fact_has_a_source_or_is_marked_unverified() -> None:
    rows = _marked_rows()
    assert len(rows) > 150
    unsourced = [what for what, mark, source in rows if mark != "U" and source is None]
    assert unsourced == []
    marks = {mark for _what, mark, _source in rows}
    assert marks == {"V", "V2", "U"}


def test_compounds_with_evidence_cite_their_evidence_sources() -> None:
    for compound in Compound.objects.shipped():
        if compound.evidence_verification != "U":
            assert compound.evidence_sources.exists(), compound.name


def test_atc_codes_are_secondary_and_absent_ones_unverified() -> None:
    for compound in Compound.objects.shipped():
        if compound.atc_code:
            assert compound.atc_verification == "V2", compound.name
        else:
            assert compound.atc_verification == "U", compound.name
    assert Compound.objects.shipped().get(slug="lidocaine").atc_code == "N01BB02"
    assert Compound.objects.shipped().get(slug="artichoke-extract").atc_code == ""


def test_dose_limits_are_in_drug_amount_from_the_labels() -> None:
    assert not Compound.objects.shipped().exclude(max_dose_per_session=None).exists()
    limits = {
        (d.compound.slug, d.kind, d.epinephrine): (d.amount, d.ceiling_mg, d.verification)
        for d in DoseLimit.objects.select_related("compound")
    }
    assert limits == {
        ("deoxycholic-acid", "per_session", "any"): (Decimal(100), None, "V"),
        ("deoxycholic-acid", "injections", "any"): (Decimal(50), None, "V"),
        ("deoxycholic-acid", "per_injection", "any"): (Decimal(2), None, "V"),
        ("lidocaine", "per_kg", "without"): (Decimal("4.5"), Decimal(300), "V"),
        ("lidocaine", "per_kg", "with"): (Decimal(7), Decimal(500), "V"),
        ("procaine", "per_session", "any"): (Decimal(350), None, "V2"),
    }


def test_every_stated_strength_is_sourced_and_anaesthetic_vials_say_their_presentation() -> None:
    for row in ProductComponent.objects.filter(product__clinic=None):
        if row.concentration is not None:
            assert row.strength_source_id is not None, row
            assert row.strength_verification in {"V", "V2"}, row
    labelled = Product.objects.shipped().filter(
        source__key__in=["dailymed-xylocaine", "dailymed-novocain"]
    )
    assert {p.presentation for p in labelled} >= {"single_dose_vial", "multi_dose_vial", "ampoule"}
    for product in labelled.filter(presentation="multi_dose_vial"):
        assert product.discard_after_opening_hours == 28 * 24
        assert "unverified" in product.note


def test_allergy_keywords_let_screening_match_soy_and_local_anaesthetics() -> None:
    pc = Compound.objects.shipped().get(slug="phosphatidylcholine")
    assert {"soy", "soya", "lecithin"} <= set(pc.allergen_terms)
    lidocaine = Compound.objects.shipped().get(slug="lidocaine")
    assert {"lidocaine", "amide anaesthetic", "local anaesthetic"} <= set(lidocaine.allergen_terms)


def test_the_three_procedure_types_are_kept_distinct() -> None:
    types = set(Protocol.objects.shipped().values_list("procedure_type", flat=True))
    assert types == {"mesotherapy", "injection_lipolysis", "approved_dc"}
    kybella = Protocol.objects.shipped().get(procedure_type="approved_dc")
    assert [z.slug for z in kybella.zones.all()] == ["submental"]


def test_snomed_codes_come_only_from_the_reference() -> None:
    allowed = {"818983003", "68367000", "46862004", "40983000", "41695006", "58602004"}
    codes = set(BodyZone.objects.exclude(snomed_code="").values_list("snomed_code", flat=True))
    assert codes <= allowed
    assert BodyZone.objects.get(slug="flank").verification == "U"


def test_the_starter_data_names_only_real_fields_and_known_sources() -> None:
    loader = _Loader(apps.get_model)
    for compound in starter_data.COMPOUNDS:
        for key in compound["evidence_sources"]:
            assert key in starter_data.SOURCES
    for name, rows in (
        ("Indication", starter_data.INDICATIONS),
        ("BodyZone", starter_data.BODY_ZONES),
        ("JurisdictionRule", starter_data.JURISDICTION_RULES),
    ):
        model = apps.get_model("catalogue", name)
        for row in rows:
            extra = set(row) - set(loader.fields(name, row)) - _relations(model)
            assert extra == set(), (name, extra)


def _relations(model: type[models.Model]) -> set[str]:
    return {field.name for field in model._meta.many_to_many}


def test_fact_counts_lists_every_shipped_compound() -> None:
    counts = fact_counts()
    assert set(counts) == set(Compound.objects.shipped().values_list("name", flat=True))
    assert all(sum(marks.values()) >= 2 for marks in counts.values())
    assert counts["Deoxycholic acid (sodium deoxycholate)"]["V"] >= 10


def test_references_prefer_pubmed_doi_or_the_regulator_and_mark_aggregators() -> None:
    for key in starter_data.SECONDARY_SOURCES:
        assert "secondary source" in Source.objects.get(clinic=None, key=key).publisher, key
    label = Source.objects.get(clinic=None, key="kybella-label")
    assert label.url.startswith("https://dailymed.nlm.nih.gov/")
    for key in ("jocd-12320", "rotunda-2009", "obes-rev-2013", "spain-2009-homeopathic"):
        url = Source.objects.get(clinic=None, key=key).url
        assert url.startswith(("https://doi.org/", "https://pubmed.ncbi.nlm.nih.gov/")), key


def test_finasteride_is_approved_for_men_only() -> None:
    status = RegulatoryStatus.objects.get(
        compound__slug="finasteride", jurisdiction="US", status="approved"
    )
    assert "in men only" in status.indication
    assert "not for women" in status.indication


def test_every_protocol_compound_has_a_decision_or_unverified_in_france_and_the_us() -> None:
    for protocol in Protocol.objects.shipped():
        for compound in protocol.compounds():
            for country in ("FR", "US"):
                here = compound.regulatory_statuses.filter(jurisdiction__in=[country, "*", "EU"])
                if country == "US":
                    here = here.exclude(jurisdiction="EU")
                assert here.exists(), (compound.slug, country)
