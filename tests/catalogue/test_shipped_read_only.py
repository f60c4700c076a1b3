"""Shipped entries are read-only in every clinic: edits are refused and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.catalogue import services
from mesotrace.catalogue.models import Compound, Indication, Product, Protocol
from tests.catalogue.builders import shipped_compound, shipped_protocol
from tests.conftest import SYSTEM, World


def test_editing_a_shipped_compound_is_refused_and_changes_nothing(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["owner"])
    lidocaine = shipped_compound("lidocaine")
    events = AuditEvent.objects.count()
    page = client.get(f"/catalogue/compounds/{lidocaine.pk}/edit/")
    assert page.status_code == 403
    assert "read-only" in page.content.decode()
    response = client.post(
        f"/catalogue/compounds/{lidocaine.pk}/edit/",
        {"name": "Hacked", "compound_class": "other", "purpose": "x", "evidence_level": "high"},
    )
    assert response.status_code == 403
    lidocaine.refresh_from_db()
    assert lidocaine.name == "Lidocaine"
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("model", "url"),
    [
        (Product, "/catalogue/products/{}/edit/"),
        (Indication, "/catalogue/indications/{}/edit/"),
        (Protocol, "/catalogue/protocols/{}/edit/"),
    ],
)
def test_every_kind_of_shipped_entry_refuses_edits(
    world: World,
    login: Callable[[User], Client],
    model: type[Product | Indication | Protocol],
    url: str,
) -> None:
    client = login(world.members["practitioner"])
    entry = model.objects.shipped().first()
    assert entry is not None
    assert client.post(url.format(entry.pk), {"name": "Hacked"}).status_code == 403
    entry.refresh_from_db()
    assert entry.name != "Hacked"


def test_the_services_refuse_shipped_entries(world: World) -> None:
    procaine = shipped_compound("procaine")
    with pytest.raises(PermissionDenied):
        services.save_compound(
            SYSTEM, world.clinic, procaine, replace(services.CompoundInput.of(procaine), name="x")
        )
    protocol = shipped_protocol("gynoid-fat-pc-dc")
    with pytest.raises(PermissionDenied):
        services.save_protocol(
            SYSTEM, world.clinic, protocol, replace(services.ProtocolInput.of(protocol), sessions=1)
        )
    assert Compound.objects.shipped().get(slug="procaine").name == "Procaine"


def test_the_shipped_page_offers_clone_not_edit(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    lidocaine = shipped_compound("lidocaine")
    html = client.get(f"/catalogue/compounds/{lidocaine.pk}/").content.decode()
    assert f"/catalogue/compounds/{lidocaine.pk}/clone/" in html
    assert f"/catalogue/compounds/{lidocaine.pk}/edit/" not in html
