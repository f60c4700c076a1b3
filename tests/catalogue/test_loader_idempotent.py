"""Loading the starter catalogue again changes nothing, keeps ids, and repairs shipped facts."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from mesotrace.audit.models import AuditEvent
from mesotrace.catalogue.models import (
    AdverseEffect,
    Compound,
    CompoundNote,
    Contraindication,
    Product,
    ProductComponent,
    Protocol,
    ProtocolItem,
    RegulatoryStatus,
    Source,
)
from mesotrace.catalogue.services import load_starter_catalogue

pytestmark = pytest.mark.django_db
MODELS = [
    Source,
    Compound,
    RegulatoryStatus,
    AdverseEffect,
    Contraindication,
    CompoundNote,
    Product,
    ProductComponent,
    Protocol,
    ProtocolItem,
]


def _census() -> dict[str, list[int]]:
    return {
        model.__name__: sorted(model._default_manager.values_list("pk", flat=True))
        for model in MODELS
    }


def test_loading_twice_changes_nothing() -> None:
    before = _census()  # the data migration already loaded it once
    load_starter_catalogue()
    load_starter_catalogue()
    assert _census() == before


def test_loading_again_restores_a_changed_fact_and_drops_a_stray_one() -> None:
    lidocaine = Compound.objects.shipped().get(slug="lidocaine")
    Compound.objects.filter(pk=lidocaine.pk).update(atc_code="X99XX99", name="Changed")
    AdverseEffect.objects.create(compound=lidocaine, term="Invented effect", verification="U")
    load_starter_catalogue()
    lidocaine.refresh_from_db()
    assert (lidocaine.name, lidocaine.atc_code) == ("Lidocaine", "N01BB02")
    assert not AdverseEffect.objects.filter(term="Invented effect").exists()


def test_the_command_loads_and_is_audited(capsys: pytest.CaptureFixture[str]) -> None:
    before = _census()
    call_command("catalogue_load")
    assert "33 compounds" in capsys.readouterr().out
    assert _census() == before
    event = AuditEvent.objects.filter(object_type="starter_catalogue").get()
    assert event.details["protocols"] == Protocol.objects.shipped().count()
