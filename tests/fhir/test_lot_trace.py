"""The recall question from another system: every administration from one lot, by number."""

from __future__ import annotations

from tests.charting.builders import minoxidil_lot
from tests.conftest import make_patient
from tests.fhir.builders import entries, get, validated
from tests.safety.builders import charted_on


def test_lot_number_search_finds_every_administration_of_that_lot_and_no_other(
    world, client, bearer
):
    recalled = minoxidil_lot(world.clinic, "MX-RECALL-7", "5")
    other = minoxidil_lot(world.clinic, "MX-CLEAN-2", "5")
    exposed = [make_patient(world.clinic, given_name=name) for name in ("Ana", "Bea")]
    spared = make_patient(world.clinic, given_name="Cleo")
    for patient in exposed:
        charted_on(world, recalled, patient)
    charted_on(world, other, spared)
    headers = bearer(world.members["nurse"], world.clinic)

    bundle = validated(
        get(client, "MedicationAdministration?lot-number=MX-RECALL-7", headers).json()
    )

    found = entries(bundle)
    assert bundle["total"] == len(found) == 2
    assert {r["subject"]["reference"] for r in found} == {f"Patient/{p.pk}" for p in exposed}
    assert {r["medicationReference"]["reference"] for r in found} == {f"Medication/{recalled.pk}"}
    medication = get(client, f"Medication/{recalled.pk}", headers).json()
    assert medication["batch"] == {
        "lotNumber": "MX-RECALL-7",
        "expirationDate": recalled.expiry_date.isoformat(),
    }
    both = get(client, "MedicationAdministration?lot-number=MX-RECALL-7,MX-CLEAN-2", headers)
    assert both.json()["total"] == 3
    system = "MedicationAdministration?lot-number=https://example.org/lots|MX-RECALL-7"
    assert get(client, system, headers).json()["total"] == 2


def test_search_pages_through_a_long_trace(world, client, bearer):
    lot = minoxidil_lot(world.clinic, "MX-PAGED", "5")
    for _ in range(3):
        charted_on(world, lot)
    headers = bearer(world.members["owner"], world.clinic)
    first = get(client, "MedicationAdministration?lot-number=MX-PAGED&_count=2", headers).json()
    assert (first["total"], len(first["entry"])) == (3, 2)
    following = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = client.get(following, **headers).json()
    assert len(second["entry"]) == 1
    seen = {e["resource"]["id"] for e in first["entry"] + second["entry"]}
    assert len(seen) == 3
