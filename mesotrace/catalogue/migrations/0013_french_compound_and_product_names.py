"""Fills the English and French columns of compound and product names registered in 0012,
as 0008 and 0010 did for the other catalogue texts.

The English column takes the name each row had; the French column takes the shipped French
of that name (`shipped/fr.py`), for shipped entries and for a clinic's copies still named
as the shipped one. A name with no French stays empty and is shown in English, labelled
"not yet translated". Nothing identifies an entry by its name: codes and keys use the slug
or the English name, which this migration leaves as it was.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from mesotrace.catalogue.shipped.fr import FRENCH

# The fields 0012 registered (frozen: the list in models may grow later).
NAMES: dict[str, tuple[str, ...]] = {
    "Compound": ("name",),
    "Product": ("name",),
}


def fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for name, fields in NAMES.items():
        model = apps.get_model("catalogue", name)
        for row in model._default_manager.all().iterator():
            for field in fields:
                english = getattr(row, field)
                setattr(row, f"{field}_en", english)
                setattr(row, f"{field}_fr", FRENCH.get(english, ""))
            row.save(update_fields=[f"{f}_{lang}" for f in fields for lang in ("en", "fr")])


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0012_compound_and_product_name_languages")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
