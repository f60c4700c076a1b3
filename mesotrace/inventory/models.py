"""Lots of products, their stock movements, and recall campaigns that call exposed patients.

Stock on hand is never stored: it is the sum of a lot's movements, so it cannot drift
from the history that explains it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Self

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from mesotrace.core import formats
from mesotrace.core.models import ClinicOwned, ClinicQuerySet

# Volumes are kept to the microlitre: protocols give 0.001 mL per point at the finest.
ML_PLACES = 3
ML_DIGITS = 10
ZERO_ML = Decimal("0.000")
# One delivery of one lot; 100 litres of a mesotherapy product is already a warehouse.
MAX_QUANTITY_ML = Decimal("100000")
MAX_DISCARD_HOURS = 24 * 365
MAX_REASON = 2000


class LotStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    UNDER_INVESTIGATION = "under_investigation", _("Under investigation")
    RECALLED = "recalled", _("Recalled")


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    USED = "used", _("Used in a session")
    WASTED = "wasted", _("Wasted")
    ADJUSTED = "adjusted", _("Adjusted")
    RETURNED = "returned", _("Returned to supplier")
    RECALLED = "recalled", _("Removed by recall")


# Kinds that only ever take stock away; "adjusted" goes either way, "received" only adds.
OUTGOING = (MovementKind.USED, MovementKind.WASTED, MovementKind.RETURNED, MovementKind.RECALLED)


def on_hand_expression() -> Coalesce:
    """A lot's stock on hand as a subquery (one per row, no join fan-out with other filters)."""
    total = (
        StockMovement.objects.filter(lot=OuterRef("pk"))
        .order_by()
        .values("lot")
        .annotate(total=Sum("quantity_ml"))
        .values("total")
    )
    field: models.DecimalField[Decimal, Decimal] = models.DecimalField(
        max_digits=ML_DIGITS + 2, decimal_places=ML_PLACES
    )
    return Coalesce(Subquery(total, output_field=field), Value(ZERO_ML), output_field=field)


class LotQuerySet(ClinicQuerySet["Lot"]):
    def with_on_hand(self) -> Self:
        """Annotates `on_hand_ml`, the sum of each lot's movements."""
        return self.annotate(on_hand_ml=on_hand_expression())


class Lot(ClinicOwned):
    """One manufacturer's lot (batch) of a product, as the clinic received it."""

    product = models.ForeignKey("catalogue.Product", on_delete=models.PROTECT, related_name="+")
    lot_number = models.CharField(_("lot number"), max_length=60)
    expiry_date = models.DateField(_("expiry date"))
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    received_on = models.DateField(_("received on"))
    quantity_received_ml = models.DecimalField(
        _("quantity received (mL)"),
        max_digits=ML_DIGITS,
        decimal_places=ML_PLACES,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(MAX_QUANTITY_ML)],
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Outbreaks have been traced to multi-dose vials (domain.md §3a, Spain 2009): the flag
    # and the opening time are part of every lot's record.
    multi_dose = models.BooleanField(_("multi-dose vial"), default=False)
    discard_after_hours = models.PositiveIntegerField(
        _("discard after opening (hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DISCARD_HOURS)],
    )
    opened_at = models.DateTimeField(_("vial opened at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=LotStatus.choices, default=LotStatus.AVAILABLE
    )
    status_reason = models.TextField(
        _("reason"), blank=True, validators=[MaxLengthValidator(MAX_REASON)]
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = LotQuerySet.as_manager()  # type: ignore[misc]  # ClinicOwned's, narrowed to lots

    class Meta:
        ordering = ["expiry_date", "id"]
        indexes = [
            models.Index(fields=["clinic", "product", "expiry_date"], name="lot_clinic_product"),
            models.Index(fields=["clinic", "expiry_date"], name="lot_clinic_expiry"),
            models.Index(fields=["clinic", "status"], name="lot_clinic_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "product", "lot_number"], name="lot_number_per_product"
            ),
            models.CheckConstraint(
                condition=Q(quantity_received_ml__gt=0), name="lot_received_positive"
            ),
            models.CheckConstraint(
                condition=Q(expiry_date__gte=models.F("received_on")),
                name="lot_expires_after_receipt",
            ),
            models.CheckConstraint(
                condition=Q(multi_dose=True) | Q(opened_at__isnull=True),
                name="lot_opened_only_if_multi_dose",
            ),
            models.CheckConstraint(
                condition=Q(status=LotStatus.AVAILABLE) | ~Q(status_reason=""),
                name="lot_status_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.lot_number}"

    @property
    def discard_at(self) -> datetime.datetime | None:
        """When the opened multi-dose vial must be thrown away, if one is open."""
        if not self.multi_dose or self.opened_at is None or self.discard_after_hours is None:
            return None
        return self.opened_at + datetime.timedelta(hours=self.discard_after_hours)


class StockMovement(ClinicOwned):
    """One change to a lot's stock; the signed quantities of a lot add up to its stock on hand."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=10, choices=MovementKind.choices)
    quantity_ml = models.DecimalField(
        _("quantity (mL)"), max_digits=ML_DIGITS, decimal_places=ML_PLACES
    )
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["lot", "at"], name="movement_lot_at")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=MovementKind.RECEIVED) & Q(quantity_ml__gt=0))
                | (Q(kind__in=OUTGOING) & Q(quantity_ml__lt=0))
                | (Q(kind=MovementKind.ADJUSTED) & ~Q(quantity_ml=0)),
                name="movement_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity_ml} mL"


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")


class ContactOutcome(models.TextChoices):
    REACHED_NO_SYMPTOMS = "reached_no_symptoms", _("Reached, no symptoms")
    REACHED_SYMPTOMS = "reached_symptoms", _("Reached, symptoms reported")
    NO_ANSWER = "no_answer", _("No answer")
    DECLINED = "declined", _("Reached, declined to discuss")


# Outcomes after which the patient counts as reached; "no answer" means call again.
REACHED = (
    ContactOutcome.REACHED_NO_SYMPTOMS,
    ContactOutcome.REACHED_SYMPTOMS,
    ContactOutcome.DECLINED,
)


class RecallCampaign(ClinicOwned):
    """Calling every patient exposed to one lot; at most one campaign per lot is open."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="campaigns")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"))
    reason = models.TextField(_("reason"), validators=[MaxLengthValidator(MAX_REASON)])
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot"],
                condition=Q(status=CampaignStatus.OPEN),
                name="one_open_campaign_per_lot",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="campaign_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.lot} · {formats.day(self.opened_at)}"


class RecallContact(ClinicOwned):
    """One exposed patient of a campaign: whether, when, how and by whom reached; the outcome."""

    campaign = models.ForeignKey(RecallCampaign, on_delete=models.PROTECT, related_name="contacts")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    contacted = models.BooleanField(_("reached"), default=False)
    contacted_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(_("method"), max_length=10, choices=ContactMethod.choices, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ContactOutcome.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True, validators=[MaxLengthValidator(MAX_REASON)])
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "patient"], name="patient_once_per_campaign"
            ),
            models.CheckConstraint(
                condition=Q(contacted=False) | Q(contacted_at__isnull=False),
                name="contacted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.patient}"
