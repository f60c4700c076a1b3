"""The session record (sessions, injections, mix lines) now lives in treatments: charting's
amendments, photos and lot overrides point there, and charting forgets the three models.
State only: the tables are the same ones, so every row is kept."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('charting', '0002_lot_use_override'),
        ('treatments', '0003_session_record'),
        ('outcomes', '0004_session_record_moved'),
        ('safety', '0005_session_record_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='sessionamendment',
                    name='session',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='amendments', to='treatments.treatmentsession'),
                ),
                migrations.AlterField(
                    model_name='lotuseoverride',
                    name='session',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='lot_overrides', to='treatments.treatmentsession'),
                ),
                migrations.AlterField(
                    model_name='sessionphoto',
                    name='session',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='photos', to='treatments.treatmentsession'),
                ),
                migrations.DeleteModel(name='InjectionComponent'),
                migrations.DeleteModel(name='Injection'),
                migrations.DeleteModel(name='TreatmentSession'),
            ],
        ),
    ]
