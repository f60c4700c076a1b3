"""Allergies coded to catalogue substances and classes: names in English and French and
brands match; a class carries its documented cross-reaction; an allergy matched to nothing
is a warning to review, never silence."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.catalogue.models import Allergen, Compound, Protocol
from mesotrace.catalogue.rules import coded_allergens
from mesotrace.treatments.queries.plans import allergy_codes, screen_patient
from mesotrace.treatments.rules.screening import ScreeningWarning
from tests.conftest import World, make_patient
from tests.treatments.builders import PAIN, clinic_protocol, shipped


def _allergy(world: World, substance: str, protocol: Protocol) -> list[ScreeningWarning]:
    patient = make_patient(world.clinic, allergies=[{"substance": substance}])
    return [w for w in screen_patient(patient, protocol, world.clinic) if w.kind == "allergy"]


def _pc_protocol(world: World) -> Protocol:
    pc = Compound.objects.shipped().get(slug="phosphatidylcholine")
    return clinic_protocol(world.clinic, [pc], slug="pc-house")


@pytest.mark.parametrize("written", ["soja", "lécithine de soja", "Soybean", "SOY LECITHIN"])
def test_soy_in_french_or_english_warns_against_phosphatidylcholine_in_the_french_clinic(
    world: World, written: str
) -> None:
    assert world.clinic.jurisdiction == "FR"

    warnings = _allergy(world, written, _pc_protocol(world))

    assert [w.code.split(".")[1] for w in warnings] == ["phosphatidylcholine"]
    assert f"“{written}”" in warnings[0].message
    assert "(“Soy”)" in warnings[0].message


@pytest.mark.parametrize(
    ("written", "coded"),
    [
        ("Novocaine", ["procaine"]),
        ("procaïne", ["procaine"]),
        ("Marcaine", ["bupivacaine"]),
        ("lidocaïne (Xylocaïne)", ["lidocaine"]),
        ("amide local anaesthetics", ["amide-local-anaesthetics"]),
        ("anesthésiques locaux", ["local-anaesthetics"]),
        ("Ibuprofène", ["ibuprofen"]),
    ],
)
def test_names_brands_and_french_spellings_are_coded(
    db: object, written: str, coded: list[str]
) -> None:
    assert [a.slug for a in coded_allergens(written, allergy_codes())] == coded


def test_an_allergy_to_one_amide_anaesthetic_warns_against_another_with_its_source(
    world: World,
) -> None:
    warnings = _allergy(world, "Marcaine (bupivacaine)", shipped(PAIN))

    assert [w.code for w in warnings] == ["allergy.class.lidocaine.marcaine-bupivacaine"]
    warning = warnings[0]
    assert "coded as Bupivacaine, one of the Amide local anaesthetics" in warning.message
    assert "Lidocaine in this protocol is of the same class" in warning.message
    assert "has not been reported" in warning.message  # the documented cross-reaction note
    assert warning.verification == "V2"
    assert warning.source_url.startswith("https://www.dentalcare.com/")


def test_an_amide_allergy_does_not_cover_an_ester(world: World) -> None:
    procaine = Compound.objects.shipped().get(slug="procaine")
    protocol = clinic_protocol(world.clinic, [procaine], slug="procaine-house")

    assert _allergy(world, "Amide anaesthetics", protocol) == []


def test_an_unmatched_allergy_is_a_warning_to_review(world: World) -> None:
    warnings = _allergy(world, "Zyxolan cream", shipped(PAIN))

    assert [w.code for w in warnings] == ["allergy.unmatched.zyxolan-cream"]
    assert "not matched to a substance" in warnings[0].message
    assert warnings[0].verification == "U"


def test_a_coded_allergy_unrelated_to_the_protocol_raises_nothing(world: World) -> None:
    assert _allergy(world, "Penicillin", shipped(PAIN)) == []


def test_every_class_with_a_cross_reaction_says_whether_it_is_documented(db: object) -> None:
    for group in Allergen.objects.filter(kind="class").exclude(cross_reaction=""):
        assert group.verification == "U" or group.source is not None, group.slug


def test_the_patient_record_shows_each_allergy_coded_or_not_matched(
    world: World, login: Callable[[User], Client]
) -> None:
    patient = make_patient(
        world.clinic, allergies=[{"substance": "lécithine de soja"}, {"substance": "Zyxolan"}]
    )

    html = login(world.members["practitioner"]).get(f"/patients/{patient.pk}/").content.decode()

    coding = html[html.index('id="allergy-coding"') :]
    assert '“lécithine de soja”: <span class="badge">Soy</span>' in coding
    assert '“Zyxolan”: <span class="badge bad">not matched to a substance</span>' in coding


def test_the_allergies_matching_nothing_are_listed_per_clinic(world: World) -> None:
    make_patient(world.clinic, allergies=[{"substance": "Zyxolan"}, {"substance": "Soja"}])
    make_patient(world.clinic, allergies=[{"substance": "Zyxolan"}])
    out = io.StringIO()

    call_command("allergy_coding", stdout=out)

    assert "alpha: 2 not matched\n  2 x Zyxolan\n" in out.getvalue()
    assert "Soja" not in out.getvalue()
