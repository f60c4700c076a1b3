"""Public R4 examples import: Synthea-generated patients (NDJSON, as a bulk export gives them)
and the US Core examples. Origin and licence of each file: tests/fhir/examples/README.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesotrace.outcomes.models import Measurement
from mesotrace.patients.models import Patient
from mesotrace.practitioners.models import Practitioner
from mesotrace.treatments.models import TreatmentPlan, TreatmentSession
from tests.fhir.builders import validated
from tests.outcomes.builders import ensure_measurement_types

EXAMPLES = Path(__file__).parent / "examples"
SYNTHEA = (EXAMPLES / "synthea-2-patients.ndjson", "$import", "application/fhir+ndjson")
US_CORE = (EXAMPLES / "us-core-9.0.0-examples.json", "", "application/fhir+json")


@pytest.fixture
def owner(world, bearer):
    ensure_measurement_types()
    return bearer(world.members["owner"], world.clinic)


def _post(client, headers, example, dry_run=False):
    path, operation, content_type = example
    url = f"/fhir/r4/{operation}" + ("?dry-run=true" if dry_run else "")
    return client.post(url, path.read_text(encoding="utf-8"), content_type, **headers)


def _said(response) -> list[str]:
    return [issue["diagnostics"] for issue in validated(response.json())["issue"]]


def _counts(clinic) -> tuple[int, ...]:
    return (
        Patient.objects.for_clinic(clinic).count(),
        Practitioner.objects.for_clinic(clinic).count(),
        Measurement.objects.for_clinic(clinic).count(),
        TreatmentPlan.objects.for_clinic(clinic).count(),
        TreatmentSession.objects.for_clinic(clinic).count(),
    )


@pytest.mark.parametrize("example", [SYNTHEA, US_CORE], ids=["synthea", "us-core"])
def test_a_public_example_imports_in_a_dry_run_then_for_real_then_not_twice(
    world, client, owner, example
):
    dry = _post(client, owner, example, dry_run=True)
    assert dry.status_code == 200, dry.content[:1000]
    assert _said(dry)[0].startswith("Dry run, nothing saved: ")
    assert _counts(world.clinic) == (0, 0, 0, 0, 0)

    real = _post(client, owner, example)
    assert real.status_code == 200, real.content[:1000]
    assert _said(real)[0] == _said(dry)[0].replace("Dry run, nothing saved: ", "Imported: ")
    after = _counts(world.clinic)

    again = _post(client, owner, example)
    assert again.status_code == 200, again.content[:1000]
    assert _said(again)[0].startswith("Imported: 0 created, 0 updated"), _said(again)[0]
    assert _counts(world.clinic) == after


def test_synthea_patients_come_with_their_allergies_and_history(world, client, owner):
    response = _post(client, owner, SYNTHEA)
    said = _said(response)
    patients = Patient.objects.for_clinic(world.clinic).order_by("family_name")
    assert patients.count() == 2
    assert all(p.date_of_birth and p.sex in {"male", "female"} for p in patients)
    assert sum(p.allergies.count() for p in patients) >= 2
    assert all("Condition: " in p.medical_history for p in patients)
    # What Mesotrace does not keep is reported, type by type, and nothing failed.
    for kind in ("Immunization", "MedicationRequest", "Device"):
        assert f"skipped: {kind} is not imported." in said, kind
    assert any(text.startswith("skipped: A procedure is imported as a session") for text in said)
    assert any("us-core-race" in text for text in said)
    assert TreatmentSession.objects.for_clinic(world.clinic).count() == 0


def test_us_core_examples_map_the_patient_allergy_measurements_and_practitioner(
    world, client, owner
):
    response = _post(client, owner, US_CORE)
    said = _said(response)
    patient = Patient.objects.for_clinic(world.clinic).get()
    # US Core 9 keeps the old name and sends sex as an extension, not `gender`: the current
    # name is taken, the sex recorded as unknown and said so, the extension reported.
    assert (patient.family_name, patient.sex, str(patient.date_of_birth)) == (
        "Baxter",
        "unknown",
        "1987-02-20",
    )
    assert "No gender given: recorded as unknown." in said
    assert any("us-core-individual-sex" in text for text in said)
    assert [a.substance for a in patient.allergies.all()] == ["sulfonamide antibacterial"]
    assert "Condition: " in patient.medical_history
    kinds = sorted(m.type.code for m in Measurement.objects.for_clinic(world.clinic))
    assert kinds == ["29463-7", "39156-5"]  # body weight and BMI, by LOINC
    assert Practitioner.objects.for_clinic(world.clinic).count() == 1
    assert any(text.startswith("skipped: A plan is imported with its protocol") for text in said)
    assert "skipped: MedicationRequest is not imported." in said
