"""Screening: each contraindication in the patient's record is a warning with its source."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from mesotrace.audit.models import AuditEvent
from mesotrace.catalogue.models import Compound, Contraindication, Verification
from mesotrace.patients import services as patients
from mesotrace.treatments.models import ScreeningAcknowledgement
from mesotrace.treatments.queries.plans import screen_patient, screening_for
from mesotrace.treatments.rules.screening import ScreeningWarning, allergy_match, open_warnings
from mesotrace.treatments.services import plans as services
from tests.conftest import SYSTEM, World, make_patient
from tests.treatments.builders import (
    HAIR,
    PAIN,
    PC_DC,
    acknowledge_all,
    actor_for,
    clinic_protocol,
    make_plan,
    shipped,
)


def _codes(warnings: list[ScreeningWarning]) -> set[str]:
    return {w.code for w in warnings}


def _one(warnings: list[ScreeningWarning], prefix: str) -> ScreeningWarning:
    found = [w for w in warnings if w.code.startswith(prefix)]
    assert len(found) == 1, [w.code for w in warnings]
    return found[0]


def test_soy_allergy_warns_against_phosphatidylcholine(world: World) -> None:
    patient = make_patient(
        world.other_clinic, allergies=[{"substance": "Soya", "reaction": "Hives"}]
    )
    warnings = screen_patient(patient, shipped(PC_DC), world.other_clinic)
    warning = _one(warnings, "allergy.phosphatidylcholine")
    assert "Soya" in warning.message
    assert "Phosphatidylcholine" in warning.message
    assert "soy lecithin" in warning.message  # the catalogue's own contraindication text
    assert warning.field == "allergies"
    assert warning.compound.startswith("Phosphatidylcholine")
    assert not warning.blocking


def test_lidocaine_allergy_warns_against_the_pain_protocol(world: World) -> None:
    patient = make_patient(
        world.clinic, allergies=[{"substance": "Xylocaine", "severity": "severe"}]
    )
    warning = _one(screen_patient(patient, shipped(PAIN), world.clinic), "allergy.lidocaine")
    assert "Severe" in warning.message
    assert "amide local anaesthetics" in warning.message


@pytest.mark.parametrize(
    ("allergy", "compound", "matches"),
    [
        ("Amide anaesthetics", "lidocaine", True),
        ("amide anesthetic", "lidocaine", True),
        ("Amide anaesthetics", "procaine", False),
        ("Local anesthetics", "procaine", True),
        ("Local anaesthetic", "lidocaine", True),
        ("Lignocaine", "lidocaine", True),
        ("soy lecithin", "phosphatidylcholine", True),
        ("Penicillin", "lidocaine", False),
        ("Latex", "phosphatidylcholine", False),
    ],
)
def test_allergy_words_match_the_compounds_they_name(
    db: Any, allergy: str, compound: str, matches: bool
) -> None:
    found = allergy_match(allergy, Compound.objects.shipped().get(slug=compound))
    assert (found is not None) == matches


def test_unrelated_allergy_raises_no_allergy_warning(world: World) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Penicillin"}])
    assert not [
        w for w in screen_patient(patient, shipped(PAIN), world.clinic) if w.kind == "allergy"
    ]


@pytest.mark.parametrize(
    ("status", "code"), [("pregnant", "pregnancy"), ("breastfeeding", "breastfeeding")]
)
def test_pregnancy_and_breastfeeding_are_warnings_with_their_source(
    world: World, status: str, code: str
) -> None:
    patient = make_patient(world.clinic, pregnancy_status=status)
    warning = _one(screen_patient(patient, shipped(HAIR), world.clinic), code)
    assert warning.field == "pregnancy_status"
    assert warning.verification == Verification.SECONDARY
    assert warning.source_title  # the practitioners' list of contraindications (V2)


def test_unknown_pregnancy_status_gives_a_general_warning(world: World) -> None:
    patient = make_patient(world.clinic, pregnancy_status="unknown")
    warning = _one(screen_patient(patient, shipped(HAIR), world.clinic), "pregnancy_status_unknown")
    assert "not recorded" in warning.message


def test_not_pregnant_raises_no_pregnancy_warning(world: World) -> None:
    patient = make_patient(world.clinic, pregnancy_status="not_pregnant")
    kinds = {w.kind for w in screen_patient(patient, shipped(HAIR), world.clinic)}
    assert not kinds & {"pregnancy", "breastfeeding"}


def test_anticoagulants_are_found_by_the_flag_and_by_their_name(world: World) -> None:
    patient = make_patient(
        world.clinic,
        medications=[
            {"name": "Eliquis (apixaban)", "dose": "5 mg twice daily"},  # box left unticked
            {"name": "Trial drug XR-7", "is_anticoagulant": True},
            {"name": "Amlodipine", "dose": "5 mg"},
        ],
    )
    warnings = [
        w for w in screen_patient(patient, shipped(HAIR), world.clinic) if w.kind == "anticoagulant"
    ]
    assert len(warnings) == 2
    by_name = next(w for w in warnings if "apixaban" in w.code)
    assert "Recognised by its name" in by_name.message
    assert "5 mg twice daily" in by_name.message
    assert not any("amlodipine" in w.code for w in warnings)


def test_checklist_asks_for_infection_coagulation_and_every_other_contraindication(
    world: World,
) -> None:
    warnings = screen_patient(make_patient(world.clinic), shipped(HAIR), world.clinic)
    checklist = [w for w in warnings if w.field == "checklist"]
    codes = _codes(checklist)
    assert {"check.infection_at_site", "check.coagulation_disorder"} <= codes
    others = Contraindication.objects.filter(compound__isnull=True, kind="other")
    assert others.count() >= 3
    for row in others.exclude(text__icontains="child"):
        assert any(row.text in w.message for w in checklist), row.text
    assert not [w for w in checklist if "Children" in w.message]  # an adult: nothing to ask


def test_a_compounds_own_other_contraindication_is_on_the_checklist(world: World) -> None:
    compound = Compound.objects.create(
        clinic=world.clinic,
        name="Housemix base",
        slug="housemix-base",
        compound_class="other",
        purpose="Test compound.",
        evidence_level="none",
        evidence_summary="None.",
    )
    Contraindication.objects.create(compound=compound, kind="other", text="Active rosacea.")
    protocol = clinic_protocol(world.clinic, [compound])
    warning = _one(
        screen_patient(make_patient(world.clinic), protocol, world.clinic),
        "check.other.active-rosacea",
    )
    assert "Housemix base" in warning.message
    assert warning.verification == Verification.UNVERIFIED


def test_a_minor_is_warned_about(world: World) -> None:
    born = datetime.date.today() - datetime.timedelta(days=16 * 365)
    patient = make_patient(world.clinic, date_of_birth=born)
    warning = _one(screen_patient(patient, shipped(HAIR), world.clinic), "age_under_18")
    assert born.isoformat() in warning.message
    adult = make_patient(world.clinic, date_of_birth=datetime.date(1990, 1, 1))
    assert "age_under_18" not in _codes(screen_patient(adult, shipped(HAIR), world.clinic))


def test_lipolysis_is_refused_in_france_and_names_the_decree(world: World) -> None:
    france = screen_patient(make_patient(world.clinic), shipped(PC_DC), world.clinic)
    refusal = _one(france, "jurisdiction.")
    assert refusal.blocking
    assert "2011-382" in refusal.message
    assert "legifrance" in refusal.message
    assert refusal.verification == Verification.VERIFIED
    us = screen_patient(make_patient(world.other_clinic), shipped(PC_DC), world.other_clinic)
    assert not [w for w in us if w.blocking]


def test_every_warning_has_a_stable_code_and_fingerprint(world: World) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "lidocaine"}])
    first = screen_patient(patient, shipped(PAIN), world.clinic)
    again = screen_patient(patient, shipped(PAIN), world.clinic)
    assert [(w.code, w.fingerprint) for w in first] == [(w.code, w.fingerprint) for w in again]
    assert len(_codes(first)) == len(first)


def test_acknowledgement_is_stored_with_the_text_shown_and_audited(world: World) -> None:
    plan = make_plan(world.clinic)
    practitioner = world.members["practitioner"]
    item = screening_for(plan)[0]
    ack = services.acknowledge_warning(
        actor_for(practitioner, world.clinic),
        plan,
        item.warning.code,
        item.warning.fingerprint,
        "  Checked the scalp: no infection.  ",
    )
    assert ack.text == item.warning.message
    assert ack.reason == "Checked the scalp: no infection."
    assert ack.acknowledged_by == practitioner
    event = AuditEvent.objects.get(object_type="screening_acknowledgement", object_id=str(ack.pk))
    assert event.actor == practitioner
    assert event.patient_id == plan.patient_id
    assert event.changes["reason"]["after"] == "Checked the scalp: no infection."
    refreshed = {i.warning.code: i for i in screening_for(plan)}
    assert refreshed[item.warning.code].acknowledgement == ack


@pytest.mark.parametrize("reason", ["", "   "])
def test_acknowledgement_without_a_reason_is_refused(world: World, reason: str) -> None:
    plan = make_plan(world.clinic)
    item = screening_for(plan)[0]
    with pytest.raises(ValidationError) as refused:
        services.acknowledge_warning(
            actor_for(world.members["practitioner"], world.clinic),
            plan,
            item.warning.code,
            item.warning.fingerprint,
            reason,
        )
    assert "reason" in refused.value.message_dict
    assert not ScreeningAcknowledgement.objects.exists()


def test_a_warning_changed_since_it_was_shown_cannot_be_acknowledged(world: World) -> None:
    patient = make_patient(world.clinic, medications=[{"name": "Warfarin", "dose": "3 mg"}])
    plan = make_plan(world.clinic, patient=patient)
    shown = _one([i.warning for i in screening_for(plan)], "anticoagulant.")
    changed = patients.PatientInput(medications=[patients.MedicationInput("Warfarin", "5 mg")])
    patients.update_patient(SYSTEM, patient, changed)
    with pytest.raises(ValidationError) as refused:
        services.acknowledge_warning(
            actor_for(world.members["practitioner"], world.clinic),
            plan,
            shown.code,
            shown.fingerprint,
            "Seen.",
        )
    assert "fingerprint" in refused.value.message_dict
    assert not ScreeningAcknowledgement.objects.exists()


def test_changing_the_record_after_acknowledging_reopens_the_warning(world: World) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "Lidocaine", "severity": "mild"}])
    plan = make_plan(world.clinic, patient=patient, protocol=PAIN)
    acknowledge_all(plan, world.members["practitioner"])
    assert not open_warnings(screening_for(plan))

    patients.update_patient(
        SYSTEM,
        patient,
        patients.PatientInput(
            allergies=[
                patients.AllergyInput("Lidocaine", reaction="Anaphylaxis", severity="severe"),
                patients.AllergyInput("Ketoprofen"),
            ],
            pregnancy_status="breastfeeding",
        ),
    )
    reopened = _codes(open_warnings(screening_for(plan)))
    assert reopened == {
        "allergy.lidocaine.lidocaine",
        "allergy.ketoprofen.ketoprofen",
        "breastfeeding",
    }


def test_changing_the_protocol_of_a_draft_brings_its_own_warnings(world: World) -> None:
    patient = make_patient(world.clinic, allergies=[{"substance": "lidocaine"}])
    plan = make_plan(world.clinic, patient=patient, protocol=HAIR)
    acknowledge_all(plan, world.members["practitioner"])
    services.update_plan(SYSTEM, plan, services.PlanInput(protocol=shipped(PAIN)))
    plan.refresh_from_db()
    assert "allergy.lidocaine.lidocaine" in _codes(open_warnings(screening_for(plan)))
