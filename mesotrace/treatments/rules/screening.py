"""Screening: every warning a patient's record raises against a protocol, from the catalogue.

`screen()` reads nothing itself: the queries load the patient's record and the protocol's
catalogue entries (`ScreeningFacts`) once. Each warning has a stable `code` (what it is
about) and a `fingerprint` (the code plus the record data it rests on), so an
acknowledgement covers exactly what was shown: when the record or the protocol changes,
the fingerprint changes and the warning must be acknowledged again.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any

from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mesotrace.accounts.models import Clinic
from mesotrace.catalogue.models import (
    Allergen,
    Compound,
    CompoundClass,
    Contraindication,
    ContraindicationKind,
    Protocol,
    Verification,
)
from mesotrace.catalogue.rules import contains_words as _contains
from mesotrace.catalogue.rules import words
from mesotrace.patients.models import Allergy, Medication, Patient, PregnancyStatus, Sex
from mesotrace.treatments.models import ScreeningAcknowledgement

if TYPE_CHECKING:
    from mesotrace.catalogue.rules import Decision

ADULT_AGE = 18

# Generic names and common brands of anticoagulants and antiplatelets, matched as words
# of a medication's name (accents and case ignored) even when the record's
# "anticoagulant" box was left unticked.
ANTITHROMBOTICS = (
    "warfarin", "acenocoumarol", "phenprocoumon", "fluindione", "apixaban", "rivaroxaban",
    "dabigatran", "edoxaban", "betrixaban", "heparin", "enoxaparin", "dalteparin",
    "tinzaparin", "nadroparin", "fondaparinux", "argatroban", "bivalirudin", "clopidogrel",
    "aspirin", "acetylsalicylic", "ticagrelor", "prasugrel", "ticlopidine", "dipyridamole",
    "cilostazol", "vorapaxar", "coumadin", "sintrom", "previscan", "eliquis", "xarelto",
    "pradaxa", "lixiana", "savaysa", "lovenox", "fragmin", "innohep", "fraxiparine",
    "arixtra", "plavix", "brilinta", "brilique", "efient", "effient", "kardegic", "aggrenox",
)  # fmt: skip
# An allergy written as "local anaesthetic(s)" covers every compound of that class.
ANAESTHETIC_WORDS = ("anaesthetic", "local anaesthetic")

# The catalogue row a warning cites, if any.
Cited = Contraindication | None
_STRENGTH: dict[str, int] = {
    Verification.VERIFIED: 0,
    Verification.SECONDARY: 1,
    Verification.UNVERIFIED: 2,
}


@dataclass(frozen=True)
class ScreeningWarning:
    """One thing a practitioner must see and acknowledge (or, if blocking, cannot proceed past)."""

    code: str
    kind: str
    field: str
    message: str
    compound: str = ""
    source_title: str = ""
    source_url: str = ""
    verification: str = Verification.UNVERIFIED
    blocking: bool = False
    basis: str = dataclass_field(default="", repr=False)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.code}\n{self.basis}".encode()).hexdigest()[:32]

    @property
    def verification_label(self) -> str:
        return str(Verification(self.verification).label) if self.verification else ""


@dataclass(frozen=True)
class ScreenedWarning:
    """A warning with the acknowledgement that covers it, if any."""

    warning: ScreeningWarning
    acknowledgement: ScreeningAcknowledgement | None

    @property
    def open(self) -> bool:
        return self.acknowledgement is None


def open_warnings(screened: Sequence[ScreenedWarning]) -> list[ScreeningWarning]:
    return [item.warning for item in screened if item.open]


@dataclass(frozen=True)
class ScreeningFacts:
    """What screening reads about a patient and a protocol, loaded once."""

    patient: Patient
    protocol: Protocol
    clinic: Clinic
    allergies: Sequence[Allergy]
    medications: Sequence[Medication]
    compounds: Sequence[Compound]
    contraindications: Sequence[Contraindication]
    jurisdiction: Decision  # the catalogue's decision on the protocol in the clinic's country
    today: datetime.date
    allergens: Sequence[Allergen] = ()  # the catalogue's allergy codes, with their compounds


# --- Text matching ----------------------------------------------------------------------


def allergy_match(allergy: str, compound: Compound) -> str | None:
    """The allergen term of `compound` that a recorded allergy names, or None."""
    said = words(allergy)
    for term in compound.allergen_terms:
        key = words(term)
        if _contains(said, key) or (len(said) >= 4 and _contains(key, said)):
            return term
    if compound.compound_class == CompoundClass.ANAESTHETIC and said in ANAESTHETIC_WORDS:
        return allergy.strip().lower()
    return None


def is_antithrombotic(medication: Medication) -> bool:
    name = words(medication.name)
    return medication.is_anticoagulant or any(_contains(name, w) for w in ANTITHROMBOTICS)


# --- Catalogue helpers ------------------------------------------------------------------


def _strongest(rows: Iterable[Contraindication]) -> Contraindication | None:
    ranked = sorted(rows, key=lambda r: (_STRENGTH.get(r.verification, 3), r.source_id is None))
    return ranked[0] if ranked else None


def _cited(row: Contraindication | None) -> dict[str, Any]:
    if row is None:
        return {"verification": Verification.UNVERIFIED}
    source = row.source
    return {
        "source_title": source.title if source else "",
        "source_url": source.url if source else "",
        "verification": row.verification,
    }


def _of_kind(rows: Sequence[Contraindication], *kinds: str) -> list[Contraindication]:
    return [row for row in rows if row.kind in kinds]


def _compound_names(rows: Iterable[Contraindication]) -> str:
    return ", ".join(sorted({row.compound.name for row in rows if row.compound is not None}))


def canonical(row: object, field: str = "text") -> str:
    """A catalogue text as the record keeps it in English, whatever the reader's language:
    what codes and fingerprints rest on, so an acknowledgement made in French holds in
    English (the French column only when a clinic wrote its own entry in French alone)."""
    return str(getattr(row, f"{field}_en", None) or getattr(row, field))


def _basis(*parts: object) -> str:
    return "\x1f".join(str(part) for part in parts)


def _with_catalogue(message: str, cited: Contraindication | None) -> str:
    """The message, then the catalogue's own words when a row is cited."""
    if cited is None:
        return message
    return _("%(message)s Catalogue: %(text)s") % {"message": message, "text": cited.text}


def _warning(
    cited: Cited, code: str, kind: str, field: str, text: str, compound: str = "", *, basis: str
) -> ScreeningWarning:
    """A warning with the source and verification of the catalogue row it cites."""
    return ScreeningWarning(code, kind, field, text, compound, basis=basis, **_cited(cited))


# --- The checks -------------------------------------------------------------------------


def _reaction(allergy: Allergy) -> str:
    return ", ".join(part for part in (allergy.reaction, allergy.get_severity_display()) if part)


def _matched_warning(
    allergy: Allergy, compound: Compound, term: str, rows: Sequence[Contraindication]
) -> ScreeningWarning:
    own = [r for r in _of_kind(rows, "allergy") if r.compound_id == compound.pk]
    cited = _strongest(own) or _strongest(
        [r for r in _of_kind(rows, "allergy") if r.compound_id is None]
    )
    message = _(
        "Allergy recorded to “%(substance)s” (%(reaction)s). %(compound)s in this "
        "protocol matches it (“%(term)s”)."
    ) % {
        "substance": allergy.substance,
        "reaction": _reaction(allergy),
        "compound": compound.name,
        "term": term,
    }
    message = _with_catalogue(message, cited)
    code = f"allergy.{compound.slug}.{words(allergy.substance).replace(' ', '-')}"
    cited_text = canonical(cited) if cited is not None else ""
    said = _basis(allergy.substance, allergy.reaction, allergy.severity, term, cited_text)
    kind = ContraindicationKind.ALLERGY
    return _warning(cited, code, kind, "allergies", message, compound.name, basis=said)


def _class_warning(
    allergy: Allergy, coded: Allergen, group: Allergen, compound: Compound
) -> ScreeningWarning:
    """The allergy's substance is of a class another compound of the protocol belongs to."""
    message = _(
        "Allergy recorded to “%(substance)s” (%(reaction)s), coded as %(coded)s, one of the "
        "%(group)s. %(compound)s in this protocol is of the same class. %(note)s"
    ) % {
        "substance": allergy.substance,
        "reaction": _reaction(allergy),
        "coded": coded.name,
        "group": group.name,
        "compound": compound.name,
        "note": group.cross_reaction,
    }
    source = group.source
    return ScreeningWarning(
        code=f"allergy.class.{compound.slug}.{words(allergy.substance).replace(' ', '-')}",
        kind=ContraindicationKind.ALLERGY,
        field="allergies",
        message=message,
        compound=compound.name,
        source_title=source.title if source else "",
        source_url=source.url if source else "",
        verification=group.verification,
        basis=_basis(allergy.substance, allergy.reaction, allergy.severity, coded.slug, group.slug),
    )


def _unmatched_warning(allergy: Allergy, compounds: Sequence[Compound]) -> ScreeningWarning:
    message = _(
        "Allergy recorded to “%(substance)s” (%(reaction)s) is not matched to a substance in "
        "the catalogue: check it against this protocol's compounds (%(compounds)s) before "
        "treating, or write the substance's name."
    ) % {
        "substance": allergy.substance,
        "reaction": _reaction(allergy),
        "compounds": ", ".join(c.name for c in compounds),
    }
    return ScreeningWarning(
        code=f"allergy.unmatched.{words(allergy.substance).replace(' ', '-')}",
        kind=ContraindicationKind.ALLERGY,
        field="allergies",
        message=message,
        verification=Verification.UNVERIFIED,
        basis=_basis(allergy.substance, allergy.reaction, allergy.severity),
    )


def _coded_warnings(
    allergy: Allergy,
    coded: Sequence[Allergen],
    compounds: Sequence[Compound],
    rows: Sequence[Contraindication],
) -> tuple[list[ScreeningWarning], set[int]]:
    """Warnings from the allergy's codes: its own compounds, then its class's others."""
    found: list[ScreeningWarning] = []
    warned: set[int] = set()
    in_protocol = {c.pk: c for c in compounds}
    for allergen in coded:
        for compound in allergen.compounds.all():
            if compound.pk in in_protocol and compound.pk not in warned:
                found.append(_matched_warning(allergy, compound, allergen.name, rows))
                warned.add(compound.pk)
    for allergen in coded:
        group = allergen.member_of
        for compound in group.compounds.all() if group is not None else []:
            if compound.pk in in_protocol and compound.pk not in warned:
                assert group is not None
                found.append(_class_warning(allergy, allergen, group, in_protocol[compound.pk]))
                warned.add(compound.pk)
    return found, warned


def _allergy_warnings(
    allergies: Sequence[Allergy],
    compounds: Sequence[Compound],
    rows: Sequence[Contraindication],
    allergens: Sequence[Allergen] = (),
) -> list[ScreeningWarning]:
    """Each allergy against the protocol: by its catalogue codes (substance and class), then
    by a compound's own allergy words; an allergy matched to nothing is a warning to review."""
    found = []
    for allergy in allergies:
        stored = {code.pk for code in allergy.allergens.all()}
        coded = [allergen for allergen in allergens if allergen.pk in stored]
        warnings, warned = _coded_warnings(allergy, coded, compounds, rows)
        for compound in compounds:
            term = None if compound.pk in warned else allergy_match(allergy.substance, compound)
            if term is not None:
                warnings.append(_matched_warning(allergy, compound, term, rows))
        if not coded and not warnings:
            warnings.append(_unmatched_warning(allergy, compounds))
        found += warnings
    return found


def _pregnancy_warnings(
    patient: Patient, rows: Sequence[Contraindication]
) -> list[ScreeningWarning]:
    status = patient.pregnancy_status
    if status == PregnancyStatus.UNKNOWN and patient.sex == Sex.MALE:
        return []  # nothing to ask a man; a pregnancy recorded anyway is still warned about
    if status == PregnancyStatus.UNKNOWN:
        cited = _strongest(_of_kind(rows, "pregnancy", "breastfeeding"))
        message = _(
            "Pregnancy and breastfeeding are not recorded for this patient. Ask before "
            "treating: both are contraindications."
        )
        code, unknown = "pregnancy_status_unknown", ContraindicationKind.PREGNANCY
        return [_warning(cited, code, unknown, "pregnancy_status", message, basis=_basis(status))]
    if status not in {PregnancyStatus.PREGNANT, PregnancyStatus.BREASTFEEDING}:
        return []
    kind = "pregnancy" if status == PregnancyStatus.PREGNANT else "breastfeeding"
    matching = _of_kind(rows, kind)
    cited = _strongest(matching)
    if status == PregnancyStatus.PREGNANT:
        message = _("The patient is recorded as pregnant.")
    else:
        message = _("The patient is recorded as breastfeeding.")
    names = _compound_names(matching)
    message = _with_catalogue(message, cited)
    if cited is not None and names:
        message += " " + _("(also listed for %(names)s)") % {"names": names}
    basis = _basis(status, *sorted(canonical(r) for r in matching))
    return [_warning(cited, kind, kind, "pregnancy_status", message, names, basis=basis)]


def _anticoagulant_warnings(
    medications: Sequence[Medication], rows: Sequence[Contraindication]
) -> list[ScreeningWarning]:
    matching = _of_kind(rows, "anticoagulant")
    cited = _strongest(matching)
    names = _compound_names(matching)
    found = []
    for medication in medications:
        if not is_antithrombotic(medication):
            continue
        dose = f" ({medication.dose})" if medication.dose else ""
        message = _(
            "The patient takes %(name)s%(dose)s, an anticoagulant or antiplatelet: risk of "
            "bleeding and bruising at the injection sites."
        ) % {"name": medication.name, "dose": dose}
        if not medication.is_anticoagulant:
            message += " " + _(
                "(Recognised by its name; the record does not mark it as an anticoagulant.)"
            )
        message = _with_catalogue(message, cited)
        code = f"anticoagulant.{words(medication.name).replace(' ', '-')}"
        kind = ContraindicationKind.ANTICOAGULANT
        said = _basis(medication.name, medication.dose, medication.is_anticoagulant)
        found.append(_warning(cited, code, kind, "medications", message, names, basis=said))
    return found


_CHECKS = {
    ContraindicationKind.INFECTION_AT_SITE: (
        "check.infection_at_site",
        gettext_noop("Confirm there is no skin infection or open wound at the injection sites."),
    ),
    ContraindicationKind.COAGULATION_DISORDER: (
        "check.coagulation_disorder",
        gettext_noop("Confirm the patient has no coagulation disorder."),
    ),
}


def _checklist(rows: Sequence[Contraindication]) -> list[ScreeningWarning]:
    """What the record cannot answer: the practitioner confirms each item."""
    found = []
    for kind, (code, text) in _CHECKS.items():
        matching = _of_kind(rows, kind)
        cited = _strongest(matching)
        message = _with_catalogue(_(text), cited)
        if cited is None:
            message += " " + _("(A built-in safety check: the catalogue lists no source.)")
        names, basis = _compound_names(matching), _basis(*sorted(canonical(r) for r in matching))
        found.append(_warning(cited, code, kind, "checklist", message, names, basis=basis))
    others: dict[str, list[Contraindication]] = {}
    for row in _of_kind(rows, "other"):
        if _about_children(row):
            continue  # the age check answers it from the date of birth (`_age_warning`)
        others.setdefault(words(canonical(row)), []).append(row)
    for _key, same in sorted(others.items()):
        cited = _strongest(same)
        assert cited is not None
        names = _compound_names(same)
        if names and all(row.compound_id for row in same):
            message = _("Rule out this contraindication of %(names)s: %(text)s") % {
                "names": names,
                "text": cited.text,
            }
        else:
            message = _("Rule out this contraindication: %(text)s") % {"text": cited.text}
        code = f"check.other.{slugify(canonical(cited))[:120]}"
        basis = _basis(*sorted(canonical(row) for row in same))
        kind = ContraindicationKind.OTHER
        found.append(_warning(cited, code, kind, "checklist", message, names, basis=basis))
    return found


def _about_children(row: Contraindication) -> bool:
    return any(w in {"child", "children"} for w in words(canonical(row)).split())


def age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _age_warning(
    patient: Patient, today: datetime.date, rows: Sequence[Contraindication]
) -> list[ScreeningWarning]:
    if age_on(patient.date_of_birth, today) >= ADULT_AGE:
        return []
    about_children = [r for r in _of_kind(rows, "other") if _about_children(r)]
    born = patient.date_of_birth.isoformat()
    message = _(
        "The patient is under %(age)s (born %(born)s). Children are listed among the "
        "contraindications of mesotherapy."
    ) % {"age": ADULT_AGE, "born": born}
    cited = _strongest(about_children)
    return [_warning(cited, "age_under_18", "age", "date_of_birth", message, basis=_basis(born))]


def _jurisdiction_warning(facts: ScreeningFacts) -> list[ScreeningWarning]:
    """A ban refuses the protocol outright; a restriction is a warning to acknowledge."""
    decision, clinic, protocol = facts.jurisdiction, facts.clinic, facts.protocol
    rule = decision.rule
    if rule is None:
        return []
    source = rule.source
    return [
        ScreeningWarning(
            code=f"jurisdiction.{rule.slug}",
            kind="jurisdiction",
            field="protocol",
            message=decision.reason,
            source_title=source.title if source else "",
            source_url=source.url if source else "",
            verification=rule.verification,
            blocking=not decision.allowed,
            basis=_basis(clinic.jurisdiction, protocol.pk, rule.effect, canonical(rule, "summary")),
        )
    ]


def screen(facts: ScreeningFacts) -> list[ScreeningWarning]:
    """Every warning for this patient and protocol: blocking ones first, then by field."""
    rows = facts.contraindications
    return [
        *_jurisdiction_warning(facts),
        *_allergy_warnings(facts.allergies, facts.compounds, rows, facts.allergens),
        *_pregnancy_warnings(facts.patient, rows),
        *_anticoagulant_warnings(facts.medications, rows),
        *_age_warning(facts.patient, facts.today, rows),
        *_checklist(rows),
    ]
