"""Each patient's preferred language; patients already registered take their clinic's."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def clinic_language(apps, schema_editor):  # type: ignore[no-untyped-def]
    Clinic = apps.get_model("accounts", "Clinic")
    Patient = apps.get_model("patients", "Patient")
    language = Clinic.objects.filter(pk=OuterRef("clinic_id")).values("language")[:1]
    Patient.objects.update(preferred_language=Subquery(language))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_languages"),
        ("patients", "0003_allergy_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="preferred_language",
            field=models.CharField(
                choices=[("en", "English"), ("fr", "Français")],
                default="en",
                max_length=8,
                verbose_name="preferred language",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(clinic_language, migrations.RunPython.noop),
    ]
