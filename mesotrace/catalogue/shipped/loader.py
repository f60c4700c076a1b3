"""Writes the shipped starter catalogue into the database, idempotently.

It runs from a data migration (with the migration's historical models) and from
`manage.py catalogue_load`, so it reaches models through `get_model` and uses only
plain manager methods. Each patient-facing text (`PATIENT_TEXT`) is written to its
English and French columns where the schema has them, the French from `fr.FRENCH`; the
loader runs in English so the translation registry reads and writes the English column.
Top-level entries are matched by slug and updated in place,
so ids stay stable for plans that point at them; a shipped entry's fact rows are
matched by their natural key and rows no longer in the data are removed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.apps import apps as django_apps
from django.db import models
from django.utils import translation

from mesotrace.catalogue.models import PATIENT_TEXT
from mesotrace.catalogue.shipped import data
from mesotrace.catalogue.shipped.fr import FRENCH

GetModel = Callable[[str, str], type[models.Model]]


class _Loader:
    def __init__(self, get_model: GetModel) -> None:
        self.get_model = get_model
        self.sources: dict[str, models.Model] = {}
        self.compounds: dict[str, models.Model] = {}
        self.products: dict[str, models.Model] = {}
        self.indications: dict[str, models.Model] = {}
        self.zones: dict[str, models.Model] = {}
        self.protocols: dict[str, models.Model] = {}

    def manager(self, name: str) -> models.Manager[Any]:
        return self.get_model("catalogue", name)._default_manager

    def fields(self, name: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """`values` limited to the model's fields, so an older schema can still be loaded,
        with each patient-facing text also in its English and French columns."""
        known = {field.name for field in self.get_model("catalogue", name)._meta.concrete_fields}
        found = {key: value for key, value in values.items() if key in known}
        for field in PATIENT_TEXT.get(name, ()):
            if field in found and f"{field}_en" in known:
                found[f"{field}_en"] = found[field]
                found[f"{field}_fr"] = FRENCH.get(found[field], "")
        return found

    def has_model(self, name: str) -> bool:
        """Whether the schema being loaded has the model (an older migration may not)."""
        try:
            self.get_model("catalogue", name)
        except LookupError:
            return False
        return True

    def source(self, key: str | None) -> models.Model | None:
        return self.sources[key] if key else None

    def sourced(self, row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
        """A fact's values with its source key replaced by the Source row."""
        values = dict(row)
        values[prefix + "source"] = self.source(row[prefix + "source"])
        return values

    def sync(
        self,
        name: str,
        parent: Mapping[str, Any],
        rows: Iterable[Mapping[str, Any]],
        key: tuple[str, ...],
    ) -> None:
        """Makes `parent`'s rows of model `name` exactly `rows`, matched on `key`."""
        kept = []
        for row in rows:
            values = self.fields(name, row)
            lookup = {**parent, **{field: values.pop(field) for field in key}}
            item, _created = self.manager(name).update_or_create(**lookup, defaults=values)
            kept.append(item.pk)
        self.manager(name).filter(**parent).exclude(pk__in=kept).delete()

    def load_sources(self) -> None:
        for key, values in data.SOURCES.items():
            defaults = {"url": "", "publisher": "", "year": None, "language": "en", **values}
            defaults = self.fields("Source", defaults)
            self.sources[key], _ = self.manager("Source").update_or_create(
                clinic=None, key=key, defaults=defaults
            )

    def load_compound(self, row: Mapping[str, Any]) -> None:
        values = self.sourced(row, "atc_")
        dose = row["max_dose"] or {}
        values.update(
            max_dose_per_session=dose.get("value"),
            max_dose_unit=dose.get("unit", ""),
            max_dose_note=dose.get("note", ""),
            max_dose_source=self.source(dose.get("source")),
            max_dose_verification=dose.get("verification", "U"),
        )
        compound, _ = self.manager("Compound").update_or_create(
            clinic=None, slug=row["slug"], defaults=self.fields("Compound", values)
        )
        compound.evidence_sources.set([self.sources[key] for key in row["evidence_sources"]])
        parent = {"compound": compound}
        # A decision's use is linked by load_uses, once the indications and zones exist.
        statuses = [
            {**self.sourced(s), "as_of": _date(s["as_of"]), "use": None} for s in row["regulatory"]
        ]
        self.sync("RegulatoryStatus", parent, statuses, ("jurisdiction", "status", "indication"))
        self.sync("AdverseEffect", parent, map(self.sourced, row["adverse"]), ("term",))
        self.sync(
            "Contraindication",
            parent,
            map(self.sourced, row["contraindications"]),
            ("kind", "text"),
        )
        self.sync("CompoundNote", parent, map(self.sourced, row["notes"]), ("kind", "text"))
        if self.has_model("DoseLimit"):
            limits = map(self.sourced, row["dose_limits"])
            self.sync("DoseLimit", parent, limits, ("kind", "epinephrine"))
        self.compounds[row["slug"]] = compound

    def load_technique_facts(self) -> None:
        parent = {"compound": None}
        adverse = map(self.sourced, data.TECHNIQUE_ADVERSE_EFFECTS)
        self.sync("AdverseEffect", parent, adverse, ("term",))
        contra = map(self.sourced, data.TECHNIQUE_CONTRAINDICATIONS)
        self.sync("Contraindication", parent, contra, ("kind", "text"))

    def load_indications(self) -> None:
        for row in data.INDICATIONS:
            values = self.fields("Indication", self.sourced(row))
            self.indications[row["slug"]], _ = self.manager("Indication").update_or_create(
                clinic=None, slug=values.pop("slug"), defaults=values
            )

    def load_zones(self) -> None:
        for row in data.BODY_ZONES:
            values = self.fields("BodyZone", self.sourced(row))
            self.zones[row["slug"]], _ = self.manager("BodyZone").update_or_create(
                slug=values.pop("slug"), defaults=values
            )

    def load_product(self, row: Mapping[str, Any]) -> None:
        values = self.fields("Product", self.sourced(row))
        product, _ = self.manager("Product").update_or_create(
            clinic=None, slug=values.pop("slug"), defaults=values
        )
        components = [
            {**self.sourced(c, "strength_"), "compound": self.compounds[c["compound"]]}
            for c in row["components"]
        ]
        self.sync("ProductComponent", {"product": product}, components, ("compound",))
        self.products[row["slug"]] = product

    def load_protocol(self, row: Mapping[str, Any]) -> None:
        values = self.sourced(row, "schedule_")
        values = self.sourced(values, "technique_")
        values = self.sourced(values, "mix_")
        values = self.sourced(values, "evidence_")
        values["indication"] = self.indications[row["indication"]]
        values = self.fields("Protocol", values)
        protocol, _ = self.manager("Protocol").update_or_create(
            clinic=None, slug=values.pop("slug"), defaults=values
        )
        items = [{**item, "product": self.products[item["product"]]} for item in row["items"]]
        self.sync("ProtocolItem", {"protocol": protocol}, items, ("product",))
        protocol.zones.set([self.zones[slug] for slug in row["zones"]])
        protocol.sources.set([self.sources[key] for key in row["sources"]])
        self.protocols[row["slug"]] = protocol

    def load_rules(self) -> None:
        for row in data.JURISDICTION_RULES:
            values = self.fields("JurisdictionRule", self.sourced(row))
            rule, _ = self.manager("JurisdictionRule").update_or_create(
                slug=values.pop("slug"), defaults=values
            )
            rule.protocols.set([self.protocols[slug] for slug in row["protocols"]])
            rule.further_sources.set([self.sources[key] for key in row["further_sources"]])

    def load_uses(self) -> None:
        """Each compound's uses, then which use each decision is about, and the zones of
        effects seen only where one zone is treated (after indications and zones exist)."""
        if not self.has_model("CompoundUse"):
            return
        for row in data.COMPOUNDS:
            compound = self.compounds[row["slug"]]
            uses: dict[str, Any] = {}
            kept = []
            for use_row in row["uses"]:
                summary = use_row["evidence_summary"]
                use, _ = self.manager("CompoundUse").update_or_create(
                    compound=compound,
                    indication=self.indications[use_row["indication"]],
                    evidence_summary=summary,
                    defaults=self.fields(
                        "CompoundUse",
                        {
                            "evidence_level": use_row["evidence_level"],
                            "evidence_verification": use_row["evidence_verification"],
                            "evidence_summary": summary,
                        },
                    ),
                )
                use.zones.set([self.zones[slug] for slug in use_row["zones"]])
                use.evidence_sources.set([self.sources[k] for k in use_row["evidence_sources"]])
                uses[use_row["key"]] = use
                kept.append(use.pk)
            self.manager("CompoundUse").filter(compound=compound).exclude(pk__in=kept).delete()
            for status in row["regulatory"]:
                self.manager("RegulatoryStatus").filter(
                    compound=compound,
                    jurisdiction=status["jurisdiction"],
                    status=status["status"],
                    indication=status["indication"],
                ).update(use=uses.get(status["use"]) if status["use"] else None)
            self._effect_zones({"compound": compound}, row["adverse"])
        self._effect_zones({"compound": None}, data.TECHNIQUE_ADVERSE_EFFECTS)

    def _effect_zones(
        self, parent: Mapping[str, Any], effects: Iterable[Mapping[str, Any]]
    ) -> None:
        for effect in effects:
            row = self.manager("AdverseEffect").get(**parent, term=effect["term"])
            row.zones.set([self.zones[slug] for slug in effect["zones"]])

    def load_allergens(self) -> int:
        if not self.has_model("Allergen"):
            return 0
        found: dict[str, models.Model] = {}
        for row in data.ALLERGENS:
            values = self.fields("Allergen", self.sourced(row))
            values["member_of"] = found[row["member_of"]] if row["member_of"] else None
            allergen, _ = self.manager("Allergen").update_or_create(
                slug=values.pop("slug"), defaults=values
            )
            allergen.compounds.set([self.compounds[slug] for slug in row["compounds"]])
            found[row["slug"]] = allergen
        self.manager("Allergen").exclude(slug__in=found).delete()
        return len(found)

    def run(self) -> dict[str, int]:
        self.load_sources()
        for compound in data.COMPOUNDS:
            self.load_compound(compound)
        self.load_technique_facts()
        self.load_indications()
        self.load_zones()
        for product in data.PRODUCTS:
            self.load_product(product)
        for protocol in data.PROTOCOLS:
            self.load_protocol(protocol)
        self.load_rules()
        self.load_uses()
        allergens = self.load_allergens()
        return {
            "allergens": allergens,
            "sources": len(self.sources),
            "compounds": len(self.compounds),
            "indications": len(self.indications),
            "body_zones": len(self.zones),
            "products": len(self.products),
            "protocols": len(self.protocols),
            "jurisdiction_rules": len(data.JURISDICTION_RULES),
        }


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def sync_starter_catalogue(get_model: GetModel | None = None) -> dict[str, int]:
    """Writes the starter catalogue; call inside a transaction. Returns counts per kind."""
    with translation.override("en"):
        return _Loader(get_model or django_apps.get_model).run()
