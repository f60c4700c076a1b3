"""Patients: demographics and contact details, and the clinical record screening reads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mesotrace.accounts.models import Clinic
from mesotrace.core.models import ClinicOwned
from mesotrace.patients.rules import name_key, name_words, phone_key

phone_chars = RegexValidator(r"^[0-9+() .-]*$", _("Use digits, spaces and + ( ) . - only."))

DEMOGRAPHIC_FIELDS = [
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
    "preferred_language",
]
CLINICAL_FIELDS = ["medical_history", "pregnancy_status"]


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class PregnancyStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Not recorded")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    NOT_PREGNANT = "not_pregnant", _("Not pregnant")
    PREGNANT = "pregnant", _("Pregnant")
    BREASTFEEDING = "breastfeeding", _("Breastfeeding")


class Severity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")
    UNKNOWN = "unknown", _("Unknown")


def validate_birth_date(value: Any) -> None:
    today = timezone.localdate()
    if value > today:
        raise ValidationError(_("The date of birth cannot be in the future."))
    if value.year < 1900:
        raise ValidationError(_("The date of birth must be after 1900."))


def clinic_language(clinic_id: int) -> str:
    """The clinic's language as stored, which a new patient takes unless told otherwise."""
    return str(Clinic.objects.values_list("language", flat=True).get(pk=clinic_id))


class Patient(ClinicOwned):
    record_number = models.CharField(_("record number"), max_length=20, editable=False)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"), validators=[validate_birth_date])
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_chars])
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    medical_history = models.TextField(
        _("medical history"), blank=True, validators=[MaxLengthValidator(10000)]
    )
    pregnancy_status = models.CharField(
        _("pregnancy or breastfeeding"),
        max_length=20,
        choices=PregnancyStatus.choices,
        default=PregnancyStatus.UNKNOWN,
    )
    # What the patient reads (portal, consent, e-mails) is written in it.
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES
    )
    family_key = models.CharField(max_length=100, editable=False)
    given_key = models.CharField(max_length=100, editable=False)
    phone_key = models.CharField(max_length=32, editable=False)
    phone_rev = models.CharField(max_length=32, editable=False)

    class Meta:
        ordering = ["family_key", "given_key", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "record_number"], name="record_number_per_clinic"
            )
        ]
        indexes = [
            models.Index(fields=["clinic", "family_key", "given_key"], name="patient_family_key"),
            models.Index(fields=["clinic", "given_key"], name="patient_given_key"),
            models.Index(fields=["clinic", "date_of_birth"], name="patient_birth_date"),
            models.Index(fields=["clinic", "phone_key"], name="patient_phone_key"),
            models.Index(fields=["clinic", "phone_rev"], name="patient_phone_rev"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name.upper()} {self.given_name} ({self.record_number})"

    def refresh_search_keys(self) -> None:
        self.family_key = name_key(self.family_name)[:100]
        self.given_key = name_key(self.given_name)[:100]
        self.phone_key = phone_key(self.phone)[:32]
        self.phone_rev = self.phone_key[::-1]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.preferred_language:
            self.preferred_language = clinic_language(self.clinic_id)
        self.refresh_search_keys()
        super().save(*args, **kwargs)
        PatientNameWord.index(self)

    def name_word_rows(self) -> list[PatientNameWord]:
        words = name_words(self.family_name, self.given_name)
        return [PatientNameWord(clinic_id=self.clinic_id, patient=self, word=w) for w in words]

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class PatientNameWord(models.Model):
    """One word of a patient's names, so a search can start at any word, from an index."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="name_words")
    word = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "word"], name="one_row_per_name_word")
        ]
        indexes = [models.Index(fields=["clinic", "word"], name="patient_name_word")]

    def __str__(self) -> str:
        return self.word

    @staticmethod
    def index(patient: Patient) -> None:
        """Rewrites a patient's words; called on every save, inside the caller's transaction."""
        PatientNameWord.objects.filter(patient=patient).delete()
        PatientNameWord.objects.bulk_create(patient.name_word_rows())


class Allergy(ClinicOwned):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="allergies")
    substance = models.CharField(_("substance"), max_length=200)
    reaction = models.CharField(_("reaction"), max_length=200, blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.UNKNOWN
    )
    # The catalogue substances or classes the allergy is coded to: matched from its words when
    # it is saved, or chosen by clinical staff. None is "not matched to a substance".
    allergens = models.ManyToManyField(
        "catalogue.Allergen", blank=True, related_name="+", verbose_name=_("coded as")
    )

    class Meta:
        ordering = ["substance"]
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return self.substance


class Medication(ClinicOwned):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(_("medication"), max_length=200)
    dose = models.CharField(_("dose"), max_length=100, blank=True)
    is_anticoagulant = models.BooleanField(_("anticoagulant or antiplatelet"), default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
