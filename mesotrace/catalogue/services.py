"""Catalogue writes (clinic entries: add, clone, edit; all audited) and the jurisdiction check.

Shipped entries are read-only: every write refuses them. Each write is one
transaction with its audit row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils.text import slugify
from django.utils.translation import gettext as _

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.catalogue.loader import sync_starter_catalogue
from mesotrace.catalogue.models import (
    AdverseEffect,
    Compound,
    CompoundNote,
    Contraindication,
    Indication,
    JurisdictionRule,
    ProcedureType,
    Product,
    ProductComponent,
    Protocol,
    ProtocolItem,
    Purpose,
    RegulatoryStatus,
    RuleEffect,
    RulePurpose,
    Source,
)

_E = TypeVar("_E", Compound, Product, Protocol, Indication, Source)
_C = TypeVar("_C", Compound, Product, Protocol, Indication)

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
SOURCE_FIELDS = ["url", "title", "publisher", "year"]
FACT_FIELDS: dict[type[models.Model], list[str]] = {
    RegulatoryStatus: ["jurisdiction", "status", "indication", "as_of", "source", "verification"],
    AdverseEffect: [
        "term",
        "frequency",
        "frequency_category",
        "serious",
        "source",
        "verification",
    ],
    Contraindication: ["kind", "text", "source", "verification"],
    CompoundNote: ["kind", "text", "source", "verification"],
}
COMPONENT_FIELDS = ["compound", "concentration", "unit"]
ITEM_FIELDS = ["product", "share_percent", "volume_ml_per_point", "note"]
CompoundFact = RegulatoryStatus | AdverseEffect | Contraindication | CompoundNote
_CHILDREN: dict[str, type[CompoundFact]] = {
    "regulatory_statuses": RegulatoryStatus,
    "adverse_effects": AdverseEffect,
    "contraindications": Contraindication,
    "notes": CompoundNote,
}


# --- Reading -------------------------------------------------------------------------------


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


# --- Jurisdiction rules --------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: JurisdictionRule | None
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def rules_for(clinic: Clinic) -> list[JurisdictionRule]:
    """Rules in force in the clinic's jurisdiction, with what they name preloaded."""
    rules = JurisdictionRule.objects.filter(in_force=True).select_related("source")
    rules = rules.prefetch_related("protocols")
    return [rule for rule in rules if rule.covers_country(clinic.jurisdiction)]


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
    candidates = rules_for(clinic) if rules is None else rules
    covering = [r for r in candidates if rule_covers(r, protocol, lipolytic)]
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


# --- The shipped catalogue -----------------------------------------------------------------


@transaction.atomic
def load_starter_catalogue(actor: Actor | None = None) -> dict[str, int]:
    """(Re)writes the shipped catalogue from starter_data; safe to run any number of times."""
    counts = sync_starter_catalogue()
    audit.record(
        actor or Actor.system("catalogue_load"),
        AuditAction.UPDATE,
        ObjectType.STARTER_CATALOGUE,
        details=counts,
    )
    return counts


# --- Clinic entries ------------------------------------------------------------------------


def _unique_slug(model: type[_C], clinic: Clinic, text: str) -> str:
    base = (slugify(text) or "entry")[:70]
    taken = set(
        model.objects.filter(clinic=clinic, slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _assign(entry: models.Model, values: Mapping[str, Any], allowed: Sequence[str]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Unknown field."))
    for name, value in values.items():
        setattr(entry, name, value)


def _check_sources_visible(clinic: Clinic, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if isinstance(value, Source) and value.clinic_id not in (None, clinic.pk):
            raise ValidationError({name: _("Choose a source of this clinic's catalogue.")})


def _snapshot(entry: models.Model, fields: Sequence[str]) -> dict[str, Any]:
    return audit.snapshot(entry, fields)


def _record(
    actor: Actor,
    clinic: Clinic,
    action: AuditAction,
    entry: models.Model,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    details: Mapping[str, Any] | None = None,
) -> None:
    audit.record(
        actor,
        action,
        entry,
        changes=audit.diff(before, after),
        details=details,
        clinic=clinic,
    )


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


def _replace_facts(compound: Compound, label: str, rows: Iterable[Mapping[str, Any]]) -> None:
    model = _CHILDREN[label]
    model.objects.filter(compound=compound).delete()
    for index, row in enumerate(rows):
        item = model(compound=compound, **row)
        _full_clean_row(item, ["compound"], label, index)
        item.save()


def _compound_state(compound: Compound) -> dict[str, Any]:
    state = _snapshot(compound, COMPOUND_FIELDS)
    state["evidence_sources"] = sorted(compound.evidence_sources.values_list("pk", flat=True))
    for label, model in _CHILDREN.items():
        state[label] = [
            _snapshot(row, FACT_FIELDS[model])
            for row in model.objects.filter(compound=compound).order_by("pk")
        ]
    return state


@transaction.atomic
def save_compound(
    actor: Actor,
    clinic: Clinic,
    compound: Compound | None,
    values: Mapping[str, Any],
    *,
    evidence_sources: Iterable[Source] | None = None,
    facts: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
) -> Compound:
    """Adds (compound None) or changes one of the clinic's own compounds and its facts.

    `facts` maps "regulatory_statuses", "adverse_effects", "contraindications" or "notes"
    to the rows that replace them; a part not given is left alone.
    """
    creating = compound is None
    if compound is None:
        compound = Compound(clinic=clinic)
    elif compound.clinic_id != clinic.pk:
        raise PermissionDenied(_("Shipped catalogue entries are read-only."))
    before = {} if creating else _compound_state(compound)
    _assign(compound, values, COMPOUND_FIELDS)
    _check_sources_visible(clinic, values)
    if creating:
        compound.slug = _unique_slug(Compound, clinic, compound.name)
    compound.full_clean(exclude=["clinic", "slug", "cloned_from"])
    compound.save()
    if evidence_sources is not None:
        compound.evidence_sources.set(list(evidence_sources))
    for label, rows in (facts or {}).items():
        if label not in _CHILDREN:
            raise ValidationError({label: "Unknown part."})
        _replace_facts(compound, label, rows)
    after = _compound_state(compound)
    _record(
        actor,
        clinic,
        AuditAction.CREATE if creating else AuditAction.UPDATE,
        compound,
        before,
        after,
    )
    return compound


def _product_state(product: Product) -> dict[str, Any]:
    state = _snapshot(product, PRODUCT_FIELDS)
    state["components"] = [
        _snapshot(c, COMPONENT_FIELDS) for c in product.components.order_by("pk")
    ]
    return state


@transaction.atomic
def save_product(
    actor: Actor,
    clinic: Clinic,
    product: Product | None,
    values: Mapping[str, Any],
    components: Iterable[Mapping[str, Any]] | None = None,
) -> Product:
    """Adds or changes one of the clinic's own products; `components` replace its compounds."""
    creating = product is None
    if product is None:
        product = Product(clinic=clinic)
    elif product.clinic_id != clinic.pk:
        raise PermissionDenied(_("Shipped catalogue entries are read-only."))
    before = {} if creating else _product_state(product)
    _assign(product, values, PRODUCT_FIELDS)
    _check_sources_visible(clinic, values)
    if creating:
        product.slug = _unique_slug(Product, clinic, product.name)
    product.full_clean(exclude=["clinic", "slug", "cloned_from"])
    product.save()
    if components is not None:
        product.components.all().delete()
        for index, row in enumerate(components):
            compound = row.get("compound")
            if isinstance(compound, Compound) and compound.clinic_id not in (None, clinic.pk):
                raise ValidationError({f"components[{index}].compound": "Not found."})
            item = ProductComponent(product=product, **row)
            _full_clean_row(item, ["product"], "components", index)
            item.save()
    _record(
        actor,
        clinic,
        AuditAction.CREATE if creating else AuditAction.UPDATE,
        product,
        before,
        _product_state(product),
    )
    return product


@transaction.atomic
def save_indication(
    actor: Actor, clinic: Clinic, indication: Indication | None, values: Mapping[str, Any]
) -> Indication:
    creating = indication is None
    if indication is None:
        indication = Indication(clinic=clinic)
    elif indication.clinic_id != clinic.pk:
        raise PermissionDenied(_("Shipped catalogue entries are read-only."))
    before = {} if creating else _snapshot(indication, INDICATION_FIELDS)
    _assign(indication, values, INDICATION_FIELDS)
    _check_sources_visible(clinic, values)
    if creating:
        indication.slug = _unique_slug(Indication, clinic, indication.name)
    indication.full_clean(exclude=["clinic", "slug", "cloned_from"])
    indication.save()
    _record(
        actor,
        clinic,
        AuditAction.CREATE if creating else AuditAction.UPDATE,
        indication,
        before,
        _snapshot(indication, INDICATION_FIELDS),
    )
    return indication


def _protocol_state(protocol: Protocol) -> dict[str, Any]:
    state = _snapshot(protocol, PROTOCOL_FIELDS)
    state["items"] = [_snapshot(i, ITEM_FIELDS) for i in protocol.items.order_by("pk")]
    state["zones"] = sorted(protocol.zones.values_list("pk", flat=True))
    state["sources"] = sorted(protocol.sources.values_list("pk", flat=True))
    return state


def _check_items(clinic: Clinic, protocol: Protocol, items: Sequence[Mapping[str, Any]]) -> None:
    shares = [row["share_percent"] for row in items if row.get("share_percent") is not None]
    if sum(shares) > 100:
        raise ValidationError({"items": _("The shares of the mix add up to more than 100%.")})
    for index, row in enumerate(items):
        product = row.get("product")
        if isinstance(product, Product) and product.clinic_id not in (None, clinic.pk):
            raise ValidationError({f"items[{index}].product": "Not found."})


@transaction.atomic
def save_protocol(
    actor: Actor,
    clinic: Clinic,
    protocol: Protocol | None,
    values: Mapping[str, Any],
    *,
    items: Sequence[Mapping[str, Any]] | None = None,
    zones: Iterable[Any] | None = None,
    sources: Iterable[Source] | None = None,
) -> Protocol:
    """Adds or changes one of the clinic's own protocols; `items` replace its mix."""
    creating = protocol is None
    if protocol is None:
        protocol = Protocol(clinic=clinic)
    elif protocol.clinic_id != clinic.pk:
        raise PermissionDenied(_("Shipped catalogue entries are read-only."))
    before = {} if creating else _protocol_state(protocol)
    _assign(protocol, values, PROTOCOL_FIELDS)
    _check_sources_visible(clinic, values)
    indication = values.get("indication")
    if isinstance(indication, Indication) and indication.clinic_id not in (None, clinic.pk):
        raise ValidationError({"indication": "Not found."})
    if creating:
        protocol.slug = _unique_slug(Protocol, clinic, protocol.name)
    protocol.full_clean(exclude=["clinic", "slug", "cloned_from"])
    protocol.save()
    if items is not None:
        _check_items(clinic, protocol, items)
        protocol.items.all().delete()
        for index, row in enumerate(items):
            item = ProtocolItem(protocol=protocol, **row)
            _full_clean_row(item, ["protocol"], "items", index)
            item.save()
    if zones is not None:
        protocol.zones.set(list(zones))
    if sources is not None:
        protocol.sources.set(list(sources))
    _record(
        actor,
        clinic,
        AuditAction.CREATE if creating else AuditAction.UPDATE,
        protocol,
        before,
        _protocol_state(protocol),
    )
    return protocol


@transaction.atomic
def add_source(actor: Actor, clinic: Clinic, values: Mapping[str, Any]) -> Source:
    source = Source(clinic=clinic)
    _assign(source, values, SOURCE_FIELDS)
    source.full_clean(exclude=["clinic", "key"])
    source.save()
    _record(actor, clinic, AuditAction.CREATE, source, {}, _snapshot(source, SOURCE_FIELDS))
    return source


# --- Cloning -------------------------------------------------------------------------------


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
