"""Fills the English and French columns of the catalogue text patients read.

The English column takes the text each row had; the French column takes the shipped
French of that English text (`shipped/fr.py`), for shipped entries and for a clinic's
copies whose text is still the shipped one. A text with no French stays empty and is shown
in English, labelled "not yet translated". A migration of its own: on PostgreSQL, data
writes cannot follow the schema changes of 0007 in one transaction.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from mesotrace.catalogue.shipped.fr import FRENCH


# The fields this migration's schema has (frozen: later fields are filled by 0010).
PATIENT_TEXT: dict[str, tuple[str, ...]] = {
    "Compound": ("purpose", "evidence_summary"),
    "CompoundUse": ("evidence_summary",),
    "RegulatoryStatus": ("indication",),
    "AdverseEffect": ("term", "plain_term", "frequency"),
    "Contraindication": ("text",),
    "CompoundNote": ("text",),
    "Indication": ("name", "description"),
    "BodyZone": ("name",),
    "Protocol": ("name", "schedule_note", "evidence_statement"),
    "JurisdictionRule": ("title", "summary"),
}


def fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for name, fields in PATIENT_TEXT.items():
        model = apps.get_model("catalogue", name)
        for row in model._default_manager.all().iterator():
            for field in fields:
                english = getattr(row, field)
                setattr(row, f"{field}_en", english)
                setattr(row, f"{field}_fr", FRENCH.get(english, ""))
            row.save(update_fields=[f"{f}_{lang}" for f in fields for lang in ("en", "fr")])


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0007_patient_text_languages")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
