"""The shipped controlled list of adverse-event terms, each with its category.

The list follows the events reported after mesotherapy (shared/reference/domain.md §3); the
category is what cluster alerts count on one lot (e.g. every infection term together).
"""

from __future__ import annotations

from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


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
