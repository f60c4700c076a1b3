"""Catalogue writes: a clinic's own entries (add, change, clone) and the shipped catalogue's
load. Shipped entries are read-only: every write refuses them. Each write is one
transaction with its audit row.

An entry's input is one frozen dataclass holding every field of the entry; its related rows
(facts, components, the mix, zones, sources), when given, replace what the entry had.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, Self, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.catalogue.models import (
    PATIENT_TEXT,
    AdverseEffect,
    BodyZone,
    Compound,
    CompoundNote,
    Contraindication,
    Frequency,
    Indication,
    Product,
    ProductComponent,
    Protocol,
    ProtocolItem,
    RegulatoryStatus,
    Source,
    Verification,
)
from mesotrace.catalogue.shipped.loader import sync_starter_catalogue

_C = TypeVar("_C", Compound, Product, Protocol, Indication)
_UNVERIFIED = Verification.UNVERIFIED


# --- Inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegulatoryStatusInput:
    jurisdiction: str
    status: str
    indication: str
    as_of: datetime.date | None = None
    source: Source | None = None
    verification: str = _UNVERIFIED


@dataclass(frozen=True, kw_only=True)
class AdverseEffectInput:
    term: str
    frequency: str = ""
    frequency_category: str = Frequency.UNKNOWN
    serious: bool = False
    source: Source | None = None
    verification: str = _UNVERIFIED


@dataclass(frozen=True, kw_only=True)
class _TextFactInput:
    kind: str
    text: str
    source: Source | None = None
    verification: str = _UNVERIFIED


@dataclass(frozen=True, kw_only=True)
class ContraindicationInput(_TextFactInput):
    pass


@dataclass(frozen=True, kw_only=True)
class CompoundNoteInput(_TextFactInput):
    pass


@dataclass(frozen=True, kw_only=True)
class ComponentInput:
    compound: Compound
    concentration: Decimal | None = None
    unit: str = ""


@dataclass(frozen=True, kw_only=True)
class ProtocolItemInput:
    product: Product
    share_percent: Decimal | None = None
    volume_ml_per_point: Decimal | None = None
    note: str = ""


class _EntryInput:
    """What every entry's input does: its own fields, and the input of a stored entry."""

    RELATED: tuple[str, ...] = ()

    @classmethod
    def field_names(cls) -> list[str]:
        """The entry's own fields (not its related rows)."""
        return [f.name for f in fields(cls) if f.name not in cls.RELATED]  # type: ignore[arg-type]

    @classmethod
    def of(cls, entry: models.Model) -> Self:
        """The input that leaves `entry` as it is; related rows are left alone."""
        return cls(**{name: getattr(entry, name) for name in cls.field_names()})

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.field_names()}


@dataclass(frozen=True, kw_only=True)
class CompoundInput(_EntryInput):
    RELATED = (
        "evidence_sources",
        "regulatory_statuses",
        "adverse_effects",
        "contraindications",
        "notes",
    )

    name: str
    synonyms: str
    compound_class: str
    atc_code: str
    atc_note: str
    atc_source: Source | None
    atc_verification: str
    purpose: str
    evidence_level: str
    evidence_summary: str
    evidence_verification: str
    max_dose_per_session: Decimal | None
    max_dose_unit: str
    max_dose_note: str
    max_dose_source: Source | None
    max_dose_verification: str
    allergen_keywords: str
    is_lipolytic: bool
    evidence_sources: Sequence[Source] | None = None
    regulatory_statuses: Sequence[RegulatoryStatusInput] | None = None
    adverse_effects: Sequence[AdverseEffectInput] | None = None
    contraindications: Sequence[ContraindicationInput] | None = None
    notes: Sequence[CompoundNoteInput] | None = None


@dataclass(frozen=True, kw_only=True)
class ProductInput(_EntryInput):
    RELATED = ("components",)

    name: str
    presentation: str
    brand: str
    manufacturer: str
    note: str
    volume_ml: Decimal | None
    discard_after_opening_hours: int | None
    source: Source | None
    verification: str
    components: Sequence[ComponentInput] | None = None


@dataclass(frozen=True, kw_only=True)
class IndicationInput(_EntryInput):
    name: str
    description: str
    purpose: str
    icd10_code: str
    icd10_note: str
    source: Source | None
    verification: str


@dataclass(frozen=True, kw_only=True)
class ProtocolInput(_EntryInput):
    RELATED = ("items", "zones", "sources")

    name: str
    indication: Indication
    procedure_type: str
    sessions: int | None
    interval_days: int | None
    schedule_note: str
    schedule_source: Source | None
    schedule_verification: str
    depth_mm_min: Decimal | None
    depth_mm_max: Decimal | None
    needle_gauge: int | None
    needle_length_mm: Decimal | None
    technique: str
    technique_note: str
    technique_source: Source | None
    technique_verification: str
    mix_note: str
    mix_source: Source | None
    mix_verification: str
    evidence_statement: str
    evidence_source: Source | None
    evidence_verification: str
    items: Sequence[ProtocolItemInput] | None = None
    zones: Sequence[BodyZone] | None = None
    sources: Sequence[Source] | None = None


# Each entry's fields in the order its form shows them; the audit records them in this order.
COMPOUND_FIELDS = [
    "name",
    "synonyms",
    "compound_class",
    "atc_code",
    "atc_note",
    "atc_source",
    "atc_verification",
    "purpose",
    "evidence_level",
    "evidence_summary",
    "evidence_verification",
    "max_dose_per_session",
    "max_dose_unit",
    "max_dose_note",
    "max_dose_source",
    "max_dose_verification",
    "allergen_keywords",
    "is_lipolytic",
]
PRODUCT_FIELDS = [
    "name",
    "brand",
    "manufacturer",
    "presentation",
    "volume_ml",
    "discard_after_opening_hours",
    "note",
    "source",
    "verification",
]
INDICATION_FIELDS = [
    "name",
    "description",
    "purpose",
    "icd10_code",
    "icd10_note",
    "source",
    "verification",
]
PROTOCOL_FIELDS = [
    "name",
    "indication",
    "procedure_type",
    "sessions",
    "interval_days",
    "schedule_note",
    "schedule_source",
    "schedule_verification",
    "depth_mm_min",
    "depth_mm_max",
    "needle_gauge",
    "needle_length_mm",
    "technique",
    "technique_note",
    "technique_source",
    "technique_verification",
    "mix_note",
    "mix_source",
    "mix_verification",
    "evidence_statement",
    "evidence_source",
    "evidence_verification",
]
SOURCE_FIELDS = ["url", "title", "publisher", "language", "year"]
assert all(
    sorted(names) == sorted(kind.field_names())
    for names, kind in (
        (COMPOUND_FIELDS, CompoundInput),
        (PRODUCT_FIELDS, ProductInput),
        (INDICATION_FIELDS, IndicationInput),
        (PROTOCOL_FIELDS, ProtocolInput),
    )
), "an entry's input and its field list name the same fields"
CompoundFact = RegulatoryStatus | AdverseEffect | Contraindication | CompoundNote
FactInput = RegulatoryStatusInput | AdverseEffectInput | ContraindicationInput | CompoundNoteInput
_CHILDREN: dict[str, type[CompoundFact]] = {
    "regulatory_statuses": RegulatoryStatus,
    "adverse_effects": AdverseEffect,
    "contraindications": Contraindication,
    "notes": CompoundNote,
}
_FACT_INPUTS: dict[type[CompoundFact], type[FactInput]] = {
    RegulatoryStatus: RegulatoryStatusInput,
    AdverseEffect: AdverseEffectInput,
    Contraindication: ContraindicationInput,
    CompoundNote: CompoundNoteInput,
}


def _row_fields(kind: type[Any]) -> list[str]:
    return [f.name for f in fields(kind)]


def _row_values(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _row_fields(type(row))}


# --- The shipped catalogue -------------------------------------------------------------------


@transaction.atomic
def load_starter_catalogue(actor: Actor | None = None) -> dict[str, int]:
    """(Re)writes the shipped catalogue from its data; safe to run any number of times."""
    counts = sync_starter_catalogue()
    audit.record(
        actor or Actor.system("catalogue_load"),
        AuditAction.UPDATE,
        ObjectType.STARTER_CATALOGUE,
        details=counts,
    )
    return counts


# --- Clinic entries --------------------------------------------------------------------------


def _unique_slug(model: type[_C], clinic: Clinic, text: str) -> str:
    base = (slugify(text) or "entry")[:70]
    taken = set(
        model.objects.filter(clinic=clinic, slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _own(entry: _C | None, model: type[_C], clinic: Clinic) -> tuple[_C, bool]:
    """The entry to write and whether it is new; a shipped or another clinic's one is refused."""
    if entry is None:
        return model(clinic=clinic), True
    if entry.clinic_id != clinic.pk:
        raise PermissionDenied(_("Shipped catalogue entries are read-only."))
    return entry, False


def _set(entry: models.Model, name: str, value: Any) -> None:
    """Sets a field; a patient-facing text is written in the active language.

    The form shows a text in the user's language, or its English when it has none: a text
    sent back as shown is left as it is (a missing French stays missing, not a copy of the
    English). A changed text clears its other languages, which translated the old text.
    """
    if name not in PATIENT_TEXT.get(type(entry).__name__, ()):
        setattr(entry, name, value)
        return
    if value == getattr(entry, name):
        return
    active = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    setattr(entry, name, value)
    for code, _name in settings.LANGUAGES:
        if code != active:
            setattr(entry, f"{name}_{code}", "")


def _keep_translations(item: models.Model, old_rows: Sequence[models.Model]) -> None:
    """A fact row rewritten with a text as it was keeps that text's other languages."""
    for field in PATIENT_TEXT.get(type(item).__name__, ()):
        shown = getattr(item, field)
        match = next((row for row in old_rows if getattr(row, field) == shown), None)
        for code, _name in settings.LANGUAGES if match is not None else ():
            setattr(item, f"{field}_{code}", getattr(match, f"{field}_{code}"))


def _assign(entry: models.Model, clinic: Clinic, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        _set(entry, name, value)
    for name, value in values.items():
        if isinstance(value, Source) and value.clinic_id not in (None, clinic.pk):
            raise ValidationError({name: _("Choose a source of this clinic's catalogue.")})


def _save(entry: _C, clinic: Clinic, creating: bool) -> None:
    """Checks and saves the entry; a new entry gets its slug from its name."""
    if creating:
        entry.slug = _unique_slug(type(entry), clinic, entry.name)
    entry.full_clean(exclude=["clinic", "slug", "cloned_from"])
    entry.save()


def _record(
    actor: Actor,
    clinic: Clinic,
    creating: bool,
    entry: models.Model,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> None:
    action = AuditAction.CREATE if creating else AuditAction.UPDATE
    audit.record(actor, action, entry, changes=audit.diff(before, after), clinic=clinic)


def _full_clean_row(item: models.Model, exclude: list[str], label: str, index: int) -> None:
    try:
        item.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ValidationError(
            {
                f"{label}[{index}].{field}": messages
                for field, messages in error.message_dict.items()
            }
        ) from None


def _replace_facts(compound: Compound, label: str, rows: Iterable[FactInput]) -> None:
    model = _CHILDREN[label]
    old_rows = list(model.objects.filter(compound=compound))
    model.objects.filter(compound=compound).delete()
    for index, row in enumerate(rows):
        item = model(compound=compound, **_row_values(row))
        _keep_translations(item, old_rows)
        _full_clean_row(item, ["compound"], label, index)
        item.save()


def _compound_state(compound: Compound) -> dict[str, Any]:
    state = audit.snapshot(compound, COMPOUND_FIELDS)
    state["evidence_sources"] = sorted(compound.evidence_sources.values_list("pk", flat=True))
    for label, model in _CHILDREN.items():
        state[label] = [
            audit.snapshot(row, _row_fields(_FACT_INPUTS[model]))
            for row in model.objects.filter(compound=compound).order_by("pk")
        ]
    return state


@transaction.atomic
def save_compound(
    actor: Actor, clinic: Clinic, compound: Compound | None, data: CompoundInput
) -> Compound:
    """Adds (compound None) or changes one of the clinic's own compounds and its facts."""
    compound, creating = _own(compound, Compound, clinic)
    before = {} if creating else _compound_state(compound)
    _assign(compound, clinic, data.values())
    _save(compound, clinic, creating)
    if data.evidence_sources is not None:
        compound.evidence_sources.set(list(data.evidence_sources))
    for label in _CHILDREN:
        rows: Sequence[FactInput] | None = getattr(data, label)
        if rows is not None:
            _replace_facts(compound, label, rows)
    _record(actor, clinic, creating, compound, before, _compound_state(compound))
    return compound


def _product_state(product: Product) -> dict[str, Any]:
    state = audit.snapshot(product, PRODUCT_FIELDS)
    fields_of = _row_fields(ComponentInput)
    state["components"] = [audit.snapshot(c, fields_of) for c in product.components.order_by("pk")]
    return state


def _replace_components(
    product: Product, clinic: Clinic, components: Sequence[ComponentInput]
) -> None:
    product.components.all().delete()
    for index, row in enumerate(components):
        if row.compound.clinic_id not in (None, clinic.pk):
            raise ValidationError({f"components[{index}].compound": "Not found."})
        item = ProductComponent(product=product, **_row_values(row))
        _full_clean_row(item, ["product"], "components", index)
        item.save()


@transaction.atomic
def save_product(
    actor: Actor, clinic: Clinic, product: Product | None, data: ProductInput
) -> Product:
    """Adds or changes one of the clinic's own products; `components` replace its compounds."""
    product, creating = _own(product, Product, clinic)
    before = {} if creating else _product_state(product)
    _assign(product, clinic, data.values())
    _save(product, clinic, creating)
    if data.components is not None:
        _replace_components(product, clinic, data.components)
    _record(actor, clinic, creating, product, before, _product_state(product))
    return product


@transaction.atomic
def save_indication(
    actor: Actor, clinic: Clinic, indication: Indication | None, data: IndicationInput
) -> Indication:
    indication, creating = _own(indication, Indication, clinic)
    before = {} if creating else audit.snapshot(indication, INDICATION_FIELDS)
    _assign(indication, clinic, data.values())
    _save(indication, clinic, creating)
    after = audit.snapshot(indication, INDICATION_FIELDS)
    _record(actor, clinic, creating, indication, before, after)
    return indication


def _protocol_state(protocol: Protocol) -> dict[str, Any]:
    state = audit.snapshot(protocol, PROTOCOL_FIELDS)
    fields_of = _row_fields(ProtocolItemInput)
    state["items"] = [audit.snapshot(i, fields_of) for i in protocol.items.order_by("pk")]
    state["zones"] = sorted(protocol.zones.values_list("pk", flat=True))
    state["sources"] = sorted(protocol.sources.values_list("pk", flat=True))
    return state


def _check_items(clinic: Clinic, items: Sequence[ProtocolItemInput]) -> None:
    shares = [row.share_percent for row in items if row.share_percent is not None]
    if sum(shares) > 100:
        raise ValidationError({"items": _("The shares of the mix add up to more than 100%.")})
    for index, row in enumerate(items):
        if row.product.clinic_id not in (None, clinic.pk):
            raise ValidationError({f"items[{index}].product": "Not found."})


def _replace_items(protocol: Protocol, clinic: Clinic, items: Sequence[ProtocolItemInput]) -> None:
    _check_items(clinic, items)
    protocol.items.all().delete()
    for index, row in enumerate(items):
        item = ProtocolItem(protocol=protocol, **_row_values(row))
        _full_clean_row(item, ["protocol"], "items", index)
        item.save()


@transaction.atomic
def save_protocol(
    actor: Actor, clinic: Clinic, protocol: Protocol | None, data: ProtocolInput
) -> Protocol:
    """Adds or changes one of the clinic's own protocols; `items` replace its mix."""
    protocol, creating = _own(protocol, Protocol, clinic)
    before = {} if creating else _protocol_state(protocol)
    _assign(protocol, clinic, data.values())
    if data.indication.clinic_id not in (None, clinic.pk):
        raise ValidationError({"indication": "Not found."})
    _save(protocol, clinic, creating)
    if data.items is not None:
        _replace_items(protocol, clinic, data.items)
    if data.zones is not None:
        protocol.zones.set(list(data.zones))
    if data.sources is not None:
        protocol.sources.set(list(data.sources))
    _record(actor, clinic, creating, protocol, before, _protocol_state(protocol))
    return protocol


@transaction.atomic
def add_source(
    actor: Actor,
    clinic: Clinic,
    *,
    url: str,
    title: str,
    publisher: str,
    year: int | None,
    language: str = "en",
) -> Source:
    """A clinic's own source; `language` is the language its title is written in."""
    source = Source(
        clinic=clinic, url=url, title=title, publisher=publisher, year=year, language=language
    )
    source.full_clean(exclude=["clinic", "key"])
    source.save()
    after = audit.snapshot(source, SOURCE_FIELDS)
    audit.record(actor, AuditAction.CREATE, source, changes=audit.diff({}, after), clinic=clinic)
    return source


# --- Cloning ---------------------------------------------------------------------------------


def _copy(entry: _C, clinic: Clinic) -> _C:
    """An unsaved copy of `entry` owned by the clinic, remembering what it was cloned from."""
    model = type(entry)
    original_pk = entry.pk
    copy = model.objects.get(pk=original_pk)
    copy.pk = None
    copy._state.adding = True
    copy.clinic = clinic
    copy.slug = _unique_slug(model, clinic, entry.slug)
    copy.cloned_from_id = original_pk
    return copy


def _copy_rows(rows: Iterable[models.Model], **parent: Any) -> None:
    for row in rows:
        row.pk = None
        row._state.adding = True
        for name, value in parent.items():
            setattr(row, name, value)
        row.save()


def _clone_record(
    actor: Actor, clinic: Clinic, copy: Compound | Product | Protocol | Indication, original: Any
) -> None:
    audit.record(
        actor,
        AuditAction.CREATE,
        copy,
        details={"cloned_from": original.pk, "shipped": original.clinic_id is None},
        clinic=clinic,
    )


@transaction.atomic
def clone_compound(actor: Actor, clinic: Clinic, original: Compound) -> Compound:
    """A clinic copy of a visible compound with all its facts, ready to adapt."""
    copy = _copy(original, clinic)
    copy.save()
    copy.evidence_sources.set(original.evidence_sources.all())
    for model in _CHILDREN.values():
        _copy_rows(model.objects.filter(compound=original).order_by("pk"), compound=copy)
    _clone_record(actor, clinic, copy, original)
    return copy


@transaction.atomic
def clone_product(actor: Actor, clinic: Clinic, original: Product) -> Product:
    copy = _copy(original, clinic)
    copy.save()
    _copy_rows(original.components.order_by("pk"), product=copy)
    _clone_record(actor, clinic, copy, original)
    return copy


@transaction.atomic
def clone_indication(actor: Actor, clinic: Clinic, original: Indication) -> Indication:
    copy = _copy(original, clinic)
    copy.save()
    _clone_record(actor, clinic, copy, original)
    return copy


@transaction.atomic
def clone_protocol(actor: Actor, clinic: Clinic, original: Protocol) -> Protocol:
    """A clinic copy of a protocol with its mix, zones and sources (the products are shared)."""
    copy = _copy(original, clinic)
    copy.save()
    _copy_rows(original.items.order_by("pk"), protocol=copy)
    copy.zones.set(original.zones.all())
    copy.sources.set(original.sources.all())
    _clone_record(actor, clinic, copy, original)
    return copy
