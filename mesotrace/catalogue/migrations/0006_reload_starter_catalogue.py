"""Loads the starter catalogue again for its new shape: strengths, presentations and dose
limits in drug amount, allergy codes, and evidence and decisions per use.

A migration of its own: on PostgreSQL, indexes of the schema changes are created at the
end of their migration and cannot follow data writes in the same transaction.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from mesotrace.catalogue.shipped.loader import sync_starter_catalogue


def load(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    sync_starter_catalogue(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0005_uses")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
