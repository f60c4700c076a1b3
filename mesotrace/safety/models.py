"""Adverse events linked to sessions, injections, products and lots; cluster alerts per lot.

The event terms are the shipped controlled list of events reported after mesotherapy
(shared/reference/domain.md §3), each with its category: what cluster alerts count on one lot
(e.g. every infection term together).
"""

from __future__ import annotations

from typing import Final

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mesotrace.core.models import ClinicOwned

MAX_TEXT = 4000
DEFAULT_LOOK_BACK_DAYS = 90
DEFAULT_CLUSTER_WINDOW_DAYS = 90
DEFAULT_CLUSTER_THRESHOLD = 2


class Category(models.TextChoices):
    INFECTION = "infection", _("Infection")
    INFLAMMATION = "inflammation", _("Inflammation")
    TISSUE_DAMAGE = "tissue_damage", _("Tissue damage")
    SKIN = "skin", _("Skin")
    VASCULAR = "vascular", _("Bleeding and bruising")
    HAIR = "hair", _("Hair")
    NEUROLOGICAL = "neurological", _("Neurological")
    ALLERGIC = "allergic", _("Allergic")
    SYSTEMIC = "systemic", _("Systemic")
    OTHER = "other", _("Other")


class Term(models.TextChoices):
    SKIN_INFECTION = "skin_infection", _("Skin infection (bacterial)")
    NTM_INFECTION = "ntm_infection", _("Skin infection, non-tuberculous mycobacteria")
    PANNICULITIS = "panniculitis", _("Panniculitis")
    NECROSIS = "necrosis", _("Necrosis")
    HYPERPIGMENTATION = "hyperpigmentation", _("Hyperpigmentation")
    URTICARIA = "urticaria", _("Urticaria")
    HAEMATOMA = "haematoma", _("Haematoma / bruising")
    NODULES = "nodules", _("Nodules / granuloma")
    LIPOATROPHY = "lipoatrophy", _("Lipoatrophy")
    ALOPECIA = "alopecia", _("Alopecia")
    NERVE_INJURY = "nerve_injury", _("Nerve injury")
    DYSPHAGIA = "dysphagia", _("Dysphagia")
    ALLERGIC_REACTION = "allergic_reaction", _("Allergic reaction")
    ANAPHYLAXIS = "anaphylaxis", _("Anaphylaxis")
    VASOVAGAL = "vasovagal", _("Vasovagal reaction")
    PAIN = "pain", _("Pain")
    OTHER = "other", _("Other (describe)")


CATEGORY_OF: Final[dict[str, str]] = {
    Term.SKIN_INFECTION: Category.INFECTION,
    Term.NTM_INFECTION: Category.INFECTION,
    Term.PANNICULITIS: Category.INFLAMMATION,
    Term.NECROSIS: Category.TISSUE_DAMAGE,
    Term.HYPERPIGMENTATION: Category.SKIN,
    Term.URTICARIA: Category.ALLERGIC,
    Term.HAEMATOMA: Category.VASCULAR,
    Term.NODULES: Category.INFLAMMATION,
    Term.LIPOATROPHY: Category.TISSUE_DAMAGE,
    Term.ALOPECIA: Category.HAIR,
    Term.NERVE_INJURY: Category.NEUROLOGICAL,
    Term.DYSPHAGIA: Category.NEUROLOGICAL,
    Term.ALLERGIC_REACTION: Category.ALLERGIC,
    Term.ANAPHYLAXIS: Category.ALLERGIC,
    Term.VASOVAGAL: Category.SYSTEMIC,
    Term.PAIN: Category.OTHER,
    Term.OTHER: Category.OTHER,
}


class Reporter(models.TextChoices):
    STAFF = "staff", _("Staff")
    PATIENT = "patient", _("Patient")


class Seriousness(models.TextChoices):
    """ICH E2A seriousness criteria."""

    DEATH = "death", _("Results in death")
    LIFE_THREATENING = "life_threatening", _("Life-threatening")
    HOSPITALISATION = "hospitalisation", _("Requires or prolongs hospitalisation")
    DISABILITY = "disability", _("Persistent or significant disability")
    CONGENITAL = "congenital", _("Congenital anomaly")
    MEDICALLY_IMPORTANT = "medically_important", _("Other medically important event")


class Outcome(models.TextChoices):
    RECOVERED = "recovered", _("Recovered")
    RECOVERING = "recovering", _("Recovering")
    NOT_RECOVERED = "not_recovered", _("Not recovered")
    SEQUELAE = "sequelae", _("Recovered with sequelae")
    FATAL = "fatal", _("Fatal")
    UNKNOWN = "unknown", _("Unknown")


class Causality(models.TextChoices):
    """WHO-UMC causality categories."""

    CERTAIN = "certain", _("Certain")
    PROBABLE = "probable", _("Probable / likely")
    POSSIBLE = "possible", _("Possible")
    UNLIKELY = "unlikely", _("Unlikely")
    CONDITIONAL = "conditional", _("Conditional / unclassified")
    UNASSESSABLE = "unassessable", _("Unassessable / unclassifiable")


class AdverseEvent(ClinicOwned):
    """One adverse event of one patient, with what it is linked to."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    reporter = models.CharField(_("reported by"), max_length=10, choices=Reporter.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    term = models.CharField(_("event"), max_length=30, choices=Term.choices)
    term_text = models.CharField(_("description of other event"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    onset_date = models.DateField(_("onset"))
    detected_on = models.DateField(_("detected on"))
    # Patient-reported events are graded by staff later: the grade may wait.
    grade = models.PositiveSmallIntegerField(
        _("severity grade (CTCAE 1 to 5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    seriousness = models.JSONField(_("seriousness criteria"), default=list, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.UNKNOWN
    )
    causality = models.CharField(
        _("causality (WHO-UMC)"),
        max_length=20,
        choices=Causality.choices,
        default=Causality.UNASSESSABLE,
    )
    actions_taken = models.TextField(
        _("actions taken"), blank=True, validators=[MaxLengthValidator(MAX_TEXT)]
    )
    organism = models.CharField(_("microbiology: organism"), max_length=200, blank=True)
    description = models.TextField(
        _("description"), blank=True, validators=[MaxLengthValidator(MAX_TEXT)]
    )
    sessions = models.ManyToManyField("treatments.TreatmentSession", blank=True, related_name="+")
    injections = models.ManyToManyField("treatments.Injection", blank=True, related_name="+")
    products = models.ManyToManyField("catalogue.Product", blank=True, related_name="+")
    lots = models.ManyToManyField("inventory.Lot", blank=True, related_name="+")

    class Meta:
        ordering = ["-detected_on", "-id"]
        indexes = [models.Index(fields=["clinic", "category", "onset_date"], name="ae_cluster")]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__gte=1, grade__lte=5),
                name="ae_grade_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(onset_date__lte=models.F("detected_on")),
                name="ae_onset_not_after_detection",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_term_display()} ({self.onset_date})"

    @property
    def serious(self) -> bool:
        return bool(self.seriousness)

    @property
    def term_label(self) -> str:
        if self.term == Term.OTHER and self.term_text:
            return f"{self.get_term_display()}: {self.term_text}"
        return str(self.get_term_display())


class AdverseEventFollowUp(ClinicOwned):
    """A dated follow-up note on an event; it may update the outcome."""

    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="follow_ups")
    on = models.DateField(_("date"))
    note = models.TextField(_("note"), validators=[MaxLengthValidator(MAX_TEXT)])
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["on", "id"]


class SafetySettings(ClinicOwned):
    """A clinic's cluster rule: `threshold` events of `category` on one lot within the window."""

    category = models.CharField(max_length=20, choices=Category.choices, default=Category.INFECTION)
    threshold = models.PositiveSmallIntegerField(
        default=DEFAULT_CLUSTER_THRESHOLD, validators=[MinValueValidator(1)]
    )
    window_days = models.PositiveSmallIntegerField(
        default=DEFAULT_CLUSTER_WINDOW_DAYS, validators=[MinValueValidator(1)]
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic"], name="one_safety_settings")]


class AlertKind(models.TextChoices):
    CLUSTER = "cluster", _("Cluster of events on one lot")
    RATE = "rate", _("Lot rate above the product's other lots")


class SafetyAlert(ClinicOwned):
    """A lot flagged by the safety checks; open until an owner or practitioner closes it.

    It keeps the cluster rule it was raised (or last refreshed) with, so a later change of
    the clinic's rule does not rewrite why this lot was flagged.
    """

    lot = models.ForeignKey("inventory.Lot", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=AlertKind.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    event_count = models.PositiveIntegerField()
    threshold = models.PositiveSmallIntegerField(
        _("rule: events on one lot"), default=DEFAULT_CLUSTER_THRESHOLD
    )
    window_days = models.PositiveSmallIntegerField(
        _("rule: within (days)"), default=DEFAULT_CLUSTER_WINDOW_DAYS
    )
    message = models.TextField()
    events = models.ManyToManyField(AdverseEvent, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class ExposureLevel(models.TextChoices):
    PRODUCT = "product", _("Product")
    LOT = "lot", _("Lot")


class ExposureCount(ClinicOwned):
    """Sessions of the clinic exposed to one product or lot, kept by
    `safety.services.exposure`.

    Incremented in the transaction that charts a session, once per product and lot it
    used, so the signals read a few thousand counts instead of grouping every mix line.
    """

    level = models.CharField(max_length=10, choices=ExposureLevel.choices)
    unit_id = models.BigIntegerField()  # the product's or the lot's id
    sessions = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "level", "unit_id"], name="exposure_count_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.unit_id}: {self.sessions} sessions"


class ExposureMix(ClinicOwned):
    """Sessions of the clinic that used exactly this set of products, kept by
    `safety.services.exposure`.

    Compound exposure is read through it with each product's current composition, so a
    corrected composition counts for past sessions too, as a GROUP BY at query time would.
    """

    products = models.TextField()  # the product ids, ascending, comma-separated
    key = models.CharField(max_length=64)  # SHA-256 of `products`: unique whatever their number
    sessions = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "key"], name="exposure_mix_once")]

    def __str__(self) -> str:
        return f"products {self.products}: {self.sessions} sessions"
