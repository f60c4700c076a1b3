"""The catalogue text patients read is in French for a French reader: the shipped catalogue is
translated, a missing translation shows the English labelled "not yet translated" (never
silently), a translation keeps its fact's mark and source, and owners edit in their language."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from mesotrace.accounts.models import User
from mesotrace.catalogue import models as catalogue
from mesotrace.catalogue.models import PATIENT_TEXT, Compound, Protocol
from mesotrace.catalogue.shipped import data
from mesotrace.catalogue.shipped.fr import FRENCH
from mesotrace.catalogue.shipped.loader import sync_starter_catalogue
from mesotrace.consent import documents
from mesotrace.patients.models import Patient
from mesotrace.treatments.models import TreatmentPlan
from tests.catalogue.builders import shipped_compound, shipped_protocol
from tests.conftest import World
from tests.treatments.builders import HAIR, make_plan

# Shipped texts deliberately left in English, with the reason. Keep it short.
NOT_YET_TRANSLATED: dict[str, str] = {}


def _patient_texts() -> Iterator[str]:
    """Every patient-facing English text of the shipped data, as the loader writes it."""
    yield from (product["name"] for product in data.PRODUCTS)
    for compound in data.COMPOUNDS:
        yield compound["name"]
        yield compound["purpose"]
        yield compound["evidence_summary"]
        yield from (use["evidence_summary"] for use in compound["uses"])
        yield from (status["indication"] for status in compound["regulatory"])
        yield from _effect_texts(compound["adverse"])
        yield from (row["text"] for row in compound["contraindications"] + compound["notes"])
    yield from _effect_texts(data.TECHNIQUE_ADVERSE_EFFECTS)
    yield from (row["text"] for row in data.TECHNIQUE_CONTRAINDICATIONS)
    for indication in data.INDICATIONS:
        yield from (indication["name"], indication.get("description", ""))
    yield from (zone["name"] for zone in data.BODY_ZONES)
    for protocol in data.PROTOCOLS:
        yield from (protocol["name"], protocol["evidence_statement"], protocol["schedule_note"])
    for rule in data.JURISDICTION_RULES:
        yield from (rule["title"], rule["summary"])
    yield from _staff_texts()


def _staff_texts() -> Iterator[str]:
    """The notes staff read beside a fact, as the loader writes them."""
    for compound in data.COMPOUNDS:
        yield from (compound["atc_note"], (compound["max_dose"] or {}).get("note", ""))
        yield from (limit["note"] for limit in compound["dose_limits"])
    yield from (allergen["cross_reaction"] for allergen in data.ALLERGENS)
    yield from (product["note"] for product in data.PRODUCTS)
    yield from (indication["icd10_note"] for indication in data.INDICATIONS)
    yield from (zone["note"] for zone in data.BODY_ZONES)
    for protocol in data.PROTOCOLS:
        yield from (protocol["technique_note"], protocol["mix_note"])
        yield from (item["note"] for item in protocol["items"])
    yield from (rule["history"] for rule in data.JURISDICTION_RULES)


def _effect_texts(effects: list[dict[str, Any]]) -> Iterator[str]:
    for effect in effects:
        yield from (effect["term"], effect["plain_term"], effect["frequency"])


def _en(row: models.Model, field: str) -> Any:
    return getattr(row, f"{field}_en")


def _fr(row: models.Model, field: str) -> Any:
    return getattr(row, f"{field}_fr")


def _french(client: Client) -> Client:
    """The signed-in staff user reads French (their own language, whatever the browser's)."""
    User.objects.filter(pk=client.session["_auth_user_id"]).update(language="fr")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    return client


def test_every_shipped_patient_text_has_its_french() -> None:
    missing = {text for text in _patient_texts() if text and text not in FRENCH}
    assert missing == set(NOT_YET_TRANSLATED)


def test_every_french_text_translates_a_shipped_english_text() -> None:
    """A French text whose English changed would be left behind: it must be re-translated."""
    assert set(FRENCH) <= set(_patient_texts())


def test_french_text_uses_french_typography() -> None:
    for french in FRENCH.values():
        for mark in (":", ";", "?", "!", "»", "%"):
            assert f" {mark}" not in french, french
        for wrong in ("« ", '"', "“"):
            assert wrong not in french, french


def _rows_missing_french(model: type[models.Model]) -> list[str]:
    missing = []
    for row in model._default_manager.all():
        for field in PATIENT_TEXT[model.__name__]:
            english = getattr(row, f"{field}_en")
            if english and english not in NOT_YET_TRANSLATED and not getattr(row, f"{field}_fr"):
                missing.append(f"{model.__name__}.{field}: {english}")
    return missing


def test_every_shipped_compound_and_protocol_has_french_in_the_database(db: Any) -> None:
    for name in PATIENT_TEXT:
        assert _rows_missing_french(getattr(catalogue, name)) == [], name
    compounds = Compound.objects.shipped()
    protocols = Protocol.objects.shipped()
    assert compounds.count() == len(data.COMPOUNDS)
    assert protocols.count() == len(data.PROTOCOLS)
    assert all(_fr(c, "purpose") and _fr(c, "evidence_summary") for c in compounds)
    assert all(_fr(p, "name") and _fr(p, "evidence_statement") for p in protocols)


def test_loading_in_french_keeps_the_english_in_the_english_column(db: Any) -> None:
    with translation.override("fr"):
        sync_starter_catalogue()
    compound = shipped_compound("minoxidil")
    english = next(c["purpose"] for c in data.COMPOUNDS if c["slug"] == "minoxidil")
    assert (_en(compound, "purpose"), _fr(compound, "purpose")) == (english, FRENCH[english])
    with translation.override("en"):
        assert compound.purpose == english


def test_a_french_compound_page_shows_the_french_purpose(
    world: World, login: Callable[[User], Client]
) -> None:
    compound = shipped_compound("minoxidil")
    page = _french(login(world.members["practitioner"])).get(f"/catalogue/compounds/{compound.pk}/")
    text = page.content.decode()
    assert html.escape(_fr(compound, "purpose")) in text
    assert html.escape(_en(compound, "purpose")) not in text


def test_missing_french_shows_the_english_with_its_lang_and_a_label(
    world: World, login: Callable[[User], Client]
) -> None:
    compound = shipped_compound("minoxidil")
    Compound.objects.filter(pk=compound.pk).update(purpose_fr="")
    page = _french(login(world.members["practitioner"])).get(f"/catalogue/compounds/{compound.pk}/")
    with translation.override("fr"):
        label = gettext("not yet translated")
    expected = (
        f'<span lang="en">{html.escape(_en(compound, "purpose"))}</span> '
        f'<span class="badge untranslated">{html.escape(label)}</span>'
    )
    assert expected in page.content.decode()


def test_a_french_text_keeps_its_facts_unverified_mark(
    world: World, login: Callable[[User], Client]
) -> None:
    compound = shipped_compound("biotin")
    assert compound.evidence_verification == "U"
    page = _french(login(world.members["practitioner"])).get(f"/catalogue/compounds/{compound.pk}/")
    with translation.override("fr"):
        unverified = gettext("unverified")
    summary = html.escape(_fr(compound, "evidence_summary"))
    shown = f"{html.escape(unverified)}</span> {summary}"
    assert shown in " ".join(page.content.decode().split())


def _french_plan(world: World) -> TreatmentPlan:
    """A plan for a patient who reads French (the consent document follows the patient)."""
    plan = make_plan(world.clinic, protocol=HAIR)
    Patient.objects.filter(pk=plan.patient_id).update(preferred_language="fr")
    plan.patient.refresh_from_db()
    return plan


def _french_document(world: World) -> str:
    plan = _french_plan(world)
    with translation.override("fr"):
        content = documents.build_content(plan)
        return documents.render_text(content, documents.version_of(content))


def test_a_french_consent_document_quotes_the_catalogue_in_french_with_marks_and_sources(
    world: World,
) -> None:
    protocol = shipped_protocol(HAIR)
    text = _french_document(world)
    with translation.override("fr"):
        unverified = gettext("unverified")
    minoxidil = shipped_compound("minoxidil")
    assert _fr(minoxidil, "purpose") in text
    assert _en(minoxidil, "purpose") not in text
    no_decision = "No regulator's decision on this compound was checked for this catalogue"
    assert f"({FRENCH[no_decision]}) [{unverified}]" in text  # the unverified mark, in French
    statement = _fr(protocol, "evidence_statement")
    evidence = f"{statement} [{protocol.evidence_source_id}]"
    assert evidence in text
    assert _en(protocol, "evidence_statement") not in text
    assert gettext("not yet translated") not in text


def test_a_french_consent_document_labels_a_text_it_has_only_in_english(world: World) -> None:
    minoxidil = shipped_compound("minoxidil")
    Compound.objects.filter(pk=minoxidil.pk).update(purpose_fr="")
    plan = _french_plan(world)
    with translation.override("fr"):
        content = documents.build_content(plan)
        body = documents.render_html(content, documents.version_of(content))
        label = gettext("not yet translated")
    purpose = next(c for c in content["compounds"] if c["name"] == minoxidil.name)
    assert (purpose["purpose"], purpose["purpose_lang"]) == (_en(minoxidil, "purpose"), "en")
    shown = f'<span lang="en">{html.escape(_en(minoxidil, "purpose"))}</span>'
    assert f'{shown} <span class="badge untranslated">{html.escape(label)}</span>' in body


def _clone(client: Client, compound: Compound) -> Compound:
    client.post(f"/catalogue/compounds/{compound.pk}/clone/")
    return Compound.objects.exclude(clinic=None).get(cloned_from=compound)


def _edit_form(client: Client, compound: Compound) -> dict[str, Any]:
    page = client.get(f"/catalogue/compounds/{compound.pk}/edit/")
    form = page.context["form"]
    values = {name: form[name].value() or "" for name in form.fields}
    values["evidence_sources"] = [str(pk) for pk in form["evidence_sources"].value()]
    for _legend, formset in page.context["formsets"]:
        management = formset.management_form
        values |= {
            management[name].html_name: management[name].value() for name in management.fields
        }
        for row in formset.forms:
            values |= {row[name].html_name: row[name].value() or "" for name in row.fields}
    return values


@pytest.fixture
def french_owner(world: World, login: Callable[[User], Client]) -> Client:
    return _french(login(world.members["owner"]))


def test_an_owner_editing_in_french_writes_the_french_text(french_owner: Client) -> None:
    copy = _clone(french_owner, shipped_compound("lidocaine"))
    values = _edit_form(french_owner, copy)
    assert values["purpose"] == _fr(copy, "purpose")
    values["purpose"] = "Un vasodilatateur, selon notre protocole."
    response = french_owner.post(f"/catalogue/compounds/{copy.pk}/edit/", values)
    assert response.status_code == 302
    copy.refresh_from_db()
    assert _fr(copy, "purpose") == "Un vasodilatateur, selon notre protocole."
    # The English translated the old text: it is cleared, and English readers see the
    # French labelled "not yet translated" rather than a text that says something else.
    assert not _en(copy, "purpose")
    with translation.override("en"):
        assert catalogue.text_and_language(copy, "purpose") == (_fr(copy, "purpose"), "fr")
    # Facts sent back unchanged keep both languages.
    allergy = "Allergy to lidocaine or other amide local anaesthetics."
    contraindication = copy.contraindications.get()
    assert (_en(contraindication, "text"), _fr(contraindication, "text")) == (
        allergy,
        FRENCH[allergy],
    )
    effect = copy.adverse_effects.get()
    assert _fr(effect, "term") == FRENCH[_en(effect, "term")]


def test_a_missing_french_sent_back_as_shown_stays_missing(french_owner: Client) -> None:
    copy = _clone(french_owner, shipped_compound("minoxidil"))
    Compound.objects.filter(pk=copy.pk).update(evidence_summary_fr="")
    values = _edit_form(french_owner, copy)
    assert values["evidence_summary"] == _en(copy, "evidence_summary")  # the English, as a fallback
    response = french_owner.post(f"/catalogue/compounds/{copy.pk}/edit/", values)
    assert response.status_code == 302
    copy.refresh_from_db()
    assert _fr(copy, "evidence_summary") in ("", None)
    assert _en(copy, "evidence_summary")
    assert _fr(copy, "purpose") == FRENCH[_en(copy, "purpose")]


def test_the_english_page_is_unchanged_for_english_readers(
    world: World, login: Callable[[User], Client]
) -> None:
    compound = shipped_compound("minoxidil")
    client = login(world.members["practitioner"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    text = client.get(f"/catalogue/compounds/{compound.pk}/").content.decode()
    assert html.escape(_en(compound, "purpose")) in text
    assert "not yet translated" not in text


# The notes staff read beside a fact, and the sources' titles (quotations).


def test_a_french_protocol_page_shows_its_technique_mix_and_item_notes_in_french(
    world: World, login: Callable[[User], Client]
) -> None:
    protocol = Protocol.objects.shipped().exclude(technique_note="").exclude(mix_note="").first()
    assert protocol is not None
    page = _french(login(world.members["practitioner"])).get(f"/catalogue/protocols/{protocol.pk}/")
    text = page.content.decode()
    assert '<html lang="fr"' in text
    for field in ("technique_note", "mix_note"):
        english = _en(protocol, field)
        assert _fr(protocol, field) == FRENCH[english]
        assert html.escape(_fr(protocol, field)) in text
        assert html.escape(english) not in text
    for item in protocol.items.exclude(note=""):
        assert html.escape(_fr(item, "note")) in text


def test_a_french_protocol_page_keeps_the_technique_notes_mark_and_source(
    world: World, login: Callable[[User], Client]
) -> None:
    protocol = (
        Protocol.objects.shipped().exclude(technique_note="").exclude(technique_source=None).first()
    )
    assert protocol is not None
    assert protocol.technique_source is not None
    page = _french(login(world.members["practitioner"])).get(f"/catalogue/protocols/{protocol.pk}/")
    text = re.sub(r"[ \t\n]+", " ", page.content.decode())
    note = html.escape(_fr(protocol, "technique_note"))
    source = protocol.technique_source
    assert f'{note}</span> <span class="muted"><span lang="{source.language}">' in text
    assert html.escape(source.title) in text


def test_a_missing_french_technique_note_shows_the_english_labelled(
    world: World, login: Callable[[User], Client]
) -> None:
    protocol = Protocol.objects.shipped().exclude(technique_note="").first()
    assert protocol is not None
    Protocol.objects.filter(pk=protocol.pk).update(technique_note_fr="")
    page = _french(login(world.members["practitioner"])).get(f"/catalogue/protocols/{protocol.pk}/")
    with translation.override("fr"):
        label = gettext("not yet translated")
    english = html.escape(_en(protocol, "technique_note"))
    assert (
        f'<span lang="en">{english}</span> <span class="badge untranslated">{html.escape(label)}'
        in page.content.decode()
    )


def test_staff_notes_of_products_indications_and_rules_are_french(
    world: World, login: Callable[[User], Client]
) -> None:
    client = _french(login(world.members["practitioner"]))
    product = catalogue.Product.objects.shipped().exclude(note="").first()
    indication = catalogue.Indication.objects.shipped().exclude(icd10_note="").first()
    assert product is not None
    assert indication is not None
    pages = {
        f"/catalogue/products/{product.pk}/": _fr(product, "note"),
        f"/catalogue/indications/{indication.pk}/": _fr(indication, "icd10_note"),
    }
    for url, french in pages.items():
        assert french
        assert html.escape(french) in client.get(url).content.decode(), url
    history = "The Conseil d'État upheld this article on 17 February 2012"
    rule = catalogue.JurisdictionRule.objects.get(**{"history_en__startswith": history})
    assert _fr(rule, "history").startswith("Le Conseil d'État a confirmé cet article")


def test_shipped_sources_know_the_language_of_their_titles(db: Any) -> None:
    decree = catalogue.Source.objects.get(clinic=None, key="legifrance-2011-382")
    assert (decree.title, decree.language) == ("Décret n° 2011-382 du 11 avril 2011", "fr")
    ruling = catalogue.Source.objects.get(clinic=None, key="conseil-etat-349431")
    assert ruling.language == "fr"
    label = catalogue.Source.objects.get(clinic=None, key="dailymed-xylocaine")
    assert label.language == "en"


def test_an_english_source_title_is_marked_english_on_a_french_page(
    world: World, login: Callable[[User], Client]
) -> None:
    compound = shipped_compound("lidocaine")
    source = compound.atc_source
    assert source is not None
    assert source.language == "en"
    page = _french(login(world.members["practitioner"])).get(f"/catalogue/compounds/{compound.pk}/")
    link = f'<a href="{html.escape(source.url)}" rel="noopener noreferrer" target="_blank">'
    assert f'<span lang="en">{link}{html.escape(source.title)}</a></span>' in page.content.decode()


def test_a_french_source_title_is_marked_french_on_an_english_page(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    page = client.get("/catalogue/rules/").content.decode()
    assert '<html lang="en"' in page
    assert '<span lang="fr"><a href="http://legifrance.gouv.fr/' in page


def test_the_source_choices_of_a_form_carry_their_titles_language(
    french_owner: Client,
) -> None:
    copy = _clone(french_owner, shipped_compound("lidocaine"))
    page = french_owner.get(f"/catalogue/compounds/{copy.pk}/edit/").content.decode()
    decree = catalogue.Source.objects.get(clinic=None, key="legifrance-2011-382")
    label = catalogue.Source.objects.get(clinic=None, key="dailymed-xylocaine")
    assert f'<option value="{decree.pk}" lang="fr">' in page
    assert f'<option value="{label.pk}" lang="en"' in page
    assert f'<span lang="en">{html.escape(label.title)}</span>' in page  # a checkbox's label


def test_an_owner_adds_a_source_with_the_language_of_its_title(french_owner: Client) -> None:
    response = french_owner.post(
        "/catalogue/sources/new/",
        {
            "url": "https://www.has-sante.fr/mesotherapie",
            "title": "Mésothérapie : état des lieux",
            "publisher": "HAS",
            "language": "fr",
            "year": "2020",
        },
    )
    assert response.status_code == 302
    source = catalogue.Source.objects.get(title="Mésothérapie : état des lieux")
    assert source.language == "fr"


def test_the_consent_references_carry_the_language_of_each_title(world: World) -> None:
    plan = _french_plan(world)
    with translation.override("fr"):
        content = documents.build_content(plan)
        body = documents.render_html(content, documents.version_of(content))
    assert content["sources"]
    for source in content["sources"]:
        row = catalogue.Source.objects.get(pk=source["id"])
        assert source["language"] == row.language
        quoted = html.escape(row.title) + (
            f", {html.escape(row.publisher)}" if row.publisher else ""
        )
        assert f'[{row.pk}] <span lang="{row.language}">{quoted}</span>' in body


# Compound and product names: shown in the reader's language, never used as identity.


def test_shipped_compounds_and_products_have_french_names_in_the_database(db: Any) -> None:
    lidocaine = shipped_compound("lidocaine")
    assert (_en(lidocaine, "name"), _fr(lidocaine, "name")) == ("Lidocaine", "Lidocaïne")
    minoxidil = catalogue.Product.objects.get(clinic=None, slug="minoxidil-2-generic")
    assert _fr(minoxidil, "name") == "Minoxidil 2\u00a0% pour injection intradermique (générique)"
    with translation.override("fr"):
        assert shipped_compound("vitamin-c").name == "Vitamine C (acide ascorbique)"
        assert catalogue.english(minoxidil) == _en(minoxidil, "name")
    with translation.override("en"):
        assert shipped_compound("vitamin-c").name == "Vitamin C (ascorbic acid)"


def test_french_compound_and_product_pages_show_french_names(
    world: World, login: Callable[[User], Client]
) -> None:
    client = _french(login(world.members["practitioner"]))
    compound = shipped_compound("hyaluronic-acid")
    page = client.get(f"/catalogue/compounds/{compound.pk}/").content.decode()
    assert "<h1>Acide hyaluronique (non réticulé) " in page
    assert "Hyaluronic acid (non-cross-linked)" not in page
    product = catalogue.Product.objects.get(clinic=None, slug="lidocaine-2-generic")
    page = client.get(f"/catalogue/products/{product.pk}/").content.decode()
    assert html.escape(_fr(product, "name")) in page
    assert ">Lidocaïne</a>" in page  # its compound


def test_a_name_is_found_by_its_words_in_either_language(
    world: World, login: Callable[[User], Client]
) -> None:
    french = _french(login(world.members["practitioner"]))
    for words in ("lidocaine", "lidocaïne"):
        found = french.get(f"/catalogue/?q={words}", HTTP_HX_REQUEST="true").content.decode()
        assert ">Lidocaïne</a>" in found, words
        assert "Procaïne" not in found, words
    for words in ("chlorhydrate procaïne", "procaine hcl"):
        found = french.get(f"/catalogue/products/?q={words}").content.decode()
        assert "Chlorhydrate de procaïne 1\u00a0%" in found, words
        assert "lidocaïne 1\u00a0%" not in found, words
    english = login(world.members["nurse"])
    found = english.get("/catalogue/?q=ascorbique", HTTP_HX_REQUEST="true").content.decode()
    assert "Vitamin C (ascorbic acid)" in found


def test_an_owner_renaming_in_french_writes_the_french_name_only(french_owner: Client) -> None:
    copy = _clone(french_owner, shipped_compound("lidocaine"))
    assert (_en(copy, "name"), _fr(copy, "name")) == ("Lidocaine", "Lidocaïne")
    values = _edit_form(french_owner, copy)
    assert values["name"] == "Lidocaïne"
    values["name"] = "Lidocaïne de la clinique"
    response = french_owner.post(f"/catalogue/compounds/{copy.pk}/edit/", values)
    assert response.status_code == 302
    copy.refresh_from_db()
    assert _fr(copy, "name") == "Lidocaïne de la clinique"
    assert not _en(copy, "name")  # the English named the old entry
    assert copy.slug == "lidocaine"  # what identifies it does not change
    assert catalogue.english(copy) == "Lidocaïne de la clinique"  # its only name
    assert "lidocaïne de la clinique" in copy.allergen_terms
