"""The patient's consents. For now: photo consent, which session photos are checked against."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mesotrace.consent.rules import signature_url
from mesotrace.core import formats
from mesotrace.core.models import ClinicOwned


class PhotoScope(models.TextChoices):
    CLINICAL_RECORD = "clinical_record", _("Clinical record only")
    TEACHING = "teaching", _("Teaching (anonymised)")
    MARKETING = "marketing", _("Marketing")


class PhotoConsent(ClinicOwned):
    """A patient's permission to photograph them for one use; withdrawn, it stops new photos."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="photo_consents"
    )
    scope = models.CharField(_("use"), max_length=20, choices=PhotoScope.choices)
    granted_at = models.DateTimeField(_("granted"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.TextField(
        _("reason for withdrawal"), blank=True, validators=[MaxLengthValidator(2000)]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "patient", "scope"], name="photo_consent_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawn_reason=""),
                name="photo_consent_withdrawal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} · {formats.day(self.granted_at)}"

    def valid_on(self, day: datetime.date) -> bool:
        if self.withdrawn_at is not None or self.granted_at.date() > day:
            return False
        return self.expires_on is None or self.expires_on >= day


class SignedRecordError(Exception):
    """Raised when code tries to change or delete a consent record that must never change."""


class ConsentDocument(ClinicOwned):
    """One version of a plan's plain-language patient document; its content never changes.

    `version` is the SHA-256 of the canonical content: a plan change that alters the
    document produces another version, which needs its own signature.
    """

    plan = models.ForeignKey(
        "treatments.TreatmentPlan", on_delete=models.PROTECT, related_name="consent_documents"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    version = models.CharField(_("version (SHA-256)"), max_length=64)
    content = models.JSONField(_("canonical content"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="consent_document_version"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.version[:12]}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise SignedRecordError("A consent document never changes; generate a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise SignedRecordError("A consent document is never deleted.")


class ConsentSignature(ClinicOwned):
    """The patient's signature on one document version, the countersignature, and withdrawal.

    Keeps the exact text and PDF signed and their SHA-256. Only the countersignature and the
    withdrawal may be added later, once each; nothing else ever changes. A document holds at
    most one signature not withdrawn: a patient who changes their mind after withdrawing signs
    again, and the withdrawn signature stays beside the new one.
    """

    document = models.ForeignKey(
        ConsentDocument, on_delete=models.PROTECT, related_name="signatures"
    )
    patient_name = models.CharField(_("full name as typed"), max_length=200)
    statement = models.TextField(_("statement agreed to"))
    signed_at = models.DateTimeField(_("signed"))
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    document_sha256 = models.CharField(max_length=64)
    signed_text = models.TextField()
    signed_pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    # The signature the patient drew, as a PNG; empty when they signed with their typed name.
    drawn_signature = models.BinaryField(_("drawn signature (PNG)"), blank=True, default=b"")
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    countersigned_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.TextField(
        _("reason for withdrawal"), blank=True, validators=[MaxLengthValidator(2000)]
    )

    LATER_FIELDS = ("countersigned_by", "countersigned_at", "withdrawn_at", "withdrawn_reason")

    class Meta:
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawn_reason=""),
                name="consent_withdrawal_has_reason",
            ),
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_standing_signature",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_name} · {formats.day(self.signed_at)}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            fields = kwargs.get("update_fields")
            allowed = {*self.LATER_FIELDS, "updated_at"}
            if fields is None or not set(fields) <= allowed:  # type: ignore[call-overload]
                raise SignedRecordError("A signed consent never changes.")
            stored = ConsentSignature.objects.get(pk=self.pk)
            for name in set(fields) - {"updated_at"}:  # type: ignore[call-overload]
                if getattr(stored, name) not in (None, ""):
                    raise SignedRecordError("A signed consent never changes.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise SignedRecordError("A signed consent is never deleted.")

    @property
    def is_valid(self) -> bool:
        return self.countersigned_at is not None and self.withdrawn_at is None

    @property
    def drawn(self) -> bool:
        return bool(self.drawn_signature)

    @property
    def drawn_signature_url(self) -> str:
        """The drawn signature as a data: URL for an <img>, or "" when there is none."""
        return signature_url(bytes(self.drawn_signature or b""))


class ConsentOverride(ClinicOwned):
    """An owner's decision to chart a plan version without a valid signed consent."""

    plan = models.ForeignKey("treatments.TreatmentPlan", on_delete=models.PROTECT, related_name="+")
    version = models.CharField(max_length=64)
    reason = models.TextField(_("reason"), validators=[MaxLengthValidator(2000)])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.version[:12]}"
