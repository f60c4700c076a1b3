"""The session record's tables take the names of their new app; a rename keeps every row.

Content types follow, so anything keyed on them (permissions) names the same models.
"""

from typing import Any

from django.db import migrations

MOVED = ("treatmentsession", "injection", "injectioncomponent")


def content_types_follow(apps: Any, schema_editor: Any) -> None:
    _relabel(apps, "charting", "treatments")


def content_types_return(apps: Any, schema_editor: Any) -> None:
    _relabel(apps, "treatments", "charting")


def _relabel(apps: Any, old: str, new: str) -> None:
    types = apps.get_model("contenttypes", "ContentType").objects
    for model in MOVED:
        if not types.filter(app_label=new, model=model).exists():
            types.filter(app_label=old, model=model).update(app_label=new)


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('charting', '0003_session_record_moved'),
        ('treatments', '0003_session_record'),
    ]

    operations = [
        migrations.AlterModelTable(name='treatmentsession', table=None),
        migrations.AlterModelTable(name='injection', table=None),
        migrations.AlterModelTable(name='injectioncomponent', table=None),
        migrations.RunPython(content_types_follow, content_types_return),
    ]
