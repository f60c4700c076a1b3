"""Gives every clinic that exists now the default opening hours, Monday-Friday 09:00-19:00.

Clinics created later get them on first use (`scheduling.opening_hours`).
"""

import datetime

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def give_default_hours(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Clinic = apps.get_model("accounts", "Clinic")
    OpeningHours = apps.get_model("treatments", "OpeningHours")
    with_hours = set(OpeningHours.objects.values_list("clinic_id", flat=True))
    OpeningHours.objects.bulk_create(
        OpeningHours(
            clinic_id=clinic_id,
            weekday=day,
            opens=datetime.time(9, 0),
            closes=datetime.time(19, 0),
        )
        for clinic_id in Clinic.objects.values_list("pk", flat=True)
        if clinic_id not in with_hours
        for day in range(5)
    )


class Migration(migrations.Migration):
    dependencies = [("treatments", "0001_initial")]

    operations = [migrations.RunPython(give_default_hours, migrations.RunPython.noop)]
