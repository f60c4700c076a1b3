"""Adverse events point at the session record in its new app; the link tables are unchanged."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('safety', '0004_alert_keeps_its_rule'),
        ('treatments', '0003_session_record'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='adverseevent',
                    name='injections',
                    field=models.ManyToManyField(blank=True, related_name='+', to='treatments.injection'),
                ),
                migrations.AlterField(
                    model_name='adverseevent',
                    name='sessions',
                    field=models.ManyToManyField(blank=True, related_name='+', to='treatments.treatmentsession'),
                ),
            ],
        ),
    ]
