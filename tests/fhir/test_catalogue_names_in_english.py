"""Compounds and products keep their English names in FHIR, whatever language the client asks
for: a code's display is the catalogue's English, and an allergy written in French is coded
to the same compound as one written in English."""

from __future__ import annotations

from typing import Any

from django.test import Client

from mesotrace.catalogue.models import Compound, Product
from mesotrace.catalogue.shipped.fr import FRENCH
from tests.conftest import World, make_patient
from tests.fhir.builders import charted_record, get, validated


def _read(client: Client, headers: dict[str, Any], path: str, language: str) -> dict[str, Any]:
    response = get(client, path, headers, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content[:300]
    return validated(response.json())


def _local(concept: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in concept["coding"] if c["system"].endswith(f"/{kind}"))


def test_product_and_compound_names_are_english_for_a_french_client(
    world: World, client: Client, bearer: Any
) -> None:
    record = charted_record(world)
    headers = bearer(world.members["owner"], world.clinic)
    product = Product.objects.get(pk=record.lot.product_id)
    english_name = str(product.name_en)  # type: ignore[attr-defined]
    assert FRENCH[english_name] != english_name  # the product has a French name
    paths = [
        f"Medication/{record.ids['Medication']}",
        f"MedicationAdministration/{record.ids['MedicationAdministration']}",
        f"AllergyIntolerance/{record.ids['AllergyIntolerance']}",
    ]
    english = {path: _read(client, headers, path, "en") for path in paths}
    french = {path: _read(client, headers, path, "fr") for path in paths}
    medication = french[paths[0]]
    assert medication["code"] == english[paths[0]]["code"]
    assert _local(medication["code"], "product")["display"] == english_name
    assert medication["code"]["text"] == english_name
    given = french[paths[1]]["medicationReference"]
    assert given == english[paths[1]]["medicationReference"]
    assert given["display"].startswith(f"{english_name} lot ")
    allergy = french[paths[2]]["code"]
    assert allergy == english[paths[2]]["code"]
    assert _local(allergy, "compound")["display"] == "Lidocaine"


def test_an_allergy_written_in_french_is_coded_to_the_same_compound(
    world: World, client: Client, bearer: Any
) -> None:
    patient = make_patient(
        world.clinic,
        allergies=[
            {"substance": "Lidocaïne", "reaction": "Urticaire"},
            {"substance": "lidocaine", "reaction": "Hives"},
        ],
    )
    headers = bearer(world.members["owner"], world.clinic)
    lidocaine = Compound.objects.get(clinic=None, slug="lidocaine")
    for language in ("en", "fr"):
        for allergy in patient.allergies.all():
            resource = _read(client, headers, f"AllergyIntolerance/{allergy.pk}", language)
            coded = _local(resource["code"], "compound")
            assert (coded["code"], coded["display"]) == (lidocaine.slug, "Lidocaine")
            assert resource["code"]["text"] == allergy.substance
