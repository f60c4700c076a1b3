"""Whether a jurisdiction rule covers a protocol, and the decision it gives, in words; which
allergy codes a free-text allergy names.

The rules in force are read by `queries.rules_for`; here they are only applied.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol as Shape
from typing import TypeVar

from django.utils.translation import gettext as _

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import (
    JurisdictionRule,
    Protocol,
    Purpose,
    RuleEffect,
    RulePurpose,
)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: JurisdictionRule | None
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _lineage(protocol: Protocol) -> set[int]:
    """The protocol and every protocol it was cloned from: a rule naming one names its copies."""
    ids: set[int] = set()
    current: Protocol | None = protocol
    while current is not None and current.pk not in ids:
        ids.add(current.pk)
        current = current.cloned_from
    return ids


def rule_covers(rule: JurisdictionRule, protocol: Protocol, is_lipolytic: bool) -> bool:
    if rule.purpose == RulePurpose.AESTHETIC and protocol.indication.purpose != Purpose.AESTHETIC:
        return False
    if protocol.procedure_type in rule.procedure_types:
        return True
    if rule.applies_to_lipolytic and is_lipolytic:
        return True
    named = {p.pk for p in rule.protocols.all()}
    return bool(named) and bool(_lineage(protocol) & named)


def _reason(rule: JurisdictionRule, clinic: Clinic) -> str:
    where = rule.source.url if rule.source and rule.source.url else _("no address recorded")
    if rule.effect == RuleEffect.BANNED:
        text = _("Not allowed in %(country)s: %(title)s. %(summary)s Source: %(source)s")
    else:
        text = _("Restricted in %(country)s: %(title)s. %(summary)s Source: %(source)s")
    return text % {
        "country": clinic.jurisdiction,
        "title": rule.title,
        "summary": rule.summary,
        "source": where,
    }


def decide(
    protocol: Protocol, clinic: Clinic, rules: Sequence[JurisdictionRule], lipolytic: bool
) -> Decision:
    """What the clinic's rules in force say of the protocol: a ban wins over a restriction."""
    covering = [r for r in rules if rule_covers(r, protocol, lipolytic)]
    banned = [r for r in covering if r.effect == RuleEffect.BANNED]
    if banned:
        return Decision(False, banned[0], _reason(banned[0], clinic))
    if covering:
        return Decision(True, covering[0], _reason(covering[0], clinic))
    return Decision(
        True,
        None,
        _("No rule in the catalogue restricts this protocol in %(country)s.")
        % {"country": clinic.jurisdiction},
    )


# --- Allergy codes ----------------------------------------------------------------------


class _Coded(Shape):
    """An allergy code as the matcher needs it (the model, or its historical migration copy)."""

    pk: int
    terms: str


_A = TypeVar("_A", bound=_Coded)


def words(text: str) -> str:
    """Lowercase ASCII words, one space apart, with British spelling and plurals folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = plain.replace("anesthe", "anaesthe")
    tokens = re.findall(r"[a-z0-9]+", plain)
    return " ".join(t[:-1] if len(t) > 4 and t.endswith("s") else t for t in tokens)


def contains_words(haystack: str, needle: str) -> bool:
    return bool(needle) and f" {needle} " in f" {haystack} "


def coded_allergens(text: str, allergens: Sequence[_A]) -> list[_A]:
    """The substances and classes a free-text allergy names, by their names, synonyms (English
    and French) and brands; a general name is dropped when a more specific one also matched
    ("amide local anaesthetic" is not also "local anaesthetic")."""
    said = words(text)
    hits: dict[int, tuple[_A, str]] = {}
    for allergen in allergens:
        terms = [t.strip() for t in allergen.terms.split(",") if t.strip()]
        matched = [words(t) for t in terms if contains_words(said, words(t))]
        if matched:
            hits[allergen.pk] = (allergen, max(matched, key=len))
    return [
        allergen
        for allergen, term in hits.values()
        if not any(contains_words(other, term) and other != term for _a, other in hits.values())
    ]
