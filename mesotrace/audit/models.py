"""The append-only audit trail of every read and write of patient data, logins and exports."""

from __future__ import annotations

import functools
import re
from typing import Any, NoReturn

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mesotrace.core.models import ClinicQuerySet

_SNAKE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    LIST = "list", _("Listed")
    SEARCH = "search", _("Searched")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOGOUT = "logout", _("Logged out")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    CLINIC_SWITCH = "clinic_switch", _("Switched clinic")
    GENERATE = "generate", _("Generated demo data")


class ObjectType(models.TextChoices):
    """What an audit row is about. Records are named after their model (`of`); the last
    members name what is not one record: a trace, a report, a generated data set."""

    CLINIC = "clinic", _("Clinic")
    MEMBERSHIP = "membership", _("Membership")
    USER = "user", _("User")
    API_TOKEN = "api_token", _("API token")
    AUDIT_EVENT = "audit_event", _("Audit trail")
    SOURCE = "source", _("Source")
    COMPOUND = "compound", _("Compound")
    PRODUCT = "product", _("Product")
    INDICATION = "indication", _("Indication")
    PROTOCOL = "protocol", _("Protocol")
    PATIENT = "patient", _("Patient")
    PRACTITIONER = "practitioner", _("Practitioner")
    INJECTION_POLICY = "injection_policy", _("Injection policy")
    TREATMENT_PLAN = "treatment_plan", _("Treatment plan")
    SCREENING_ACKNOWLEDGEMENT = "screening_acknowledgement", _("Screening acknowledgement")
    OPENING_HOURS = "opening_hours", _("Opening hours")
    APPOINTMENT = "appointment", _("Appointment")
    TREATMENT_SESSION = "treatment_session", _("Session")
    LOT = "lot", _("Lot")
    STOCK_MOVEMENT = "stock_movement", _("Stock movement")
    RECALL_CAMPAIGN = "recall_campaign", _("Recall campaign")
    RECALL_CONTACT = "recall_contact", _("Recall call")
    SESSION_PHOTO = "session_photo", _("Session photo")
    LOT_USE_OVERRIDE = "lot_use_override", _("Lot use override")
    PHOTO_CONSENT = "photo_consent", _("Photo consent")
    CONSENT_DOCUMENT = "consent_document", _("Consent document")
    CONSENT_SIGNATURE = "consent_signature", _("Consent signature")
    CONSENT_OVERRIDE = "consent_override", _("Consent override")
    MEASUREMENT = "measurement", _("Measurement")
    LIFESTYLE_LOG = "lifestyle_log", _("Lifestyle log")
    SPLIT_BODY_ALLOCATION = "split_body_allocation", _("Split-body allocation")
    PORTAL_LINK = "portal_link", _("Portal link")
    ADVERSE_EVENT = "adverse_event", _("Adverse event")
    ADVERSE_EVENT_FOLLOW_UP = "adverse_event_follow_up", _("Adverse event follow-up")
    SAFETY_SETTINGS = "safety_settings", _("Safety settings")
    SAFETY_ALERT = "safety_alert", _("Safety alert")
    OUTBOUND_MESSAGE = "outbound_message", _("E-mail to a patient")
    MESSAGE_PREFERENCE = "message_preference", _("Patient's e-mail preferences")
    CLINIC_MESSAGING = "clinic_messaging", _("Clinic's e-mail settings")
    CSV_IMPORT = "csv_import", _("CSV import")
    CSV_MAPPING = "csv_mapping", _("CSV column mapping")

    LOT_TRACE = "lot_trace", _("Lot trace")
    SAFETY_SIGNALS = "safety_signals", _("Safety signals")
    EVIDENCE_REPORT = "evidence_report", _("Evidence report")
    INDICATION_EVIDENCE_REPORT = "indication_evidence_report", _("Indication evidence report")
    STARTER_CATALOGUE = "starter_catalogue", _("Starter catalogue")
    PORTAL_PAGE = "portal_page", _("Portal page")
    NETWORK = "network", _("Benchmark network")

    @classmethod
    def of(cls, model: models.Model | type[models.Model]) -> ObjectType:
        """The type of a record, from its model's name: TreatmentPlan -> "treatment_plan"."""
        name = model._meta.object_name or ""
        return cls(_SNAKE.sub("_", name).lower())


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit record."""


class AuditQuerySet(ClinicQuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit records cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit records cannot be deleted.")


SENTENCES_SHOWN = 8  # a long record's first sentences; the CSV export has all of it


def _words(name: str) -> str:
    return name.replace("_", " ").replace(".", " ").strip().capitalize()


@functools.cache
def _model_of(object_type: str) -> type[models.Model] | None:
    """The model an audit row's object type names (ObjectType.of, read backwards)."""
    for model in apps.get_models():
        if _SNAKE.sub("_", model._meta.object_name or "").lower() == object_type:
            return model
    return None


# The record as it stood, kept in a row's details by the apps that audit a whole snapshot.
_SNAPSHOTS = {"before": _("Before"), "after": _("After")}


class _Labels:
    """Field names and stored choice values as the reader's language says them, from the
    audited model's own verbose names and choices; a name the model lacks, in plain words."""

    def __init__(self, object_type: str) -> None:
        self.model = _model_of(object_type) if object_type else None

    def _field(self, name: str) -> models.Field[Any, Any] | None:
        if self.model is None:
            return None
        try:
            found = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        return found if isinstance(found, models.Field) else None

    def name(self, name: str) -> str:
        found = self._field(name)
        if found is not None:
            return str(found.verbose_name).capitalize()
        return str(_SNAPSHOTS[name]) if name in _SNAPSHOTS else _words(name)

    def value(self, name: str, value: Any) -> Any:
        found = self._field(name)
        if found is None or not found.choices or not isinstance(value, str):
            return value
        return str(dict(found.flatchoices).get(value, value))


def _value(value: Any, labels: _Labels | None = None) -> str:
    """A stored value as a person reads it: yes/no, lists and small mappings in words."""
    labels = labels or _Labels("")
    if value is None or value == "":
        return str(_("nothing"))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple):
        return ", ".join(_value(v, labels) for v in value) if value else str(_("none"))
    if isinstance(value, dict):
        return "; ".join(
            f"{labels.name(str(k)).lower()} {_value(labels.value(str(k), v), labels)}"
            for k, v in value.items()
        )
    return str(value)


def _sentence(name: str, value: Any, labels: _Labels) -> str:
    field = labels.name(name)
    if isinstance(value, dict) and set(value) == {"before", "after"}:
        before = labels.value(name, value["before"])
        after = labels.value(name, value["after"])
        if before in (None, "", []):
            return str(
                _("%(field)s set to %(after)s.") % {"field": field, "after": _value(after, labels)}
            )
        return str(
            _("%(field)s changed from %(before)s to %(after)s.")
            % {"field": field, "before": _value(before, labels), "after": _value(after, labels)}
        )
    return f"{field}: {_value(labels.value(name, value), labels)}."


def audit_sentences(
    changes: dict[str, Any], details: dict[str, Any], object_type: str = ""
) -> list[str]:
    """A record's changes, then its details, one sentence each, instead of raw JSON; field
    names and choices as the audited model names them in the reader's language."""
    labels = _Labels(object_type)
    sentences = [_sentence(k, v, labels) for k, v in {**details, **changes}.items()]
    if len(sentences) > SENTENCES_SHOWN:
        more = len(sentences) - SENTENCES_SHOWN
        sentences = [*sentences[:SENTENCES_SHOWN], str(_("…and %(n)s more.") % {"n": more})]
    return sentences


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now)
    clinic = models.ForeignKey(
        "accounts.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=50, blank=True, choices=ObjectType.choices)
    object_id = models.CharField(max_length=64, blank=True)
    # The patient the record concerns, so "everything that happened to this patient" is one lookup.
    patient_id = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    via = models.CharField(max_length=20, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "at"], name="audit_clinic_at"),
            models.Index(fields=["clinic", "patient_id", "at"], name="audit_clinic_patient_at"),
            models.Index(fields=["clinic", "actor", "at"], name="audit_clinic_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit records cannot be changed.")
        # An INSERT only: a new object given an existing id must not turn into an UPDATE.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit records cannot be deleted.")

    @property
    def sentences(self) -> list[str]:
        return audit_sentences(self.changes, self.details, self.object_type)
