from typing import Any

from django.db import migrations


def ship(apps: Any, schema_editor: Any) -> None:
    from mesotrace.outcomes.shipped import sync_shipped_types

    sync_shipped_types(apps.get_model("outcomes", "MeasurementType"))


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]
    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
