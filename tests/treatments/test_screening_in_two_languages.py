"""A warning acknowledged in one language stays acknowledged in the other: its code and
fingerprint rest on the record and the catalogue's English text, never on the reader's words."""

from __future__ import annotations

from django.utils import translation

from mesotrace.treatments.queries.plans import screening_for
from tests.conftest import World
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
