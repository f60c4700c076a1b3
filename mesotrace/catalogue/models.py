"""The catalogue: compounds, products, indications, body zones, protocols and jurisdiction rules.

Shipped entries have no clinic and are read-only everywhere; a clinic's own entries
(added or cloned) carry the clinic. Every medical fact carries its source and a
verification mark, and an unverified fact is shown as such, never as fact.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mesotrace.core.models import ClinicQuerySet

if TYPE_CHECKING:
    from mesotrace.accounts.models import Clinic

_M = TypeVar("_M", bound=models.Model)

# Technique limits: French practice injects from intra-epidermal to 13 mm deep with
# needles of 4-13 mm (domain.md §2, doczz.fr/doc/718230, [V]).
DEPTH_MIN_MM = Decimal("0.5")
DEPTH_MAX_MM = Decimal("13")
NEEDLE_LENGTH_MAX_MM = Decimal("13")
MAX_SESSIONS = 60
MAX_INTERVAL_DAYS = 365

atc_codes = RegexValidator(
    r"^[A-Z]\d{2}[A-Z]{2}\d{2}(, [A-Z]\d{2}[A-Z]{2}\d{2})*$",
    _("Use ATC codes such as N01BB02, separated by a comma and a space."),
)
icd10_code = RegexValidator(
    r"^[A-TV-Z]\d{2}(\.\d{1,4})?$", _("Use an ICD-10 code such as E65 or L65.0.")
)
snomed_code = RegexValidator(r"^\d{6,18}$", _("A SNOMED CT code is 6 to 18 digits."))
jurisdiction_code = RegexValidator(
    r"^([A-Z]{2}|EU|\*)$", _("Use a two-letter country code, EU, or * for everywhere.")
)

# The catalogue text people read (consent document, portal, catalogue pages, and the notes
# staff read beside a fact: technique and mix notes, product, coding and dose notes, a rule's
# later decisions), kept in English and French by django-modeltranslation
# (catalogue/translation.py): each field gets `<field>_en` and `<field>_fr` columns.
# Names are shown in the reader's language but never identify an entry: codes, keys and
# matches use the slug or the English (`english`), so they are the same in every language.
PATIENT_TEXT: dict[str, tuple[str, ...]] = {
    "Compound": ("name", "purpose", "evidence_summary", "atc_note", "max_dose_note"),
    "CompoundUse": ("evidence_summary",),
    "RegulatoryStatus": ("indication",),
    "AdverseEffect": ("term", "plain_term", "frequency"),
    "Contraindication": ("text",),
    "CompoundNote": ("text",),
    "Allergen": ("cross_reaction",),
    "Product": ("name", "note"),
    "DoseLimit": ("note",),
    "Indication": ("name", "description", "icd10_note"),
    "BodyZone": ("name", "note"),
    "Protocol": ("name", "schedule_note", "technique_note", "mix_note", "evidence_statement"),
    "ProtocolItem": ("note",),
    "JurisdictionRule": ("title", "summary", "history"),
}


def text_and_language(entry: models.Model, field: str) -> tuple[str, str]:
    """A patient-facing text of `entry` in the active language, else in the first language
    that has it (English first), with the code of the language the text is in.

    A field kept in one language only (or an entry of an older schema) is taken as it is,
    in the active language.
    """
    active = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if not hasattr(entry, f"{field}_{active}"):
        return str(getattr(entry, field) or ""), active
    order = [active, settings.LANGUAGE_CODE, *(code for code, _name in settings.LANGUAGES)]
    for code in dict.fromkeys(order):
        text = getattr(entry, f"{field}_{code}", None)
        if text:
            return str(text), code
    return "", active


def english(entry: models.Model, field: str = "name") -> str:
    """A catalogue text as kept in English, whatever the reader's language: what codes,
    keys and matches rest on (the field as it is when the entry has no English, as a
    clinic's entry written in French alone, or on a schema without languages)."""
    return str(getattr(entry, f"{field}_en", None) or getattr(entry, field) or "")


def name_order(path: str = "name") -> Coalesce:
    """Orders by a compound's or product's name (at `path`) as the reader sees it: in the
    active language, else in English, the same on every database (no blank name first)."""
    active = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return Coalesce(
        NullIf(F(f"{path}_{active}"), Value("")), NullIf(F(f"{path}_en"), Value("")), F(path)
    )


def in_every_language(entry: models.Model, field: str = "name") -> list[str]:
    """A catalogue text in each language it is kept in, English first, without blanks."""
    found = [getattr(entry, f"{field}_{code}", None) for code, _name in settings.LANGUAGES]
    texts = [str(text) for text in found if text] or [str(getattr(entry, field) or "")]
    return list(dict.fromkeys(text for text in texts if text))


_EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_MEMBERS = frozenset(_EU.split(" "))


class Verification(models.TextChoices):
    VERIFIED = "V", _("verified")
    SECONDARY = "V2", _("secondary source")
    UNVERIFIED = "U", _("unverified")


class CatalogueQuerySet(ClinicQuerySet[_M]):
    """Catalogue rows: `visible_to` = shipped or the clinic's own; `for_clinic` = own only."""

    def visible_to(self, clinic: Clinic) -> Self:
        return self.filter(Q(clinic__isnull=True) | Q(clinic=clinic))

    def shipped(self) -> Self:
        return self.filter(clinic__isnull=True)


class CatalogueEntry(models.Model):
    """Abstract base of an entry that is either shipped (no clinic) or a clinic's own."""

    clinic = models.ForeignKey(
        "accounts.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_shipped(self) -> bool:
        return self.clinic_id is None


class SourceLanguage(models.TextChoices):
    """The language a source's title is written in (it is quoted as it is)."""

    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    SPANISH = "es", _("Spanish")
    PORTUGUESE = "pt", _("Portuguese")
    GERMAN = "de", _("German")
    ITALIAN = "it", _("Italian")


class Source(CatalogueEntry):
    """Where a fact comes from. A few shipped sources are known only by description.

    Its title is a quotation: pages mark it with `language`, whatever their own language.
    """

    key = models.SlugField(max_length=60, blank=True, help_text=_("Shipped sources only."))
    url = models.URLField(_("address"), max_length=500, blank=True)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher or journal"), max_length=200, blank=True)
    language = models.CharField(
        _("language of the title"),
        max_length=2,
        choices=SourceLanguage.choices,
        default=SourceLanguage.ENGLISH,
    )
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )

    objects = CatalogueQuerySet["Source"].as_manager()

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(clinic__isnull=True), name="shipped_source_key"
            ),
        ]

    def __str__(self) -> str:
        return self.title


def _sourced_check(prefix: str, name: str) -> models.CheckConstraint:
    """A fact marked verified or secondary must name its source (enforced by the database)."""
    return models.CheckConstraint(
        condition=Q(**{f"{prefix}verification": Verification.UNVERIFIED})
        | Q(**{f"{prefix}source__isnull": False}),
        name=name,
    )


def _clean_sourced(instance: Any, prefix: str = "") -> None:
    if getattr(instance, f"{prefix}verification") != Verification.UNVERIFIED and (
        getattr(instance, f"{prefix}source_id") is None
    ):
        raise ValidationError(
            {f"{prefix}source": _("A fact marked verified needs its source; else mark it U.")}
        )


class SourcedFact(models.Model):
    """Abstract base of a fact row: its source and how well that source supports it."""

    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verification = models.CharField(
        _("verification"),
        max_length=2,
        choices=Verification.choices,
        default=Verification.UNVERIFIED,
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        _clean_sourced(self)


class CompoundClass(models.TextChoices):
    NATURAL = "natural", _("Natural substance")
    SYNTHETIC = "synthetic", _("Synthetic drug")
    ANAESTHETIC = "anaesthetic", _("Local anaesthetic")
    VITAMIN = "vitamin", _("Vitamin")
    ENZYME = "enzyme", _("Enzyme")
    HORMONE = "hormone", _("Hormone")
    OTHER = "other", _("Other")


class EvidenceLevel(models.TextChoices):
    NONE = "none", _("None found")
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")


EVIDENCE_EXPLANATION = {
    EvidenceLevel.NONE: _("No controlled study of this use was found in the reviewed sources."),
    EvidenceLevel.LOW: _(
        "Small, uncontrolled or conflicting studies: whether it works is uncertain."
    ),
    EvidenceLevel.MODERATE: _(
        "Controlled trials point the same way, but more research could change the picture."
    ),
    EvidenceLevel.HIGH: _("Large randomised controlled trials, and a regulator approved this use."),
}


class Compound(CatalogueEntry):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(max_length=80)
    synonyms = models.TextField(_("other names"), blank=True, max_length=1000)
    compound_class = models.CharField(_("class"), max_length=20, choices=CompoundClass.choices)
    atc_code = models.CharField(_("ATC code"), max_length=80, blank=True, validators=[atc_codes])
    atc_note = models.CharField(_("ATC note"), max_length=300, blank=True)
    atc_source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    atc_verification = models.CharField(
        max_length=2, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    purpose = models.TextField(_("what it is for"), max_length=2000)
    evidence_level = models.CharField(
        _("evidence level"), max_length=10, choices=EvidenceLevel.choices
    )
    evidence_summary = models.TextField(_("evidence in plain words"), max_length=3000)
    evidence_verification = models.CharField(
        max_length=2, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    evidence_sources = models.ManyToManyField(Source, blank=True, related_name="+")
    max_dose_per_session = models.DecimalField(
        _("maximum dose per session"),
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    max_dose_unit = models.CharField(_("unit"), max_length=20, blank=True)
    max_dose_note = models.CharField(_("dose note"), max_length=300, blank=True)
    max_dose_source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    max_dose_verification = models.CharField(
        max_length=2, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    allergen_keywords = models.CharField(
        _("allergy keywords"),
        max_length=500,
        blank=True,
        help_text=_("Words a patient's allergy is matched on, separated by commas."),
    )
    is_lipolytic = models.BooleanField(_("used to reduce fat"), default=False)
    cloned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CatalogueQuerySet["Compound"].as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=Q(clinic__isnull=True), name="shipped_compound_slug"
            ),
            models.UniqueConstraint(fields=["clinic", "slug"], name="clinic_compound_slug"),
            _sourced_check("atc_", "compound_atc_sourced"),
            _sourced_check("max_dose_", "compound_max_dose_sourced"),
            models.CheckConstraint(
                condition=Q(max_dose_per_session__isnull=True) | Q(max_dose_per_session__gt=0),
                name="compound_max_dose_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        _clean_sourced(self, "atc_")
        _clean_sourced(self, "max_dose_")
        if self.max_dose_per_session is not None and not self.max_dose_unit:
            raise ValidationError({"max_dose_unit": _("Give the unit of the maximum dose.")})

    @property
    def evidence_explanation(self) -> str:
        return str(EVIDENCE_EXPLANATION[EvidenceLevel(self.evidence_level)])

    @property
    def allergen_terms(self) -> list[str]:
        """Lowercase words screening matches a patient's allergies against: its names in
        every language (so a match is the same whatever the reader's) and its keywords."""
        names = [name.split("(")[0] for name in in_every_language(self, "name")]
        words = [*names, *self.allergen_keywords.split(",")]
        return sorted({word.strip().lower() for word in words if word.strip()})


class AllergenKind(models.TextChoices):
    SUBSTANCE = "substance", _("Substance")
    CLASS = "class", _("Class of substances")


class Allergen(SourcedFact):
    """A substance or class a patient's allergy is coded to (shipped with the product).

    Matched by its names and synonyms in English and French and by brand names. Its
    compounds are those of the catalogue the allergy rules out; a substance's class says
    which other compounds may cross-react, and the class's source and mark say whether that
    cross-reaction is documented.
    """

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=AllergenKind.choices)
    terms = models.TextField(
        _("names"),
        max_length=2000,
        help_text=_("Names, synonyms (English and French) and brand names, separated by commas."),
    )
    member_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("class"),
    )
    compounds = models.ManyToManyField(Compound, blank=True, related_name="allergens")
    cross_reaction = models.CharField(
        _("cross-reaction between members"), max_length=600, blank=True
    )

    class Meta:
        ordering = ["name"]
        constraints = [_sourced_check("", "allergen_sourced")]

    def __str__(self) -> str:
        return self.name

    @property
    def term_list(self) -> list[str]:
        return [term.strip() for term in self.terms.split(",") if term.strip()]


class RegulatoryStatusKind(models.TextChoices):
    APPROVED = "approved", _("Approved for the stated indication")
    OFF_LABEL = "off_label", _("Off-label")
    NOT_AUTHORISED = "not_authorised", _("Not authorised")
    BANNED_AESTHETIC = "banned_aesthetic", _("Banned for aesthetic use")
    UNVERIFIED = "unverified", _("Unverified")


class RegulatoryStatus(SourcedFact):
    """A regulator's decision on a compound in a jurisdiction; `use` says which use it is
    about (a patient document quotes only its plan's own use), empty when it concerns the
    compound as a whole."""

    compound = models.ForeignKey(
        Compound, on_delete=models.CASCADE, related_name="regulatory_statuses"
    )
    use = models.ForeignKey(
        "CompoundUse",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="regulatory_statuses",
    )
    jurisdiction = models.CharField(_("jurisdiction"), max_length=3, validators=[jurisdiction_code])
    status = models.CharField(_("status"), max_length=20, choices=RegulatoryStatusKind.choices)
    indication = models.CharField(_("for"), max_length=500)
    regulator = models.CharField(_("regulator"), max_length=120, blank=True)
    as_of = models.DateField(_("as of"), null=True, blank=True)

    class Meta:
        ordering = ["jurisdiction", "id"]
        verbose_name_plural = "regulatory statuses"
        constraints = [_sourced_check("", "regulatory_status_sourced")]

    def __str__(self) -> str:
        return f"{self.jurisdiction}: {self.get_status_display()}"


class Frequency(models.TextChoices):
    VERY_COMMON = "very_common", _("Very common (10% or more)")
    COMMON = "common", _("Common (1 to 10%)")
    UNCOMMON = "uncommon", _("Uncommon (0.1 to 1%)")
    RARE = "rare", _("Rare (less than 0.1%)")
    UNKNOWN = "unknown", _("Frequency not known")


class AdverseEffect(SourcedFact):
    """A known adverse effect of a compound, or of the technique itself when compound is empty."""

    compound = models.ForeignKey(
        Compound,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="adverse_effects",
    )
    term = models.CharField(_("adverse effect"), max_length=300)
    plain_term = models.CharField(
        _("in plain words"), max_length=300, blank=True, help_text=_("What a patient reads.")
    )
    zones: models.ManyToManyField[BodyZone, Any] = models.ManyToManyField(
        "BodyZone",
        blank=True,
        related_name="+",
        help_text=_("Only where these zones are treated; empty: wherever it is injected."),
    )
    frequency = models.CharField(_("frequency or onset as reported"), max_length=300, blank=True)
    frequency_category = models.CharField(
        _("frequency"), max_length=12, choices=Frequency.choices, default=Frequency.UNKNOWN
    )
    serious = models.BooleanField(_("serious"), default=False)

    class Meta:
        ordering = ["-serious", "term", "id"]
        constraints = [_sourced_check("", "adverse_effect_sourced")]

    def __str__(self) -> str:
        return self.term


class ContraindicationKind(models.TextChoices):
    ALLERGY = "allergy", _("Allergy")
    PREGNANCY = "pregnancy", _("Pregnancy")
    BREASTFEEDING = "breastfeeding", _("Breastfeeding")
    ANTICOAGULANT = "anticoagulant", _("Anticoagulant or antiplatelet medication")
    INFECTION_AT_SITE = "infection_at_site", _("Infection or open wound at the site")
    COAGULATION_DISORDER = "coagulation_disorder", _("Coagulation disorder")
    OTHER = "other", _("Other")


class Contraindication(SourcedFact):
    """A contraindication of a compound, or of the technique itself when compound is empty."""

    compound = models.ForeignKey(
        Compound,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contraindications",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=ContraindicationKind.choices)
    text = models.CharField(_("contraindication"), max_length=500)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [_sourced_check("", "contraindication_sourced")]

    def __str__(self) -> str:
        return self.text


class NoteKind(models.TextChoices):
    USE = "use", _("Use in mesotherapy")
    CAUTION = "caution", _("Caution")
    EVIDENCE = "evidence", _("Evidence")
    OTHER = "other", _("Note")


class CompoundNote(SourcedFact):
    """A sourced remark: whether mesotherapy use was found, a caution, a study result."""

    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("kind"), max_length=10, choices=NoteKind.choices)
    text = models.CharField(_("note"), max_length=1000)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [_sourced_check("", "compound_note_sourced")]

    def __str__(self) -> str:
        return self.text


class Presentation(models.TextChoices):
    SINGLE_DOSE_VIAL = "single_dose_vial", _("Single-dose vial")
    MULTI_DOSE_VIAL = "multi_dose_vial", _("Multi-dose vial")
    CARTRIDGE = "cartridge", _("Cartridge")
    AMPOULE = "ampoule", _("Ampoule")
    UNSPECIFIED = "unspecified", _("Not specified (generic)")


class Product(CatalogueEntry, SourcedFact):
    """A commercial or generic product; its source and mark cover brand and composition."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=80)
    brand = models.CharField(_("brand"), max_length=120, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    presentation = models.CharField(_("presentation"), max_length=20, choices=Presentation.choices)
    volume_ml = models.DecimalField(
        _("volume (mL)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1000"))],
    )
    discard_after_opening_hours = models.PositiveIntegerField(
        _("discard after opening (hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 365)],
        help_text=_("Multi-dose vials: how long an opened vial may be used."),
    )
    contains_epinephrine = models.BooleanField(
        _("contains epinephrine (adrenaline)"),
        default=False,
        help_text=_("A local anaesthetic's dose limit depends on it."),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    cloned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CatalogueQuerySet["Product"].as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=Q(clinic__isnull=True), name="shipped_product_slug"
            ),
            models.UniqueConstraint(fields=["clinic", "slug"], name="clinic_product_slug"),
            _sourced_check("", "product_sourced"),
            models.CheckConstraint(
                condition=Q(volume_ml__isnull=True) | Q(volume_ml__gt=0),
                name="product_volume_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if (
            self.discard_after_opening_hours is not None
            and self.presentation != Presentation.MULTI_DOSE_VIAL
        ):
            raise ValidationError(
                {
                    "discard_after_opening_hours": _(
                        "A discard time after opening applies to multi-dose vials only."
                    )
                }
            )


class ConcentrationUnit(models.TextChoices):
    MG_PER_ML = "mg/mL", "mg/mL"
    PERCENT = "%", "% (w/v)"
    IU_PER_ML = "IU/mL", "IU/mL"


class ProductComponent(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="components")
    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="+"
    )
    concentration = models.DecimalField(
        _("concentration"),
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("Leave empty when the source does not state it."),
    )
    unit = models.CharField(_("unit"), max_length=8, choices=ConcentrationUnit.choices, blank=True)
    strength_source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    strength_verification = models.CharField(
        _("strength verification"),
        max_length=2,
        choices=Verification.choices,
        default=Verification.UNVERIFIED,
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "compound"], name="component_once"),
            _sourced_check("strength_", "component_strength_sourced"),
            models.CheckConstraint(
                condition=Q(concentration__isnull=True) | Q(concentration__gt=0),
                name="component_concentration_positive",
            ),
        ]

    def __str__(self) -> str:
        if self.concentration is None:
            return self.compound.name
        return f"{self.compound.name} {self.concentration.normalize()} {self.unit}"

    def clean(self) -> None:
        super().clean()
        if self.concentration is not None and not self.unit:
            raise ValidationError({"unit": _("Give the unit of the concentration.")})
        if self.unit == ConcentrationUnit.PERCENT and (self.concentration or 0) > 100:
            raise ValidationError({"concentration": _("A percentage cannot exceed 100.")})


class DoseLimitKind(models.TextChoices):
    PER_SESSION = "per_session", _("mg per session")
    PER_KG = "per_kg", _("mg per kg of body weight per session, up to a ceiling in mg")
    PER_INJECTION = "per_injection", _("mg per injection")
    INJECTIONS = "injections", _("injections per session")


class Epinephrine(models.TextChoices):
    """Which presentations a limit covers: lidocaine's label limit differs with epinephrine."""

    ANY = "any", _("with or without epinephrine")
    WITHOUT = "without", _("without epinephrine")
    WITH = "with", _("with epinephrine")


class DoseLimit(SourcedFact):
    """A label's maximum of one drug, in drug amount (or a count of injections) per session.

    The amount of the drug is summed over every product, syringe and point of a session;
    each product's strength (`ProductComponent`) turns a limit into mL of that product.
    """

    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="dose_limits")
    kind = models.CharField(_("kind"), max_length=14, choices=DoseLimitKind.choices)
    amount = models.DecimalField(
        _("amount"),
        max_digits=9,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("mg, mg/kg, or a number of injections, as the kind says."),
    )
    ceiling_mg = models.DecimalField(
        _("ceiling (mg)"),
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("Per-kg limits: never more than this, whatever the weight."),
    )
    epinephrine = models.CharField(
        _("presentations"), max_length=7, choices=Epinephrine.choices, default=Epinephrine.ANY
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["compound", "kind", "epinephrine", "id"]
        constraints = [
            _sourced_check("", "dose_limit_sourced"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="dose_limit_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.compound}: {self.amount.normalize()} {self.get_kind_display()}"

    def clean(self) -> None:
        super().clean()
        if self.kind == DoseLimitKind.PER_KG and self.ceiling_mg is None:
            raise ValidationError({"ceiling_mg": _("A per-kg limit needs its ceiling in mg.")})

    def applies(self, plain: bool, with_epinephrine: bool) -> bool:
        """Whether the limit covers a session that used plain and/or epinephrine products."""
        if self.epinephrine == Epinephrine.WITHOUT:
            return plain
        if self.epinephrine == Epinephrine.WITH:
            return with_epinephrine
        return True


class Purpose(models.TextChoices):
    AESTHETIC = "aesthetic", _("Aesthetic")
    THERAPEUTIC = "therapeutic", _("Therapeutic")


class Indication(CatalogueEntry, SourcedFact):
    """What is treated; the source and mark cover the ICD-10 code (or its absence)."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=80)
    description = models.TextField(_("in plain words"), max_length=2000, blank=True)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    icd10_code = models.CharField(
        _("ICD-10 code"),
        max_length=8,
        blank=True,
        validators=[icd10_code],
        help_text=_("Leave empty when no correct code exists."),
    )
    icd10_note = models.CharField(_("coding note"), max_length=500, blank=True)
    cloned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CatalogueQuerySet["Indication"].as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=Q(clinic__isnull=True), name="shipped_indication_slug"
            ),
            models.UniqueConstraint(fields=["clinic", "slug"], name="clinic_indication_slug"),
            _sourced_check("", "indication_sourced"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.icd10_code.upper().startswith("L03") and "cellulite" in self.name.lower():
            raise ValidationError(
                {"icd10_code": _("L03 is cellulitis, a bacterial infection, not cellulite.")}
            )


class BodyView(models.TextChoices):
    FRONT = "front", _("Front")
    BACK = "back", _("Back")
    SCALP = "scalp", _("Scalp")


class BodyZone(SourcedFact):
    """A body site on the body map; the source and mark cover its SNOMED CT code."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    view = models.CharField(_("body-map view"), max_length=5, choices=BodyView.choices)
    snomed_code = models.CharField(
        _("SNOMED CT code"), max_length=18, blank=True, validators=[snomed_code]
    )
    snomed_display = models.CharField(_("SNOMED CT term"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["view", "name"]
        constraints = [_sourced_check("", "body_zone_sourced")]

    def __str__(self) -> str:
        return self.name


class CompoundUse(models.Model):
    """The evidence for one use of a compound: an indication, in some zones or in any.

    A patient document quotes the evidence of its plan's own use only; without one, it says
    no study of that use was found, and never borrows another use's rating.
    """

    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="uses")
    indication = models.ForeignKey(Indication, on_delete=models.CASCADE, related_name="+")
    zones = models.ManyToManyField(
        BodyZone, blank=True, related_name="+", help_text=_("Empty: any zone.")
    )
    evidence_level = models.CharField(
        _("evidence level"), max_length=10, choices=EvidenceLevel.choices
    )
    evidence_summary = models.TextField(_("evidence in plain words"), max_length=3000)
    evidence_verification = models.CharField(
        max_length=2, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    evidence_sources = models.ManyToManyField(Source, blank=True, related_name="+")

    class Meta:
        ordering = ["compound", "indication", "id"]

    def __str__(self) -> str:
        return f"{self.compound} for {self.indication}"

    @property
    def evidence_explanation(self) -> str:
        return str(EVIDENCE_EXPLANATION[EvidenceLevel(self.evidence_level)])

    def covers(self, indication_id: int, zone_ids: set[int]) -> bool:
        """Whether this is the use of a plan for `indication_id` in the zones `zone_ids`."""
        if indication_id != self.indication_id:
            return False
        mine = {zone.pk for zone in self.zones.all()}
        return not mine or (bool(zone_ids) and zone_ids <= mine)


class ProcedureType(models.TextChoices):
    MESOTHERAPY = "mesotherapy", _("Mesotherapy")
    INJECTION_LIPOLYSIS = "injection_lipolysis", _("Injection lipolysis (PC/DC, “lipodissolve”)")
    APPROVED_DC = "approved_dc", _("Deoxycholic acid, approved use (submental fat only)")


PROCEDURE_EXPLANATION = {
    ProcedureType.MESOTHERAPY: _(
        "Micro-injections of small amounts of drug mixtures into the skin or just beneath it. "
        "Mesotherapy is a technique, not a drug, and has no approved indication."
    ),
    ProcedureType.INJECTION_LIPOLYSIS: _(
        "Injection of phosphatidylcholine with deoxycholate (PC/DC), sold as “lipodissolve”, "
        "to dissolve fat. Often wrongly called mesotherapy; the detergent deoxycholate "
        "destroys fat cells. Not approved for fat removal."
    ),
    ProcedureType.APPROVED_DC: _(
        "Deoxycholic acid (Kybella) as approved by the FDA on 29 April 2015: "
        "moderate-to-severe fat under the chin only. Any other area is not approved."
    ),
}

SUBMENTAL_ZONE = "submental"


class Technique(models.TextChoices):
    NAPPAGE = "nappage", _("Nappage")
    POINT_BY_POINT = "point_by_point", _("Point by point")
    PAPULE = "papule", _("Papules (micropapules)")
    EPIDERMAL = "epidermal", _("Epidermal")
    LINEAR = "linear", _("Linear (retrograde)")
    DEEP = "deep", _("Deep")
    LABEL = "label", _("As the product label says")


class Protocol(CatalogueEntry):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=80)
    indication = models.ForeignKey(Indication, on_delete=models.PROTECT, related_name="protocols")
    procedure_type = models.CharField(
        _("procedure type"), max_length=20, choices=ProcedureType.choices
    )
    sessions = models.PositiveSmallIntegerField(
        _("number of sessions"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSIONS)],
    )
    interval_days = models.PositiveSmallIntegerField(
        _("days between sessions"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_INTERVAL_DAYS)],
    )
    schedule_note = models.CharField(_("schedule note"), max_length=500, blank=True)
    schedule_source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    schedule_verification = models.CharField(
        max_length=2, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    depth_mm_min = models.DecimalField(
        _("depth from (mm)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(DEPTH_MIN_MM), MaxValueValidator(DEPTH_MAX_MM)],
    )
    depth_mm_max = models.DecimalField(
        _("depth to (mm)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(DEPTH_MIN_MM), MaxValueValidator(DEPTH_MAX_MM)],
    )
    needle_gauge = models.PositiveSmallIntegerField(
        _("needle gauge (G)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(18), MaxValueValidator(34)],
    )
    needle_length_mm = models.DecimalField(
        _("needle length (mm)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(NEEDLE_LENGTH_MAX_MM)],
    )
    technique = models.CharField(
        _("technique"), max_length=20, choices=Technique.choices, blank=True
    )
    technique_note = models.CharField(_("technique note"), max_length=500, blank=True)
    technique_source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    technique_verification = models.CharField(
        max_length=2, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    mix_note = models.CharField(_("note on the mix"), max_length=500, blank=True)
    mix_source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mix_verification = models.CharField(
        max_length=2, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    zones = models.ManyToManyField(BodyZone, blank=True, related_name="protocols")
    evidence_statement = models.TextField(_("evidence"), max_length=3000)
    evidence_source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evidence_verification = models.CharField(
        max_length=2, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="+")
    cloned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CatalogueQuerySet["Protocol"].as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=Q(clinic__isnull=True), name="shipped_protocol_slug"
            ),
            models.UniqueConstraint(fields=["clinic", "slug"], name="clinic_protocol_slug"),
            _sourced_check("schedule_", "protocol_schedule_sourced"),
            _sourced_check("technique_", "protocol_technique_sourced"),
            _sourced_check("mix_", "protocol_mix_sourced"),
            _sourced_check("evidence_", "protocol_evidence_sourced"),
            models.CheckConstraint(
                condition=Q(sessions__isnull=True) | Q(sessions__gte=1),
                name="protocol_sessions_positive",
            ),
            models.CheckConstraint(
                condition=Q(interval_days__isnull=True) | Q(interval_days__gte=1),
                name="protocol_interval_positive",
            ),
            models.CheckConstraint(
                condition=Q(depth_mm_min__isnull=True)
                | Q(depth_mm_max__isnull=True)
                | Q(depth_mm_min__lte=models.F("depth_mm_max")),
                name="protocol_depth_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        for prefix in ("schedule_", "technique_", "mix_", "evidence_"):
            _clean_sourced(self, prefix)
        if (
            self.depth_mm_min is not None
            and self.depth_mm_max is not None
            and self.depth_mm_min > self.depth_mm_max
        ):
            raise ValidationError(
                {"depth_mm_max": _("The deepest point cannot be shallower than the shallowest.")}
            )
        if (
            self.depth_mm_max is not None
            and self.needle_length_mm is not None
            and self.depth_mm_max > self.needle_length_mm
        ):
            raise ValidationError(
                {"depth_mm_max": _("The depth cannot exceed the length of the needle.")}
            )

    @property
    def procedure_explanation(self) -> str:
        return str(PROCEDURE_EXPLANATION[ProcedureType(self.procedure_type)])

    def compounds(self) -> models.QuerySet[Compound]:
        """Every compound in the protocol's mix."""
        return Compound.objects.filter(
            pk__in=ProductComponent.objects.filter(product__protocol_items__protocol=self).values(
                "compound_id"
            )
        )

    @property
    def is_lipolytic(self) -> bool:
        """Fat-dissolving: a lipolytic compound in the mix, or a lipolysis procedure type."""
        if self.procedure_type in {ProcedureType.INJECTION_LIPOLYSIS, ProcedureType.APPROVED_DC}:
            return True
        return self.compounds().filter(is_lipolytic=True).exists()


class ProtocolItem(models.Model):
    """One product in a protocol's mix, with its share of the mix or its volume per point."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="protocol_items"
    )
    share_percent = models.DecimalField(
        _("share of the mix (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    volume_ml_per_point = models.DecimalField(
        _("volume per point (mL)"),
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("2"))],
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "product"], name="protocol_item_once"),
            models.CheckConstraint(
                condition=Q(share_percent__isnull=True)
                | (Q(share_percent__gt=0) & Q(share_percent__lte=100)),
                name="protocol_item_share_range",
            ),
            models.CheckConstraint(
                condition=Q(volume_ml_per_point__isnull=True) | Q(volume_ml_per_point__gt=0),
                name="protocol_item_volume_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(self.product)


class RuleEffect(models.TextChoices):
    BANNED = "banned", _("Banned")
    RESTRICTED = "restricted", _("Restricted")


class RulePurpose(models.TextChoices):
    AESTHETIC = "aesthetic", _("Aesthetic purposes only")
    ANY = "any", _("Any purpose")


class JurisdictionRule(SourcedFact):
    """A law or regulator's decision that bans or restricts protocols in a jurisdiction."""

    slug = models.SlugField(max_length=80, unique=True)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=3, validators=[jurisdiction_code])
    effect = models.CharField(_("effect"), max_length=10, choices=RuleEffect.choices)
    procedure_types = models.JSONField(_("procedure types covered"), default=list, blank=True)
    applies_to_lipolytic = models.BooleanField(_("covers fat-dissolving protocols"), default=False)
    protocols = models.ManyToManyField(Protocol, blank=True, related_name="+")
    purpose = models.CharField(_("purpose covered"), max_length=10, choices=RulePurpose.choices)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), max_length=3000)
    history = models.TextField(_("later decisions"), max_length=3000, blank=True)
    further_sources = models.ManyToManyField(Source, blank=True, related_name="+")
    in_force = models.BooleanField(default=True)

    class Meta:
        ordering = ["jurisdiction", "title"]
        constraints = [_sourced_check("", "jurisdiction_rule_sourced")]

    def __str__(self) -> str:
        return self.title

    def covers_country(self, country: str) -> bool:
        if self.jurisdiction == "*":
            return True
        if self.jurisdiction == "EU":
            return country in EU_MEMBERS
        return self.jurisdiction == country


def contraindications_for(protocol: Protocol) -> models.QuerySet[Contraindication]:
    """What screening checks for a protocol: its compounds' and the technique's own."""
    return Contraindication.objects.filter(
        Q(compound__in=protocol.compounds()) | Q(compound__isnull=True)
    ).select_related("compound", "source")


def adverse_effects_for(protocol: Protocol) -> models.QuerySet[AdverseEffect]:
    """What a patient document lists for a protocol: its compounds' and the technique's own."""
    return AdverseEffect.objects.filter(
        Q(compound__in=protocol.compounds()) | Q(compound__isnull=True)
    ).select_related("compound", "source")
