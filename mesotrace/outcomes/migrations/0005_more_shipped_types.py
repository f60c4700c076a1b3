from typing import Any

from django.db import migrations


def ship(apps: Any, schema_editor: Any) -> None:
    from mesotrace.outcomes.shipped import sync_shipped_types

    sync_shipped_types(apps.get_model("outcomes", "MeasurementType"))


class Migration(migrations.Migration):
    """Hair density, body fat percentage and wrinkle severity, so every shipped indication
    has an outcome a clinic can record."""

    dependencies = [("outcomes", "0004_session_record_moved")]
    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
