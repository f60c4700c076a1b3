"""Catalogue reads shared by the pages and the API: searches and filters (rows only via
`visible_to`: shipped and the clinic's own), the jurisdiction rules in force, and how
well the shipped facts are verified."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import (
    Compound,
    Indication,
    JurisdictionRule,
    ProcedureType,
    Product,
    ProductComponent,
    Protocol,
    ProtocolItem,
    Source,
    Verification,
)
from mesotrace.catalogue.rules import Decision, decide

MAX_QUERY = 100
_E = TypeVar("_E", Compound, Product, Protocol, Indication, Source)
_M = TypeVar("_M", bound=models.Model)


# --- One entry -------------------------------------------------------------------------------


def visible_or_404(queryset: models.QuerySet[_E], clinic: Clinic, **lookup: Any) -> _E:
    """A shipped entry or one of the clinic's own; another clinic's entry is simply not found."""
    visible = queryset.filter(Q(clinic__isnull=True) | Q(clinic=clinic))
    try:
        return visible.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def own_or_refuse(queryset: models.QuerySet[_E], clinic: Clinic, **lookup: Any) -> _E:
    """The clinic's own entry, for editing; a shipped one is refused (403), others are 404."""
    entry = visible_or_404(queryset, clinic, **lookup)
    if entry.clinic_id is None:
        raise PermissionDenied(
            _("Shipped catalogue entries are read-only. Clone this one to adapt it.")
        )
    return entry


# --- Searches --------------------------------------------------------------------------------


def _words(text: str, *fields: str) -> Q:
    query = Q()
    for word in text.strip()[:MAX_QUERY].split():
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        query &= any_field
    return query


def _protocols_of(clinic: Clinic, indication: Indication | None) -> QuerySet[Protocol]:
    protocols = Protocol.objects.visible_to(clinic)
    return protocols.filter(indication=indication) if indication else protocols


@dataclass(frozen=True)
class Filters:
    """What a list is narrowed to: words of the entry, an indication, a class of compound."""

    q: str = ""
    indication: Indication | None = None
    compound_class: str = ""


EVERYTHING = Filters()


def _in_every_language(path: str) -> tuple[str, ...]:
    """A name searched in each language it is kept in: a word finds the same compounds and
    products whatever the reader's language ("lidocaine" finds Lidocaïne in French)."""
    return tuple(f"{path}_{code}" for code, _name in settings.LANGUAGES)


# The fields a search box looks in, and the path to the class of the compounds, per kind.
_SEARCHED: dict[type[models.Model], tuple[str, ...]] = {
    Compound: (*_in_every_language("name"), "synonyms", "atc_code", "purpose"),
    Product: (
        *_in_every_language("name"),
        "brand",
        "manufacturer",
        *_in_every_language("components__compound__name"),
    ),
    Indication: ("name", "description", "icd10_code"),
    Protocol: ("name", *_in_every_language("items__product__name"), "evidence_statement"),
}
_CLASS_OF: dict[type[models.Model], str] = {
    Compound: "compound_class",
    Product: "components__compound__compound_class",
    Protocol: "items__product__components__compound__compound_class",
}


def _narrowed(found: QuerySet[_M], filters: Filters) -> QuerySet[_M]:
    """`found` with the words, then the class of compound, applied (not the indication)."""
    found = found.filter(_words(filters.q, *_SEARCHED[found.model]))
    if filters.compound_class:
        found = found.filter(**{_CLASS_OF[found.model]: filters.compound_class})
    return found


def compounds(clinic: Clinic, filters: Filters = EVERYTHING) -> QuerySet[Compound]:
    found = _narrowed(Compound.objects.visible_to(clinic), filters)
    if filters.indication is not None:
        in_protocols = _protocols_of(clinic, filters.indication)
        used = ProductComponent.objects.filter(product__protocol_items__protocol__in=in_protocols)
        found = found.filter(pk__in=used.values("compound_id"))
    return found


def products(clinic: Clinic, filters: Filters = EVERYTHING) -> QuerySet[Product]:
    found = _narrowed(Product.objects.visible_to(clinic), filters)
    if filters.indication is not None:
        in_protocols = _protocols_of(clinic, filters.indication)
        found = found.filter(protocol_items__protocol__in=in_protocols)
    return found.distinct()


def indications(clinic: Clinic, filters: Filters = EVERYTHING) -> QuerySet[Indication]:
    """Indications by words only: the other filters do not apply to them."""
    return Indication.objects.visible_to(clinic).filter(_words(filters.q, *_SEARCHED[Indication]))


def protocols(clinic: Clinic, filters: Filters = EVERYTHING) -> QuerySet[Protocol]:
    return _narrowed(_protocols_of(clinic, filters.indication), filters).distinct()


def products_with(clinic: Clinic, compound: Compound) -> QuerySet[Product]:
    """The visible products that contain the compound."""
    return Product.objects.visible_to(clinic).filter(components__compound=compound).distinct()


def protocols_with(
    clinic: Clinic, *, compound: Compound | None = None, product: Product | None = None
) -> QuerySet[Protocol]:
    """The visible protocols whose mix holds the compound or the product, with indications."""
    found = Protocol.objects.visible_to(clinic)
    if compound is not None:
        found = found.filter(items__product__components__compound=compound)
    if product is not None:
        found = found.filter(items__product=product)
    return found.select_related("indication").distinct()


# --- Jurisdiction rules ----------------------------------------------------------------------


def rules_for(clinic: Clinic) -> list[JurisdictionRule]:
    """Rules in force in the clinic's jurisdiction, with what they name preloaded."""
    rules = JurisdictionRule.objects.filter(in_force=True).select_related("source")
    rules = rules.prefetch_related("protocols")
    return [rule for rule in rules if rule.covers_country(clinic.jurisdiction)]


def protocol_allowed(
    protocol: Protocol,
    clinic: Clinic,
    *,
    rules: Sequence[JurisdictionRule] | None = None,
    is_lipolytic: bool | None = None,
) -> Decision:
    """Whether the clinic may choose the protocol in its jurisdiction, and why (not).

    Lists pass `rules` and `is_lipolytic` computed once, so a page costs the same queries
    for 3 protocols as for 30.
    """
    lipolytic = protocol.is_lipolytic if is_lipolytic is None else is_lipolytic
    return decide(protocol, clinic, rules_for(clinic) if rules is None else rules, lipolytic)


def lipolytic_protocol_ids(protocols: models.QuerySet[Protocol]) -> set[int]:
    """Which of these protocols are fat-dissolving, in one query."""
    by_type = Q(procedure_type__in=[ProcedureType.INJECTION_LIPOLYSIS, ProcedureType.APPROVED_DC])
    by_compound = Q(
        pk__in=ProtocolItem.objects.filter(
            product__in=ProductComponent.objects.filter(compound__is_lipolytic=True).values(
                "product_id"
            )
        ).values("protocol_id")
    )
    return set(protocols.filter(by_type | by_compound).values_list("pk", flat=True))


def protocol_decisions(
    clinic: Clinic, protocols: Sequence[Protocol]
) -> list[tuple[Protocol, Decision, bool]]:
    """Each protocol with its jurisdiction decision and whether it dissolves fat, for a list:
    the same few queries however many protocols there are."""
    rules = rules_for(clinic)
    lipolytic = lipolytic_protocol_ids(Protocol.objects.filter(pk__in=[p.pk for p in protocols]))
    return [
        (
            p,
            protocol_allowed(p, clinic, rules=rules, is_lipolytic=p.pk in lipolytic),
            p.pk in lipolytic,
        )
        for p in protocols
    ]


# --- The shipped facts -----------------------------------------------------------------------


def fact_counts() -> dict[str, dict[str, int]]:
    """Per shipped compound, how many of its facts are marked V, V2 and U."""
    counts: dict[str, dict[str, int]] = {}
    compounds = Compound.objects.shipped().prefetch_related(
        "regulatory_statuses", "adverse_effects", "contraindications", "notes"
    )
    for compound in compounds:
        marks = [compound.atc_verification, compound.evidence_verification]
        if compound.max_dose_per_session is not None:
            marks.append(compound.max_dose_verification)
        for related in (
            compound.regulatory_statuses.all(),
            compound.adverse_effects.all(),
            compound.contraindications.all(),
            compound.notes.all(),
        ):
            marks.extend(fact.verification for fact in related)
        counts[compound.name] = {mark: marks.count(mark) for mark in Verification.values}
    return counts
