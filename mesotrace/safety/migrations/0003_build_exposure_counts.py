"""Counts the sessions already charted, so the kept exposure counts start out right."""

from typing import Any

from django.db import migrations

from mesotrace.safety.exposure import clinics_charted, rebuild


def build_counts(apps: Any, schema_editor: Any) -> None:
    for clinic_id in clinics_charted(apps):
        rebuild(clinic_id, apps)


def drop_counts(apps: Any, schema_editor: Any) -> None:
    apps.get_model("safety", "ExposureCount").objects.all().delete()
    apps.get_model("safety", "ExposureMix").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("safety", "0002_exposure_counts"),
    ]

    operations = [
        migrations.RunPython(build_counts, drop_counts),
    ]
