"""E-mail that reaches the patient: each message with its delivery state, the patient's
reminder opt-out and the clinic's settings (automatic e-mail, reminder lead time). E-mails are
written in the patient's preferred language, kept on the patient."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mesotrace.core.models import ClinicOwned

MAX_LEAD_HOURS = 14 * 24
DEFAULT_LEAD_HOURS = 24
# Temporary failures (4xx, a server that cannot be reached) are tried this many times.
MAX_ATTEMPTS = 5


class MessageKind(models.TextChoices):
    PORTAL_LINK = "portal_link", _("Portal link")
    CONSENT_REQUEST = "consent_request", _("Request to sign a consent")
    CONFIRMATION = "confirmation", _("Appointment confirmation")
    REMINDER = "reminder", _("Appointment reminder")
    RECALL_LETTER = "recall_letter", _("Recall letter")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RETRYING = "retrying", _("Retrying")
    SENT = "sent", _("Sent")
    BOUNCED = "bounced", _("Bounced")
    FAILED = "failed", _("Failed")


# A message in one of these states will not be tried again.
FINAL = (MessageStatus.SENT, MessageStatus.BOUNCED, MessageStatus.FAILED)


class OutboundMessage(ClinicOwned):
    """One e-mail to one patient. `key` makes a send idempotent: one reminder per appointment,
    one confirmation per booked time, one recall letter per patient and campaign."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices)
    key = models.CharField(max_length=120)
    to_email = models.EmailField(_("to"))
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    appointment = models.ForeignKey(
        "treatments.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.ForeignKey(
        "inventory.RecallCampaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A portal URL carries the link's secret: kept only until the message is sent or given
    # up, so afterwards the database alone cannot open the portal.
    secret_url = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "key"], name="one_message_per_key"),
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.SENT) | Q(sent_at__isnull=False),
                name="sent_message_has_time",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "patient", "created_at"], name="message_patient")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.to_email} · {self.status}"


class MessagePreference(ClinicOwned):
    """A patient's choice about e-mail: no reminders."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="message_preference"
    )
    no_reminders = models.BooleanField(_("no appointment reminders"), default=False)

    def __str__(self) -> str:
        return f"preferences of patient {self.patient_id}"


class ClinicMessaging(ClinicOwned):
    """A clinic's e-mail settings: whether confirmations and reminders go out by themselves
    (off until the owner turns them on, so bookings made before get none) and when reminders
    go out. The clinic's language is the clinic's own (`Clinic.language`)."""

    automatic = models.BooleanField(_("send confirmations and reminders"), default=False)
    automatic_since = models.DateTimeField(null=True, blank=True)

    reminder_lead_hours = models.PositiveSmallIntegerField(
        _("reminder lead time (hours)"),
        default=DEFAULT_LEAD_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_LEAD_HOURS)],
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic"], name="one_messaging_per_clinic")]

    def __str__(self) -> str:
        return f"messaging of clinic {self.clinic_id}"
