"""Catalogue lists and filters shared by the pages and the API; rows come only via visible_to."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import (
    Compound,
    Indication,
    Product,
    ProductComponent,
    Protocol,
)

MAX_QUERY = 100


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


def compounds(
    clinic: Clinic,
    q: str = "",
    indication: Indication | None = None,
    compound_class: str = "",
) -> QuerySet[Compound]:
    found = Compound.objects.visible_to(clinic).filter(
        _words(q, "name", "synonyms", "atc_code", "purpose")
    )
    if compound_class:
        found = found.filter(compound_class=compound_class)
    if indication is not None:
        used = ProductComponent.objects.filter(
            product__protocol_items__protocol__in=_protocols_of(clinic, indication)
        )
        found = found.filter(pk__in=used.values("compound_id"))
    return found


def products(
    clinic: Clinic,
    q: str = "",
    indication: Indication | None = None,
    compound_class: str = "",
) -> QuerySet[Product]:
    found = Product.objects.visible_to(clinic).filter(
        _words(q, "name", "brand", "manufacturer", "components__compound__name")
    )
    if compound_class:
        found = found.filter(components__compound__compound_class=compound_class)
    if indication is not None:
        found = found.filter(protocol_items__protocol__in=_protocols_of(clinic, indication))
    return found.distinct()


def indications(clinic: Clinic, q: str = "") -> QuerySet[Indication]:
    return Indication.objects.visible_to(clinic).filter(
        _words(q, "name", "description", "icd10_code")
    )


def protocols(
    clinic: Clinic,
    q: str = "",
    indication: Indication | None = None,
    compound_class: str = "",
) -> QuerySet[Protocol]:
    found = _protocols_of(clinic, indication).filter(
        _words(q, "name", "items__product__name", "evidence_statement")
    )
    if compound_class:
        found = found.filter(items__product__components__compound__compound_class=compound_class)
    return found.distinct()
