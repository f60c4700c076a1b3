"""Fills the English and French columns of the catalogue texts registered in 0009, as 0008
did for the first ones, and the language of the shipped sources' titles.

The English column takes the text each row had; the French column takes the shipped French
of that English text (`shipped/fr.py`). A source's language is the shipped one for shipped
sources; a clinic's own sources stay English (their owner can change it).
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from mesotrace.catalogue.shipped.data import SOURCES
from mesotrace.catalogue.shipped.fr import FRENCH

# The fields 0009 registered (frozen: the list in models may grow later).
NEW_TEXT: dict[str, tuple[str, ...]] = {
    "Compound": ("atc_note", "max_dose_note"),
    "Allergen": ("cross_reaction",),
    "Product": ("note",),
    "DoseLimit": ("note",),
    "Indication": ("icd10_note",),
    "BodyZone": ("note",),
    "Protocol": ("technique_note", "mix_note"),
    "ProtocolItem": ("note",),
    "JurisdictionRule": ("history",),
}


def fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for name, fields in NEW_TEXT.items():
        model = apps.get_model("catalogue", name)
        for row in model._default_manager.all().iterator():
            for field in fields:
                english = getattr(row, field)
                setattr(row, f"{field}_en", english)
                setattr(row, f"{field}_fr", FRENCH.get(english, ""))
            row.save(update_fields=[f"{f}_{lang}" for f in fields for lang in ("en", "fr")])
    source = apps.get_model("catalogue", "Source")
    for key, values in SOURCES.items():
        source._default_manager.filter(clinic=None, key=key).update(
            language=values.get("language", "en")
        )


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0009_staff_text_languages")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
