"""One language per clinic and one per patient: the e-mail languages messaging kept of its own
are carried over to the clinic's language and the patient's preferred language, then dropped."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

# The languages offered; a stored code outside them (an old Italian choice) is not carried over.
OFFERED = ["en", "fr"]
DEFAULT = "en"


def carry_over(apps, schema_editor):  # type: ignore[no-untyped-def]
    Clinic = apps.get_model("accounts", "Clinic")
    Patient = apps.get_model("patients", "Patient")
    ClinicMessaging = apps.get_model("messaging", "ClinicMessaging")
    MessagePreference = apps.get_model("messaging", "MessagePreference")

    # A clinic that set a language since keeps it: only one still on the default takes the
    # language of its e-mails.
    chosen = ClinicMessaging.objects.filter(
        clinic=OuterRef("pk"), language__in=OFFERED
    ).exclude(language=DEFAULT)
    Clinic.objects.filter(language=DEFAULT, pk__in=chosen.values("clinic_id")).update(
        language=Subquery(chosen.values("language")[:1])
    )

    # A language chosen for a patient's e-mails was the one they read: it becomes theirs.
    preference = MessagePreference.objects.filter(patient=OuterRef("pk"), language__in=OFFERED)
    Patient.objects.filter(pk__in=preference.values("patient_id")).update(
        preferred_language=Subquery(preference.values("language")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_languages"),
        ("messaging", "0001_initial"),
        ("patients", "0004_preferred_language"),
    ]

    operations = [
        # Backwards the fields come back with their defaults (blank, and "en"); nothing to copy.
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RemoveField(model_name="clinicmessaging", name="language"),
        migrations.RemoveField(model_name="messagepreference", name="language"),
    ]
