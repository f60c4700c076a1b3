"""Each allergy gets its stored link to the catalogue's substances and classes; the allergies
written before are coded by their words, and `manage.py allergy_coding` lists what stayed
unmatched."""

from typing import Any

from django.db import migrations, models

from mesotrace.catalogue.rules import coded_allergens


def code_existing_allergies(apps: Any, schema_editor: Any) -> None:
    allergen_model = apps.get_model("catalogue", "Allergen")
    allergy_model = apps.get_model("patients", "Allergy")
    link = allergy_model.allergens.through
    codes = list(allergen_model.objects.only("id", "terms"))
    rows = [
        link(allergy_id=allergy.pk, allergen_id=code.pk)
        for allergy in allergy_model.objects.only("id", "substance").iterator()
        for code in coded_allergens(allergy.substance, codes)
    ]
    link.objects.bulk_create(rows, batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0006_reload_starter_catalogue"),
        ("patients", "0002_name_words"),
    ]

    operations = [
        migrations.AddField(
            model_name="allergy",
            name="allergens",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="catalogue.allergen", verbose_name="coded as"
            ),
        ),
        migrations.RunPython(code_existing_allergies, migrations.RunPython.noop),
    ]
