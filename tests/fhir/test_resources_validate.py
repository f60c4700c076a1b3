"""Every resource the server produces is valid FHIR (fhir.resources' R4B classes), carries
its version and last update, and answers with an ETag a client can revalidate with."""

from __future__ import annotations

import json

from mesotrace.fhir.queries import KINDS
from mesotrace.patients.models import Patient
from tests.conftest import make_patient
from tests.fhir.builders import charted_record, entries, get, validated

# The resource types of FHIR R4 (4.0.1) this server emits; R4B added none of these.
R4_TYPES = set(KINDS) | {"Bundle", "OperationOutcome", "CapabilityStatement"}


def test_every_resource_type_reads_as_valid_fhir_with_meta_and_etag(world, client, bearer):
    record = charted_record(world)
    headers = bearer(world.members["owner"], world.clinic)
    assert set(record.ids) == set(KINDS)
    for name, pk in record.ids.items():
        response = get(client, f"{name}/{pk}", headers)
        assert response.status_code == 200, (name, response.content[:300])
        assert response["Content-Type"].startswith("application/fhir+json")
        resource = validated(response.json())
        assert (resource["resourceType"], resource["id"]) == (name, str(pk))
        meta = resource["meta"]
        assert meta["lastUpdated"]
        assert meta["versionId"]
        assert response["ETag"] == f'W/"{meta["versionId"]}"'
        again = get(client, f"{name}/{pk}", headers, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304, name


def test_a_change_gives_a_new_version(world, client, bearer):
    patient = make_patient(world.clinic)
    headers = bearer(world.members["owner"], world.clinic)
    before = get(client, f"Patient/{patient.pk}", headers)
    Patient.objects.filter(pk=patient.pk).update(family_name="Lefebvre")
    after = get(client, f"Patient/{patient.pk}", headers)
    assert after.json()["name"][0]["family"] == "Lefebvre"
    assert after["ETag"] != before["ETag"]
    stale = get(client, f"Patient/{patient.pk}", headers, HTTP_IF_NONE_MATCH=before["ETag"])
    assert stale.status_code == 200


def test_everything_is_the_patients_whole_record_and_nobody_elses(world, client, bearer):
    record = charted_record(world)
    other = make_patient(
        world.clinic, given_name="Other", allergies=[{"substance": "Soy", "reaction": "Rash"}]
    )
    headers = bearer(world.members["practitioner"], world.clinic)
    response = get(client, f"Patient/{record.patient.pk}/$everything", headers)
    assert response.status_code == 200
    bundle = validated(response.json())
    found = entries(bundle)
    for resource in found:
        validated(resource)
        assert resource["resourceType"] in R4_TYPES
    kinds = {resource["resourceType"] for resource in found}
    assert kinds == set(KINDS)
    text = json.dumps(bundle)
    assert f'"Patient/{other.pk}"' not in text
    assert "Soy" not in text
    lots = [r["batch"]["lotNumber"] for r in found if r["resourceType"] == "Medication"]
    assert lots == [record.lot.lot_number]
    administrations = [r for r in found if r["resourceType"] == "MedicationAdministration"]
    assert len(administrations) == 2  # two points, one product each
    assert {a["partOf"][0]["reference"] for a in administrations} == {
        f"Procedure/{record.session.pk}"
    }


def test_a_session_maps_to_a_procedure_with_one_administration_per_product_per_point(
    world, client, bearer
):
    record = charted_record(world)
    headers = bearer(world.members["practitioner"], world.clinic)
    query = f"MedicationAdministration?patient=Patient/{record.patient.pk}"
    administrations = entries(get(client, query, headers).json())
    routes = sorted(a["dosage"]["route"]["coding"][0]["code"] for a in administrations)
    # 2 mm deep is intradermal; 6 mm is subcutaneous (domain.md §2 and §5b).
    assert routes == ["34206005", "372464004"]
    sites = {a["dosage"]["site"]["coding"][0]["code"] for a in administrations}
    assert sites == {"41695006", "818983003"}  # scalp, abdomen (SNOMED CT)
    assert sorted(a["dosage"]["dose"]["value"] for a in administrations) == [0.1, 0.2]
    assert {a["dosage"]["dose"]["code"] for a in administrations} == {"mL"}
    event = get(client, f"AdverseEvent/{record.event.pk}", headers).json()
    suspects = {s["instance"]["reference"] for s in event["suspectEntity"]}
    assert {f"MedicationAdministration/{a['id']}" for a in administrations} <= suspects
    assert f"Medication/{record.lot.pk}" in suspects


def test_consent_carries_the_signed_pdf_and_its_hash(world, client, bearer):
    import base64
    import hashlib

    from mesotrace.consent.models import ConsentSignature

    record = charted_record(world)
    signature = ConsentSignature.objects.get(pk=record.ids["Consent"])
    headers = bearer(world.members["owner"], world.clinic)
    consent = get(client, f"Consent/{signature.pk}", headers).json()
    attachment = consent["sourceAttachment"]
    pdf = base64.b64decode(attachment["data"])
    assert pdf == bytes(signature.signed_pdf)
    assert base64.b64decode(attachment["hash"]) == hashlib.sha1(pdf).digest()  # noqa: S324
    assert {
        "system": "https://mesotrace.example/fhir/sid/signed-pdf-sha256",
        "value": hashlib.sha256(pdf).hexdigest(),
    } in consent["identifier"]


def test_a_us_clinic_declares_and_fills_us_core(world, client, bearer):
    patient = make_patient(world.other_clinic, given_name="Ava", family_name="Smith")
    headers = bearer(world.outsider, world.other_clinic)
    resource = validated(get(client, f"Patient/{patient.pk}", headers).json())
    assert resource["meta"]["profile"] == [
        "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"
    ]
    assert resource["identifier"][0]["value"] == patient.record_number
    assert resource["name"][0]["family"] == "Smith"
    assert resource["gender"] == "female"
    french = make_patient(world.clinic)
    mine = get(client, f"Patient/{french.pk}", bearer(world.members["owner"], world.clinic))
    assert "profile" not in mine.json()["meta"]
