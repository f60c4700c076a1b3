"""A warning acknowledged in one language stays acknowledged in the other: its code and
fingerprint rest on the record and the catalogue's English text, never on the reader's words."""

from __future__ import annotations

from django.utils import translation

from mesotrace.treatments.queries.plans import screening_for
from tests.conftest import World, make_patient
from tests.treatments.builders import acknowledge_all, make_plan


def test_a_french_acknowledgement_covers_the_english_screen(world: World) -> None:
    plan = make_plan(world.clinic)
    with translation.override("en"):
        english_screen = screening_for(plan)
    with translation.override("fr"):
        french_screen = screening_for(plan)
        acknowledged = acknowledge_all(plan, world.members["practitioner"], "Vérifié.")
    english = [(i.warning.code, i.warning.fingerprint) for i in english_screen]
    french = [(i.warning.code, i.warning.fingerprint) for i in french_screen]
    assert english
    assert french == english
    # The practitioner really read French: the messages differ, the warnings do not.
    assert {i.warning.message for i in french_screen}.isdisjoint(
        {i.warning.message for i in english_screen}
    )
    assert acknowledged == len(english)
    with translation.override("en"):
        assert not [item for item in screening_for(plan) if item.open]


HEAVY_LEGS = "heavy-legs-troxerutin-melilotus"


def test_allergies_match_the_same_compounds_with_the_same_codes_in_both_languages(
    world: World,
) -> None:
    """Compound names are translated, but a match rests on the names in every language: an
    allergy written in French ("troxérutine") or in English warns alike, and the codes and
    fingerprints do not depend on the reader's language."""
    patient = make_patient(
        world.clinic,
        allergies=[
            {"substance": "Troxérutine", "reaction": "Urticaire"},
            {"substance": "sweet clover", "reaction": "Rash"},
        ],
    )
    plan = make_plan(
        world.clinic, patient, protocol=HEAVY_LEGS, planned_sessions=6, interval_days=14
    )
    with translation.override("en"):
        english_screen = [i.warning for i in screening_for(plan)]
    with translation.override("fr"):
        french_screen = [i.warning for i in screening_for(plan)]
    english = [(w.code, w.fingerprint) for w in english_screen]
    assert [(w.code, w.fingerprint) for w in french_screen] == english
    allergies = {w.code: w for w in english_screen if w.field == "allergies"}
    troxerutin, melilot = (
        "allergy.rutoside-troxerutin.troxerutine",
        "allergy.melilotus.sweet-clover",
    )
    assert set(allergies) == {troxerutin, melilot}
    shown = {w.code: w.compound for w in french_screen if w.field == "allergies"}
    assert shown == {troxerutin: "Rutoside / troxérutine", melilot: "Mélilot (Melilotus)"}
    assert allergies[troxerutin].compound == "Rutoside / troxerutin"
