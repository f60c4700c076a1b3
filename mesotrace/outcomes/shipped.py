"""The shipped measurement types; codes only from domain.md section 5a, else a local code.

Every shipped indication has at least one type a clinic can record for it
(`INDICATION_MEASURES`, checked by tests/outcomes/test_indication_measures.py)."""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
LOCAL = "urn:mesotrace:measurement"

SHIPPED_TYPES: list[dict[str, Any]] = [
    {
        "slug": "body-weight",
        "name": "Body weight",
        "code_system": LOINC,
        "code": "29463-7",
        "unit": "kg",
        "minimum": 20.0,
        "maximum": 350.0,
        "sided": False,
    },
    {
        "slug": "waist-circumference",
        "name": "Waist circumference",
        "code_system": LOINC,
        "code": "8280-0",
        "unit": "cm",
        "minimum": 40.0,
        "maximum": 250.0,
        "sided": False,
    },
    {
        "slug": "bmi",
        "name": "Body mass index",
        "code_system": LOINC,
        "code": "39156-5",
        "unit": "kg/m2",
        "minimum": 10.0,
        "maximum": 90.0,
        "sided": False,
    },
    {
        "slug": "pain-score",
        "name": "Pain score (0-10)",
        "code_system": LOINC,
        "code": "72514-3",
        "unit": "{score}",
        "minimum": 0.0,
        "maximum": 10.0,
        "sided": False,
    },
    {
        "slug": "thigh-circumference",
        "name": "Thigh circumference",
        "code_system": LOCAL,
        "code": "thigh-circumference",
        "unit": "cm",
        "minimum": 20.0,
        "maximum": 150.0,
        "sided": True,
        "note": "Local code: no LOINC term found (domain.md 5a).",
    },
    {
        "slug": "calf-circumference",
        "name": "Calf circumference",
        "code_system": LOCAL,
        "code": "calf-circumference",
        "unit": "cm",
        "minimum": 15.0,
        "maximum": 100.0,
        "sided": True,
        "note": "Local code: no LOINC term checked (domain.md 5a).",
    },
    {
        "slug": "hip-circumference",
        "name": "Hip circumference",
        "code_system": LOINC,
        "code": "62409-8",
        "unit": "cm",
        "minimum": 50.0,
        "maximum": 250.0,
        "sided": False,
        "note": "LOINC 62409-8 seen in third-party files only [V2]; display to be checked.",
    },
    {
        "slug": "body-fat-percent",
        "name": "Body fat percentage",
        "code_system": LOINC,
        "code": "41982-0",
        "unit": "%",
        "minimum": 2.0,
        "maximum": 75.0,
        "sided": False,
        "note": "LOINC 41982-0 seen in several third-party files with one display [V2].",
    },
    {
        "slug": "hair-density",
        "name": "Hair density",
        "code_system": LOCAL,
        "code": "hair-density",
        "unit": "{hairs}/cm2",
        "minimum": 0.0,
        "maximum": 600.0,
        "sided": False,
        "note": "Local code: no LOINC term for scalp hair density was found.",
    },
    {
        "slug": "wrinkle-severity",
        "name": "Wrinkle severity (clinician-rated, 0-5)",
        "code_system": LOCAL,
        "code": "wrinkle-severity",
        "unit": "{score}",
        "minimum": 0.0,
        "maximum": 5.0,
        "sided": False,
        "note": "Local code: no LOINC term; the 0-5 rating scale is unverified.",
    },
]

# What a clinic can record to judge each shipped indication (catalogue slugs).
INDICATION_MEASURES: dict[str, list[str]] = {
    "localised-adiposity": [
        "waist-circumference",
        "hip-circumference",
        "thigh-circumference",
        "body-weight",
        "body-fat-percent",
    ],
    "cellulite": ["thigh-circumference", "hip-circumference"],
    "hair-loss": ["hair-density"],
    "sports-injuries-pain": ["pain-score"],
    "venous-lymphatic-insufficiency": ["calf-circumference"],
    "skin-ageing": ["wrinkle-severity"],
}


# The names in French (a name is text, not a fact: the code and unit stay as above).
FRENCH_NAMES: dict[str, str] = {
    "body-weight": "Poids",
    "waist-circumference": "Tour de taille",
    "bmi": "Indice de masse corporelle",
    "pain-score": "Score de douleur (0-10)",
    "thigh-circumference": "Tour de cuisse",
    "calf-circumference": "Tour de mollet",
    "hip-circumference": "Tour de hanches",
    "body-fat-percent": "Pourcentage de masse grasse",
    "hair-density": "Densité capillaire",
    "wrinkle-severity": "Sévérité des rides (évaluée par le clinicien, 0-5)",
}


def sync_shipped_types(model: Any) -> None:
    """Creates or updates each shipped type, its name in English and French (the model's
    `name_en`/`name_fr` columns, django-modeltranslation's, once a migration has added them)."""
    translated = {field.name for field in model._meta.get_fields()} >= {"name_en", "name_fr"}
    for row in SHIPPED_TYPES:
        values = {k: v for k, v in row.items() if k != "slug"}
        if translated:
            values["name_en"] = row["name"]
            values["name_fr"] = FRENCH_NAMES[row["slug"]]
        model.objects.update_or_create(slug=row["slug"], defaults=values)
