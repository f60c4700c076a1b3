"""A clinic's records leave by FHIR and come back equal in an empty clinic, field for field.

The exporting clinic answers `Patient/$everything` for each patient; the entries, with their
full URLs, are posted as one collection Bundle to the importing clinic; then both clinics'
exports are compared resource by resource, with the importing clinic's ids mapped back through
`fhir.ImportedRecord`. What may differ is only what belongs to the clinic holding the record
(listed in `LOCAL`), and every other difference is named by its path.
"""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.storage import default_storage

from mesotrace.accounts.models import Membership
from mesotrace.accounts.roles import Role
from mesotrace.audit.models import AuditEvent, ObjectType
from mesotrace.charting.models import SessionPhoto
from mesotrace.fhir.models import ImportedRecord
from mesotrace.fhir.rules import codes
from mesotrace.inventory.models import Lot
from mesotrace.inventory.queries.stock import on_hand
from mesotrace.outcomes.models import LifestyleLog, SplitBodyAllocation
from mesotrace.patients.models import Patient
from mesotrace.safety.models import AdverseEventFollowUp
from mesotrace.treatments.models import (
    Injection,
    InjectionComponent,
    ScreeningAcknowledgement,
    TreatmentPlan,
    TreatmentSession,
)
from mesotrace.treatments.queries.plans import screening_for
from tests.conftest import make_clinic
from tests.consent.builders import drawn_png
from tests.fhir.builders import charted_record, validated
from tests.fhir.round_trip_builders import every_field_filled, second_course
from tests.fhir.round_trip_rows import ALLOWED, differences, pairs
from tests.fhir.test_resources_validate import R4_TYPES

# Compared field for field (every element the export carries, once ids are mapped).
COMPARED = [
    "Patient",
    "AllergyIntolerance",
    "MedicationStatement",
    "Condition",
    "CarePlan",
    "Appointment",
    "Procedure",
    "MedicationAdministration",
    "Medication",
    "Observation",
    "QuestionnaireResponse",
    "AdverseEvent",
    "Consent",
]
# What belongs to the clinic holding the record, not to the record: its own record number
# and lot ids (the exporting system's stay in ImportedRecord), and when each row was written.
LOCAL = {
    "Patient": {"identifier", "managingOrganization"},
    "Medication": {"identifier"},
    "AllergyIntolerance": {"recordedDate"},
    "MedicationStatement": {"dateAsserted"},
    "Condition": {"recordedDate"},
    "CarePlan": {"created"},
    "AdverseEvent": {"recordedDate"},
}
# Kept by content: an allergy or a medication is a line of the patient's record, with no id
# of its own in the importing clinic's ImportedRecord.
BY_CONTENT = {"AllergyIntolerance", "MedicationStatement"}


def _everything(client, headers, patients: list[Patient]) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for patient in patients:
        response = client.get(f"/fhir/r4/Patient/{patient.pk}/$everything", **headers)
        assert response.status_code == 200, response.content[:300]
        for entry in response.json().get("entry", []):
            found[entry["fullUrl"]] = {"fullUrl": entry["fullUrl"], "resource": entry["resource"]}
    return list(found.values())


def _photo_files(clinic) -> set[str]:
    """The photo files stored under the clinic's folder (earlier tests' may be there)."""
    found: set[str] = set()
    folders = [f"photos/{clinic.pk}"]
    while folders:
        folder = folders.pop()
        if not default_storage.exists(folder):
            continue
        inner, names = default_storage.listdir(folder)
        folders += [f"{folder}/{name}" for name in inner]
        found |= {f"{folder}/{name}" for name in names}
    return found


def _collection(entries: list[dict[str, Any]]) -> str:
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})


def _post(client, headers, body: str, dry_run: bool = False):
    path = "/fhir/r4/" + ("?dry-run=true" if dry_run else "")
    return client.post(path, body, "application/fhir+json", **headers)


def _id_map(target, entries: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(type, exporting id) → importing id, from what the import kept."""
    kept = {
        (row.resource_type, row.value): str(row.object_id)
        for row in ImportedRecord.objects.for_clinic(target)
    }
    found: dict[tuple[str, str], str] = {}
    for entry in entries:
        resource = entry["resource"]
        kind, pk = resource["resourceType"], resource["id"]
        values = [entry["fullUrl"], pk, *(i["value"] for i in resource.get("identifier", [])[:1])]
        for value in values:
            if (kind, value) in kept:
                found[(kind, pk)] = kept[(kind, value)]
                break
    for (kind, pk), mine in list(found.items()):
        if kind == "CarePlan":
            found[("Condition", pk)] = mine  # one Condition per plan, with the plan's id
        if kind == "Practitioner":
            found[("PractitionerRole", pk)] = mine
    return found


def _normal(value: Any, back: dict[tuple[str, str], str], kind: str = "") -> Any:
    """The resource with bookkeeping dropped and references written in exporting ids."""
    if isinstance(value, dict):
        found = {}
        for key, item in value.items():
            if key in {"meta", "id"} or key in LOCAL.get(kind, set()):
                continue
            if key == "reference" and isinstance(item, str) and item.count("/") == 1:
                ref_kind, pk = item.split("/")
                found[key] = f"{ref_kind}/{back.get((ref_kind, pk), pk)}"
                if ref_kind == "Organization":
                    return {}
                continue
            found[key] = _normal(item, back)
        return found
    if isinstance(value, list):
        return [_normal(item, back) for item in value]
    return value


def _differences(a: Any, b: Any, path: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            line
            for key in sorted(set(a) | set(b))
            for line in _differences(a.get(key), b.get(key), f"{path}.{key}")
        ]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            line
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for line in _differences(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: exported {a!r}, came back {b!r}"]


def compare(
    exported: list[dict[str, Any]], again: list[dict[str, Any]], ids: dict[tuple[str, str], str]
) -> list[str]:
    """Every field that differs between the two exports, named by type, id and path."""
    back = {(kind, mine): pk for (kind, pk), mine in ids.items()}
    theirs = {(r["resourceType"], r["id"]): r for r in (e["resource"] for e in again)}
    problems = []
    for kind in COMPARED:
        sent = [e["resource"] for e in exported if e["resource"]["resourceType"] == kind]
        came = [r for (k, _pk), r in theirs.items() if k == kind]
        if kind in BY_CONTENT:
            before = sorted(json.dumps(_normal(r, {}, kind), sort_keys=True) for r in sent)
            after = sorted(json.dumps(_normal(r, back, kind), sort_keys=True) for r in came)
            problems += [] if before == after else [f"{kind}: {before} != {after}"]
            continue
        if len(sent) != len(came):
            problems.append(f"{kind}: {len(sent)} exported, {len(came)} came back")
        for resource in sent:
            mine = ids.get((kind, resource["id"]))
            twin = theirs.get((kind, mine)) if mine else None
            if twin is None:
                problems.append(f"{kind}/{resource['id']}: did not come back")
                continue
            problems += _differences(
                _normal(resource, {}, kind), _normal(twin, back, kind), f"{kind}/{resource['id']}"
            )
    return problems


@pytest.fixture
def clinics(world, bearer):
    """The exporting clinic with two patients' full records, and an empty clinic the same
    owner runs (a group opening a site, or a clinic moving to a new Mesotrace)."""
    first = charted_record(world)
    second = second_course(world)
    every_field_filled(world, [first.patient, second])
    empty = make_clinic("gamma")
    owner = world.members["owner"]
    Membership.objects.create(user=owner, clinic=empty, role=Role.OWNER)
    return {
        "patients": [first.patient, second],
        "source": bearer(owner, world.clinic),
        "target": bearer(owner, empty),
        "empty": empty,
    }


def test_a_clinic_exported_and_imported_comes_back_equal_field_for_field(world, client, clinics):
    exported = _everything(client, clinics["source"], clinics["patients"])
    kinds = {e["resource"]["resourceType"] for e in exported}
    assert set(COMPARED) <= kinds, set(COMPARED) - kinds
    empty = clinics["empty"]

    stored = _photo_files(empty)
    dry = _post(client, clinics["target"], _collection(exported), dry_run=True)
    assert dry.status_code == 200, dry.content[:2000]
    assert Patient.objects.for_clinic(empty).count() == 0
    assert _photo_files(empty) == stored  # nor is a photo's file left behind

    response = _post(client, clinics["target"], _collection(exported))
    assert response.status_code == 200, response.content[:3000]
    outcome = validated(response.json())
    assert outcome["issue"][0]["diagnostics"] == dry.json()["issue"][0]["diagnostics"].replace(
        "Dry run, nothing saved: ", "Imported: "
    )
    skipped = {
        i["expression"][0]: i["diagnostics"]
        for i in outcome["issue"][1:]
        if i["diagnostics"].startswith("skipped")
    }
    kinds_skipped = {
        next(
            e["resource"]["resourceType"] for e in exported if path.startswith(f"Bundle.entry[{n}]")
        )
        for path in skipped
        for n in [int(path.split("[")[1].split("]")[0])]
    }
    # The clinic and its practitioners' roles stay home.
    assert kinds_skipped <= {"Organization", "PractitionerRole"}, skipped

    assert _photo_files(empty) - stored == {SessionPhoto.objects.for_clinic(empty).get().file.name}
    ids = _id_map(empty, exported)
    patients = list(Patient.objects.for_clinic(empty))
    again = _everything(client, clinics["target"], patients)
    assert compare(exported, again, ids) == []
    # The comparison names the field that differs: a changed dose and a lost lot number.
    changed = json.loads(json.dumps(again))
    given = next(e for e in changed if e["resource"]["resourceType"] == "MedicationAdministration")
    given["resource"]["dosage"]["dose"]["value"] = 9
    lot = next(e for e in changed if e["resource"]["resourceType"] == "Medication")
    del lot["resource"]["batch"]["lotNumber"]
    named = compare(exported, changed, ids)
    assert len(named) == 2, named
    assert any(".dosage.dose.value: exported" in line for line in named), named
    assert any(".batch.lotNumber: exported" in line for line in named), named

    # The sessions' points and lots, row by row, and the stock the import brought in is used up.
    def points(clinic) -> list[tuple[Any, ...]]:
        return sorted(
            (
                str(c.injection.session.performed_on),
                c.injection.number,
                c.injection.zone.slug,
                c.injection.depth_mm,
                c.product.slug,
                c.lot.lot_number,
                c.lot.expiry_date,
                c.volume_ml,
            )
            for c in InjectionComponent.objects.for_clinic(clinic).select_related(
                "injection__session", "injection__zone", "product", "lot"
            )
        )

    assert points(empty) == points(world.clinic)
    assert (
        Injection.objects.for_clinic(empty).count()
        == Injection.objects.for_clinic(world.clinic).count()
    )
    # Each lot comes with the stock the exporting clinic had on hand, once the sessions drew.
    held = {lot.lot_number: on_hand(lot) for lot in Lot.objects.for_clinic(world.clinic)}
    for lot in Lot.objects.for_clinic(empty):
        assert on_hand(lot) == held[lot.lot_number] > Decimal("0"), lot

    # A second import of the same file creates nothing and changes nothing.
    twice = _post(client, clinics["target"], _collection(exported))
    assert twice.status_code == 200, twice.content[:2000]
    summary = twice.json()["issue"][0]["diagnostics"]
    assert summary.startswith("Imported: 0 created, 0 updated"), summary
    assert TreatmentSession.objects.for_clinic(empty).count() == len(
        [e for e in exported if e["resource"]["resourceType"] == "Procedure"]
    )


def test_every_row_comes_back_equal_field_for_field(world, client, clinics):
    """Not the exports but the rows: a field the export does not carry shows here."""
    exported = _everything(client, clinics["source"], clinics["patients"])
    for entry in exported:  # what carries the new fields is still plain FHIR R4
        assert validated(entry["resource"])["resourceType"] in R4_TYPES
    response = _post(client, clinics["target"], _collection(exported))
    assert response.status_code == 200, response.content[:3000]
    empty = clinics["empty"]
    paired = pairs(world.clinic, _id_map(empty, exported))
    for model in ALLOWED:
        assert paired[model], f"no {model.__name__} was paired"
    found = differences(world.clinic, empty, paired)
    assert found == [], "\n".join(found)


def test_an_altered_image_or_another_currency_refuses_the_file_by_path(world, client, clinics):
    exported = _everything(client, clinics["source"], clinics["patients"][:1])

    def first(kind: str) -> dict[str, Any]:
        return next(e["resource"] for e in exported if e["resource"]["resourceType"] == kind)

    other = base64.b64encode(hashlib.sha1(b"another image").digest()).decode()  # noqa: S324
    first("DocumentReference")["content"][0]["attachment"]["hash"] = other
    drawn = codes.extension_url("drawn-signature")
    signature = next(e for e in first("Consent")["extension"] if e["url"] == drawn)
    signature["valueAttachment"]["size"] += 1
    price = codes.extension_url("price-per-session")
    next(e for e in first("CarePlan")["extension"] if e["url"] == price)["valueMoney"][
        "currency"
    ] = "USD"
    response = _post(client, clinics["target"], _collection(exported))
    assert response.status_code == 422, response.content[:2000]
    said = {i["expression"][0]: i["diagnostics"] for i in validated(response.json())["issue"]}
    endings = {path.rsplit(".", 1)[-1] for path in said}
    assert {"hash", "size", "currency"} <= endings, said
    assert any("EUR, not USD" in text for text in said.values()), said
    assert any("does not match its hash" in text for text in said.values()), said
    assert Patient.objects.for_clinic(clinics["empty"]).count() == 0


def test_a_photo_from_another_system_is_cleaned_like_an_upload(world, client, clinics):
    exported = _everything(client, clinics["source"], clinics["patients"][:1])
    photo = next(
        e["resource"] for e in exported if e["resource"]["resourceType"] == "DocumentReference"
    )
    png = drawn_png(320, 200)
    photo["content"][0]["attachment"] = {
        "contentType": "image/png",
        "data": base64.b64encode(png).decode(),
        "hash": base64.b64encode(hashlib.sha1(png).digest()).decode(),  # noqa: S324
    }
    response = _post(client, clinics["target"], _collection(exported))
    assert response.status_code == 200, response.content[:2000]
    kept = SessionPhoto.objects.for_clinic(clinics["empty"]).get()
    stored = kept.file.open("rb").read()
    assert stored[:3] == b"\xff\xd8\xff"  # re-encoded as a JPEG, its metadata gone
    assert (kept.width, kept.height) == (320, 200)
    assert kept.sha256 == hashlib.sha256(stored).hexdigest()


def test_a_catalogue_code_the_clinic_lacks_skips_the_record_and_all_that_depends_on_it(
    world, client, clinics
):
    exported = _everything(client, clinics["source"], clinics["patients"][:1])
    for entry in exported:
        resource = entry["resource"]
        if resource["resourceType"] == "Medication":
            resource["code"]["coding"][0]["code"] = "no-such-product"
    response = _post(client, clinics["target"], _collection(exported))
    assert response.status_code == 200, response.content[:2000]
    issues = response.json()["issue"]
    said = [i["diagnostics"] for i in issues]
    assert any("no-such-product" in text for text in said), said
    empty = clinics["empty"]
    # Nothing of the session is half there: no session, no injection, no lot.
    assert TreatmentSession.objects.for_clinic(empty).count() == 0
    assert Injection.objects.for_clinic(empty).count() == 0
    assert Lot.objects.for_clinic(empty).count() == 0
    # The patient, the plan and the measurements still came.
    assert Patient.objects.for_clinic(empty).count() == 1


def test_another_clinics_records_are_refused_to_a_user_who_does_not_own_it(world, client, bearer):
    record = charted_record(world)
    source = bearer(world.members["owner"], world.clinic)
    exported = _everything(client, source, [record.patient])
    outsider = bearer(world.outsider, world.other_clinic)
    response = _post(client, outsider, _collection(exported))
    assert response.status_code == 422
    system = codes.identifier_system("patient-record-number/alpha")
    assert any(system in json.dumps(e["resource"]) for e in exported)
    assert Patient.objects.for_clinic(world.other_clinic).count() == 0


def _parts(exported: list[dict[str, Any]], kind: str, name: str) -> list[dict[str, Any]]:
    """Our extension `name` on every exported resource of `kind`."""
    url = codes.extension_url(name)
    return [
        item
        for e in exported
        if e["resource"]["resourceType"] == kind
        for item in e["resource"].get("extension", [])
        if item["url"] == url
    ]


def _part(item: dict[str, Any], url: str) -> dict[str, Any]:
    return next(part for part in item["extension"] if part["url"] == url)


def test_follow_ups_acknowledgements_split_body_and_lifestyle_come_once_and_audited(
    world, client, clinics
):
    exported = _everything(client, clinics["source"], clinics["patients"])
    empty = clinics["empty"]
    for _time in range(2):  # the second import of the same file adds nothing
        response = _post(client, clinics["target"], _collection(exported))
        assert response.status_code == 200, response.content[:2000]
    models = [AdverseEventFollowUp, ScreeningAcknowledgement, SplitBodyAllocation, LifestyleLog]
    for model in models:
        came = model._default_manager.filter(clinic=empty).count()
        assert came == model._default_manager.filter(clinic=world.clinic).count() > 0, model
    imported = AuditEvent.objects.filter(clinic=empty, details__imported=True)
    audited = set(imported.values_list("object_type", flat=True))
    assert {
        ObjectType.ADVERSE_EVENT_FOLLOW_UP,
        ObjectType.SCREENING_ACKNOWLEDGEMENT,
        ObjectType.SPLIT_BODY_ALLOCATION,
        ObjectType.LIFESTYLE_LOG,
    } <= audited, audited
    # The imported acknowledgement still covers its warning: screening rests on the
    # catalogue's English text and the patient's record, both the same here.
    ids = _id_map(empty, exported)
    for plan in TreatmentPlan.objects.for_clinic(world.clinic):
        twin = TreatmentPlan.objects.get(pk=ids[("CarePlan", str(plan.pk))])
        assert _covered(twin) == _covered(plan) != set(), plan


def _covered(plan: TreatmentPlan) -> set[str]:
    """The warnings screening raises for the plan now that an acknowledgement covers."""
    return {item.warning.code for item in screening_for(plan) if item.acknowledgement}


def _future_follow_up(exported: list[dict[str, Any]]) -> None:
    _part(_parts(exported, "AdverseEvent", "follow-up")[0], "date")["valueDate"] = "2999-01-01"


def _no_reason(exported: list[dict[str, Any]]) -> None:
    item = _parts(exported, "CarePlan", "screening-acknowledgement")[0]
    _part(item, "reason")["valueString"] = "  "


def _no_side(exported: list[dict[str, Any]]) -> None:
    _part(_parts(exported, "CarePlan", "split-body")[0], "treated-side")["valueCode"] = "middle"


def _too_much_diet(exported: list[dict[str, Any]]) -> None:
    log = next(e for e in exported if e["resource"]["resourceType"] == "QuestionnaireResponse")
    log["resource"]["item"][0]["answer"][0]["valueQuantity"]["value"] = 150


@pytest.mark.parametrize(
    ("alter", "reason", "where"),
    [
        (_future_follow_up, "A follow-up cannot be in the future.", ".resource.extension["),
        (_no_reason, "Give the reason treatment may go ahead.", ".resource.extension["),
        (_no_side, "The treated side is left or right.", ".resource.extension["),
        (_too_much_diet, "Diet adherence is a percentage, 0 to 100.", ".resource.item"),
    ],
)
def test_a_bad_follow_up_acknowledgement_side_or_lifestyle_answer_is_refused_by_path(
    world, client, clinics, alter, reason, where
):
    exported = _everything(client, clinics["source"], clinics["patients"])
    alter(exported)
    response = _post(client, clinics["target"], _collection(exported))
    assert response.status_code == 422, response.content[:2000]
    said = {i["expression"][0]: i["diagnostics"] for i in validated(response.json())["issue"]}
    paths = [path for path, text in said.items() if text == reason]
    assert paths, said
    assert all(path.startswith("Bundle.entry[") and where in path for path in paths), said
    assert Patient.objects.for_clinic(clinics["empty"]).count() == 0


def test_a_blinded_side_is_read_only_by_the_plans_practitioner_and_not_carried_past_them(
    world, client, clinics, bearer
):
    allocation = SplitBodyAllocation.objects.for_clinic(world.clinic).get()
    SplitBodyAllocation.objects.filter(pk=allocation.pk).update(blinding=True, revealed_at=None)
    path = f"/fhir/r4/CarePlan/{allocation.plan_id}"

    def design(headers) -> set[str]:
        plan = client.get(path, **headers).json()
        return {part["url"] for part in _part_of(plan, "split-body")["extension"]}

    practitioner = bearer(world.members["practitioner"], world.clinic)
    assert "treated-side" in design(practitioner)
    assert "treated-side" not in design(clinics["source"])  # the owner is blinded too
    exported = _everything(client, clinics["source"], clinics["patients"])
    response = _post(client, clinics["target"], _collection(exported))
    assert response.status_code == 200, response.content[:2000]
    said = [i["diagnostics"] for i in response.json()["issue"]]
    assert any("hidden from whoever exported the plan" in text for text in said), said
    empty = clinics["empty"]
    assert not SplitBodyAllocation.objects.for_clinic(empty).exists()
    assert TreatmentPlan.objects.for_clinic(empty).count() == 2


def _part_of(resource: dict[str, Any], name: str) -> dict[str, Any]:
    url = codes.extension_url(name)
    return next(item for item in resource["extension"] if item["url"] == url)
