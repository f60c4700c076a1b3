"""The patient document quotes the evidence and the decisions of its plan's own use, and the
side effects of its plan's compounds and zones, never another use's."""

from __future__ import annotations

import re

from mesotrace.accounts.access import Actor
from mesotrace.catalogue.models import BodyZone
from mesotrace.consent import documents, services
from mesotrace.treatments.models import TreatmentPlan
from tests.conftest import World
from tests.treatments.builders import HAIR, PAIN, PC_DC, make_plan

ACTOR = Actor.system("test")
SUBMENTAL_DC = "submental-deoxycholic-acid"


def _text(plan: TreatmentPlan) -> str:
    consent = services.generate_consent(ACTOR, plan)
    return re.sub(r"\s+", " ", documents.render_text(consent.content, consent.version))


def _zones(*slugs: str) -> list[BodyZone]:
    return list(BodyZone.objects.filter(slug__in=slugs))


def _section(text: str, compound: str, before: str = "") -> str:
    """What the document says of one compound: up to the next compound (`before`) or part 2."""
    start = text.index(compound, text.index("1. What will be injected"))
    end = text.index("2. Side effects of the injections themselves")
    if before and before in text[start + 1 : end]:
        end = text.index(before, start + 1)
    return text[start:end]


def test_a_thigh_fat_consent_does_not_borrow_the_chins_approval_or_rating(world: World) -> None:
    plan = make_plan(world.other_clinic, protocol=PC_DC, zones=_zones("thigh"))  # US clinic

    deoxycholate = _section(_text(plan), "Deoxycholic acid", "Phosphatidylcholine (PC")

    assert "High" not in deoxycholate
    assert "a regulator approved this use" not in deoxycholate
    assert "Approved for the stated indication" not in deoxycholate
    assert "submental" not in deoxycholate.lower()
    assert "Off-label" in deoxycholate  # the decision on any area other than the chin
    assert "Low: " in deoxycholate  # the split-body trial of thighs and hips
    assert "Marginal" not in deoxycholate
    assert "lower lip" not in deoxycholate


def test_the_submental_consent_quotes_the_approval_with_its_date(world: World) -> None:
    plan = make_plan(world.other_clinic, protocol=SUBMENTAL_DC, zones=_zones("submental"))

    deoxycholate = _section(_text(plan), "Deoxycholic acid", "Phosphatidylcholine (PC")

    assert "High: " in deoxycholate
    assert "Approved for the stated indication (Moderate-to-severe submental fat" in deoxycholate
    assert "FDA, 2015-04-29" in deoxycholate
    assert "Injury to the nerve of the lower lip" in deoxycholate  # plain words, chin only


def test_a_use_without_a_study_says_so_plainly(world: World) -> None:
    plan = make_plan(world.other_clinic, protocol=PC_DC, zones=_zones("abdomen"))

    deoxycholate = _section(_text(plan), "Deoxycholic acid", "Phosphatidylcholine (PC")

    assert "No study of this use was found" in deoxycholate
    assert "Low: " not in deoxycholate
    assert "High" not in deoxycholate


def test_the_pain_consent_rates_lidocaine_from_the_pain_trial_and_the_thigh_one_not(
    world: World,
) -> None:
    pain = _section(_text(make_plan(world.clinic, protocol=PAIN)), "Lidocaine", "Methylpred")
    thigh = make_plan(
        world.other_clinic,
        protocol="thigh-aminophylline-buflomedil-lidocaine",
        zones=_zones("thigh"),
    )
    thigh_lidocaine = _section(_text(thigh), "Lidocaine")
    assert "Ketoprofen" not in pain

    assert "low back pain" in pain
    assert "low back pain" not in thigh_lidocaine
    assert "split-thigh trial" in thigh_lidocaine
    assert "US: Approved for the stated indication (Local or regional anaesthesia" in (
        thigh_lidocaine
    )


def test_a_scalp_consent_lists_no_abdominal_effect(world: World) -> None:
    text = _text(make_plan(world.clinic, protocol=HAIR, zones=_zones("scalp")))

    assert "Abdominal haematoma" not in text
    assert "Hair loss with scarring inflammation at scalp injection sites" in text


def test_every_protocol_compound_has_a_decision_or_says_unverified_in_france(
    world: World,
) -> None:
    text = _text(make_plan(world.clinic, protocol=HAIR, zones=_zones("scalp")))

    assert "FR: Unverified" in _section(text, "Minoxidil")
