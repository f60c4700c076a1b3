"""Practitioners with their credentials, and each clinic's rule on who may inject."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mesotrace.core.models import ClinicOwned

jurisdiction_code = RegexValidator(
    r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$",
    _("Use an ISO 3166 code: a country (FR) or a subdivision (US-NY)."),
)


# What the owner keeps for a practitioner, in the order the form shows it.
PRACTITIONER_FIELDS = [
    "full_name",
    "qualification",
    "user",
    "licence_number",
    "licence_jurisdiction",
    "licence_expiry",
    "training_certificate",
    "training_date",
    "supervising_physician",
    "is_active",
]


class Qualification(models.TextChoices):
    PHYSICIAN = "physician", _("Physician")
    NURSE = "nurse", _("Nurse")
    OTHER = "other", _("Other")


class Practitioner(ClinicOwned):
    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="practitioner_profiles",
    )
    full_name = models.CharField(_("full name"), max_length=200)
    qualification = models.CharField(max_length=20, choices=Qualification.choices)
    licence_number = models.CharField(_("licence number"), max_length=50, blank=True)
    licence_jurisdiction = models.CharField(
        _("issuing jurisdiction"), max_length=6, blank=True, validators=[jurisdiction_code]
    )
    licence_expiry = models.DateField(_("licence expiry"), null=True, blank=True)
    training_certificate = models.CharField(
        _("mesotherapy training certificate"), max_length=200, blank=True
    )
    training_date = models.DateField(_("training date"), null=True, blank=True)
    supervising_physician = models.ForeignKey(
        "self",
        verbose_name=_("supervising physician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "user"],
                condition=models.Q(user__isnull=False),
                name="one_profile_per_user_per_clinic",
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_qualification_display()})"

    def clean(self) -> None:
        supervisor = self.supervising_physician
        if supervisor is None:
            return
        if supervisor.clinic_id != self.clinic_id or supervisor.pk == self.pk:
            raise ValidationError(
                {"supervising_physician": _("Choose another practitioner of this clinic.")}
            )
        if supervisor.qualification != Qualification.PHYSICIAN:
            raise ValidationError(
                {"supervising_physician": _("The supervisor must be a physician.")}
            )

    def licence_valid_on(self, day: datetime.date) -> bool:
        return (
            bool(self.licence_number)
            and self.licence_expiry is not None
            and self.licence_expiry >= day
        )

    def licence_expired_on(self, day: datetime.date) -> bool:
        return self.licence_expiry is not None and self.licence_expiry < day


class InjectionRule(models.TextChoices):
    PHYSICIAN_ONLY = "physician_only", _("Licensed physician only")
    PHYSICIAN_OR_SUPERVISED_NURSE = (
        "physician_or_supervised_nurse",
        _("Licensed physician, or licensed nurse with a supervising physician"),
    )
    ANY_LICENSED = "any_licensed", _("Any practitioner with a valid licence")


class InjectionPolicy(models.Model):
    """Who may inject in a clinic. A clinic without a policy falls back to physicians only."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="injection_policy"
    )
    rule = models.CharField(
        max_length=40, choices=InjectionRule.choices, default=InjectionRule.PHYSICIAN_ONLY
    )
    require_training = models.BooleanField(_("require recorded mesotherapy training"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.clinic}: {self.get_rule_display()}"
