"""Loads the shipped starter catalogue, so every database has it.

When the starter data changes shape, add a new migration that runs the loader again.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from mesotrace.catalogue.shipped.loader import sync_starter_catalogue


def load(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    sync_starter_catalogue(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
