"""A clinic imports its patients from the system it leaves: previewed with every row's
problems and nothing written, imported all or nothing, and imported again without duplicates."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from mesotrace.audit.models import AuditAction, AuditEvent
from mesotrace.outcomes.models import Measurement
from mesotrace.patients.models import Patient
from mesotrace.switching import queries, services
from mesotrace.switching.models import CsvImport, CsvMapping, ImportedPatient, ImportStatus
from tests.conftest import World, make_patient
from tests.messaging.builders import run_worker
from tests.outcomes.builders import ensure_measurement_types
from tests.switching.builders import (
    BAD_ROWS,
    ENGLISH,
    FRENCH,
    owner_actor,
    upload,
    utf8_bom,
    windows_1252,
)


def _import(world: World, raw: bytes) -> CsvImport:
    done = upload(world, raw)
    services.import_file(owner_actor(world), done)
    done.refresh_from_db()
    return done


def _mine(world: World) -> list[Patient]:
    return list(Patient.objects.for_clinic(world.clinic))


def test_preview_lists_every_rows_problems_and_writes_nothing(world: World) -> None:
    done = upload(world, utf8_bom(BAD_ROWS))
    plan = queries.plan_import(world.clinic, done, done.columns)
    problems = dict(plan.problems)
    assert problems == {
        "rows[2].date_of_birth": "“31/02/1990” is not a date: write it 2024-03-31 or 31/03/2024.",
        "rows[3].family_name": "Family name is missing.",
        "rows[4].sex": "Unknown sex “Z”: use F, M, other or leave it empty.",
        "rows[5].record_number": "“B-3” is also on line 4.",
    }
    assert [row.action for row in plan.rows] == ["refused"] * 4 + ["new"]
    assert _mine(world) == []
    assert not ImportedPatient.objects.exists()


def test_one_bad_row_refuses_the_whole_file(world: World) -> None:
    done = upload(world, utf8_bom(BAD_ROWS))
    with pytest.raises(ValidationError) as refused:
        services.import_file(owner_actor(world), done)
    assert "rows[3].family_name" in refused.value.message_dict
    assert _mine(world) == []  # not even Anne Petit, whose row was fine
    done.refresh_from_db()
    assert done.status == ImportStatus.UPLOADED


def test_french_export_imports_patients_allergies_medications_history_and_measurements(
    world: World,
) -> None:
    ensure_measurement_types()
    done = _import(world, utf8_bom(FRENCH))
    assert done.counts == {"new": 3, "adds": 0, "unchanged": 0, "measurements": 2, "warnings": 1}
    helene = Patient.objects.get(clinic=world.clinic, family_name="Lefèvre")
    assert (helene.given_name, helene.date_of_birth) == ("Hélène", datetime.date(1972, 4, 3))
    assert (helene.sex, helene.phone) == ("female", "06 12 34 56 78")
    assert helene.medical_history == "Hypothyroïdie traitée"
    allergies = {
        a.substance: sorted(c.slug for c in a.allergens.all()) for a in helene.allergies.all()
    }
    assert allergies["Lidocaïne"], "lidocaine is coded to the catalogue's substance"
    medication = helene.medications.get()
    assert (medication.name, medication.dose) == ("Kardégic", "75 mg")
    weights = Measurement.objects.filter(patient=helene).order_by("type__slug")
    assert [(m.type.slug, m.value) for m in weights] == [
        ("body-weight", 68.5),
        ("waist-circumference", 84.0),
    ]
    assert weights[0].measured_at.date() == datetime.date(2024, 1, 15)
    created = AuditEvent.objects.filter(object_type="patient", action=AuditAction.CREATE)
    assert created.count() == 3  # each patient audited as if typed in


def test_an_allergy_no_substance_matches_is_reported_and_kept(world: World) -> None:
    done = upload(world, utf8_bom(FRENCH))
    plan = queries.plan_import(world.clinic, done, done.columns)
    aissatou = plan.rows[2].row
    assert aissatou.warnings == [
        (
            "allergies",
            "“Poils de chat” matches no substance or class of the catalogue: it is imported "
            "as written, not coded; code it on the patient's record.",
        )
    ]
    services.import_file(owner_actor(world), done)
    patient = Patient.objects.get(clinic=world.clinic, family_name="N'Diaye")
    allergy = patient.allergies.get()
    assert allergy.substance == "Poils de chat"
    assert not allergy.allergens.exists()


def test_importing_the_same_file_again_creates_nothing(world: World) -> None:
    ensure_measurement_types()
    _import(world, utf8_bom(FRENCH))
    before = (Patient.objects.count(), Measurement.objects.count(), AuditEvent.objects.count())
    second = upload(world, utf8_bom(FRENCH), "again.csv")
    plan = queries.plan_import(world.clinic, second, second.columns)
    assert plan.previous is not None
    assert [row.action for row in plan.rows] == ["unchanged"] * 3
    services.import_file(owner_actor(world), second)
    second.refresh_from_db()
    assert second.counts["new"] == 0
    assert second.counts["unchanged"] == 3
    assert (Patient.objects.count(), Measurement.objects.count()) == before[:2]


def test_a_known_patient_gains_only_what_the_record_lacks(world: World) -> None:
    ensure_measurement_types()
    _import(world, utf8_bom(FRENCH))
    changed = FRENCH.replace("Appendicectomie en 1998;", "Appendicectomie en 1998;12/03/2025;81;")
    changed = changed.replace(
        "D-102;Moreau;Benoît;21/11/1980;M;;;;", "D-102;Moreau;Benoît;21/11/1980;M;;;Latex;"
    )
    done = _import(world, utf8_bom(changed))
    assert done.counts["adds"] == 1
    assert done.counts["new"] == 0
    benoit = Patient.objects.get(clinic=world.clinic, family_name="Moreau")
    assert [a.substance for a in benoit.allergies.all()] == ["Latex"]
    assert Measurement.objects.filter(patient=benoit).get().value == 81


def test_matching_is_by_record_number_and_birth_date_then_by_names(world: World) -> None:
    _import(world, windows_1252(ENGLISH))
    renamed = ENGLISH.replace("P-1,Okafor,Chidinma", "P-1,Okafor-Smith,Chidinma")
    second = upload(world, windows_1252(renamed))
    plan = queries.plan_import(world.clinic, second, second.columns)
    assert plan.rows[0].patient is not None  # found by its identifier, whatever the name
    already = make_patient(world.clinic, family_name="Quéré", given_name="Yann")
    text = "Nom;Prénom;Date de naissance\nQUERE;yann;17/05/1984\n"
    third = upload(world, utf8_bom(text))
    assert queries.plan_import(world.clinic, third, third.columns).rows[0].patient == already


def test_the_mapping_is_kept_for_the_clinics_next_file(world: World) -> None:
    text = "Code;Nom;Prénom;Né(e) le\nX1;Durand;Camille;17/05/1984\n"
    first = upload(world, utf8_bom(text))
    assert first.columns["Code"] == ""
    assert first.columns["Né(e) le"] == "date_of_birth"
    chosen = {**first.columns, "Code": "external_id"}
    services.choose_columns(owner_actor(world), first, chosen)
    assert CsvMapping.objects.get(clinic=world.clinic).columns["Code"] == "external_id"
    second = upload(world, utf8_bom(text.replace("X1", "X2")))
    assert second.columns["Code"] == "external_id"
    other = upload(world, utf8_bom(text), clinic=world.other_clinic)
    assert other.columns["Code"] == ""  # another clinic's mapping is its own


def test_a_mapping_without_names_cannot_be_saved(world: World) -> None:
    done = upload(world, utf8_bom(FRENCH))
    columns = {**done.columns, "Nom": ""}
    with pytest.raises(ValidationError) as refused:
        services.choose_columns(owner_actor(world), done, columns)
    assert refused.value.message_dict == {"columns.family_name": ["Map a column to Family name."]}


def test_control_characters_in_a_cell_are_a_problem_of_their_row(world: World) -> None:
    text = "Nom;Prénom;Date de naissance\nDur\u200band;Camille;17/05/1984\n"
    done = upload(world, utf8_bom(text))
    plan = queries.plan_import(world.clinic, done, done.columns)
    assert plan.problems == [
        ("rows[2].family_name", "Remove the invisible or control character U+200B.")
    ]


def test_a_queued_import_that_meets_a_problem_writes_nothing_and_says_why(world: World) -> None:
    done = upload(world, utf8_bom(FRENCH))
    services.queue_import(owner_actor(world), done)
    # Before the worker runs, the clinic's records change: Benoît Moreau is registered by
    # hand and Hélène Lefèvre's old record number is linked to him by mistake.
    benoit = make_patient(
        world.clinic,
        family_name="Moreau",
        given_name="Benoît",
        date_of_birth=datetime.date(1980, 11, 21),
    )
    ImportedPatient.objects.create(
        clinic=world.clinic, key="record:D-101|1972-04-03", patient=benoit
    )
    run_worker()
    done.refresh_from_db()
    assert done.status == ImportStatus.UPLOADED
    assert done.refusal == [
        ["rows[3].family_name", "Same patient as line 2: give each patient one row."]
    ]
    assert list(Patient.objects.for_clinic(world.clinic)) == [benoit]
