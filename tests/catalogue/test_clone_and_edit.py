"""A clinic clones a shipped entry, adapts its copy and adds its own; every write is audited."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.catalogue.models import Compound, Protocol, Source
from tests.catalogue.builders import shipped_compound, shipped_protocol
from tests.conftest import World


def _formset(prefix: str, total: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "100",
    }


def test_cloning_a_compound_copies_its_facts_into_the_clinic(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    original = shipped_compound("phosphatidylcholine")
    response = client.post(f"/catalogue/compounds/{original.pk}/clone/")
    copy = Compound.objects.for_clinic(world.clinic).get()
    assert response.status_code == 302
    assert response["Location"] == f"/catalogue/compounds/{copy.pk}/edit/"
    assert (copy.cloned_from_id, copy.name) == (original.pk, original.name)
    for related in ("regulatory_statuses", "adverse_effects", "contraindications", "notes"):
        mine = getattr(copy, related).values_list("verification", "source_id")
        theirs = getattr(original, related).values_list("verification", "source_id")
        assert sorted(mine) == sorted(theirs), related
    assert set(copy.evidence_sources.all()) == set(original.evidence_sources.all())
    event = AuditEvent.objects.get(object_type="compound", object_id=str(copy.pk))
    assert event.details == {"cloned_from": original.pk, "shipped": True}
    assert event.actor == world.members["practitioner"]


def test_editing_the_copy_changes_it_not_the_original_and_is_audited(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    original = shipped_compound("lidocaine")
    client.post(f"/catalogue/compounds/{original.pk}/clone/")
    copy = Compound.objects.for_clinic(world.clinic).get()
    page = client.get(f"/catalogue/compounds/{copy.pk}/edit/")
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["evidence_sources"] = [str(pk) for pk in form["evidence_sources"].value()]
    data.update(name="Lidocaine 1% (our stock)", allergen_keywords="lidocaine, amide")
    data |= _formset("regulatory_statuses") | _formset("adverse_effects")
    data |= _formset("contraindications", 1) | {
        "contraindications-0-kind": "allergy",
        "contraindications-0-text": "Any amide anaesthetic allergy.",
        "contraindications-0-verification": "U",
    }
    response = client.post(f"/catalogue/compounds/{copy.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    copy.refresh_from_db()
    assert copy.name == "Lidocaine 1% (our stock)"
    assert [c.text for c in copy.contraindications.all()] == ["Any amide anaesthetic allergy."]
    assert copy.regulatory_statuses.count() == 0
    assert set(copy.evidence_sources.all()) == set(original.evidence_sources.all())
    original.refresh_from_db()
    assert original.name == "Lidocaine"
    assert original.contraindications.count() == 1
    change = AuditEvent.objects.get(object_type="compound", object_id=str(copy.pk), action="update")
    assert change.changes["name"] == {"before": "Lidocaine", "after": "Lidocaine 1% (our stock)"}


def test_cloning_a_protocol_copies_its_mix_zones_and_sources(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["owner"])
    original = shipped_protocol("low-back-pain-lidocaine-ketoprofen-methylprednisolone")
    client.post(f"/catalogue/protocols/{original.pk}/clone/")
    copy = Protocol.objects.for_clinic(world.clinic).get()
    assert copy.cloned_from == original
    assert copy.clinic == world.clinic
    assert list(copy.items.values_list("product_id", "note")) == list(
        original.items.values_list("product_id", "note")
    )
    assert set(copy.zones.all()) == set(original.zones.all())
    assert set(copy.sources.all()) == set(original.sources.all())
    client.post(f"/catalogue/protocols/{original.pk}/clone/")
    slugs = sorted(Protocol.objects.for_clinic(world.clinic).values_list("slug", flat=True))
    assert slugs == [original.slug, f"{original.slug}-2"]


def test_a_clinic_adds_its_own_source_and_protocol(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    response = client.post(
        "/catalogue/sources/new/",
        {"url": "https://example.org/our-protocol", "title": "Our written protocol"},
    )
    assert response.status_code == 302
    source = Source.objects.for_clinic(world.clinic).get()
    indication = shipped_protocol("hair-loss-minoxidil").indication
    product = shipped_protocol("hair-loss-minoxidil").items.get().product
    scalp = shipped_protocol("hair-loss-minoxidil").zones.get()
    data = {
        "name": "Our hair protocol",
        "indication": indication.pk,
        "procedure_type": "mesotherapy",
        "sessions": "8",
        "interval_days": "14",
        "schedule_source": source.pk,
        "schedule_verification": "V",
        "depth_mm_min": "1",
        "depth_mm_max": "2",
        "needle_gauge": "30",
        "needle_length_mm": "4",
        "technique": "nappage",
        "technique_verification": "U",
        "mix_verification": "U",
        "evidence_statement": "Our own protocol; no trial.",
        "evidence_verification": "U",
        "zones": [scalp.pk],
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "100",
        "items-0-product": product.pk,
        "items-0-share_percent": "100",
        "items-0-volume_ml_per_point": "0.1",
    }
    response = client.post("/catalogue/protocols/new/", data)
    assert response.status_code == 302, response.context["form"].errors
    protocol = Protocol.objects.for_clinic(world.clinic).get()
    assert (protocol.sessions, protocol.schedule_source) == (8, source)
    assert AuditEvent.objects.filter(
        object_type="protocol", object_id=str(protocol.pk), action="create"
    ).exists()
    assert AuditEvent.objects.filter(object_type="source", action="create").exists()
