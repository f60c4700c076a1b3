"""Absurd values in catalogue forms give a field error and save nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.catalogue.models import BodyZone, Compound, Indication, Product, Protocol
from tests.conftest import World


def _protocol_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Our protocol",
        "indication": Indication.objects.shipped().get(slug="hair-loss").pk,
        "procedure_type": "mesotherapy",
        "sessions": "6",
        "interval_days": "14",
        "schedule_verification": "U",
        "depth_mm_min": "1",
        "depth_mm_max": "2",
        "needle_gauge": "30",
        "needle_length_mm": "4",
        "technique": "nappage",
        "technique_verification": "U",
        "mix_verification": "U",
        "evidence_statement": "None.",
        "evidence_verification": "U",
        "zones": [BodyZone.objects.get(slug="scalp").pk],
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "100",
        "items-0-product": Product.objects.shipped().get(slug="minoxidil-2-generic").pk,
        "items-0-share_percent": "100",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sessions": "-3"}, "sessions"),
        ({"sessions": "0"}, "sessions"),
        ({"sessions": ""}, "sessions"),
        ({"interval_days": "-7"}, "interval_days"),
        ({"interval_days": "4000"}, "interval_days"),
        ({"depth_mm_max": "50"}, "depth_mm_max"),
        ({"depth_mm_min": "0.1"}, "depth_mm_min"),
        ({"depth_mm_min": "3", "depth_mm_max": "2"}, "depth_mm_max"),
        ({"needle_length_mm": "40"}, "needle_length_mm"),
        ({"needle_gauge": "5"}, "needle_gauge"),
        ({"schedule_verification": "V"}, "schedule_source"),
        ({"procedure_type": "approved_dc"}, "zones"),
        ({"indication": "999999"}, "indication"),
    ],
)
def test_absurd_protocol_values_are_form_errors_and_nothing_is_saved(
    world: World, login: Callable[[User], Client], changes: dict[str, str], field: str
) -> None:
    client = login(world.members["practitioner"])
    events = AuditEvent.objects.count()
    response = client.post("/catalogue/protocols/new/", _protocol_data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert "nothing was saved" in response.content.decode()
    assert not Protocol.objects.for_clinic(world.clinic).exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "item",
    [
        {"items-0-share_percent": "150"},
        {"items-0-share_percent": "-5"},
        {"items-0-volume_ml_per_point": "-0.1"},
        {"items-0-volume_ml_per_point": "25"},
    ],
)
def test_absurd_mix_values_are_refused(
    world: World, login: Callable[[User], Client], item: dict[str, str]
) -> None:
    client = login(world.members["owner"])
    response = client.post("/catalogue/protocols/new/", _protocol_data(**item))
    assert response.status_code == 200
    assert response.context["formsets"][0][1].total_error_count() == 1
    assert not Protocol.objects.for_clinic(world.clinic).exists()


def test_shares_adding_up_to_more_than_the_whole_mix_are_refused(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["owner"])
    data = _protocol_data(
        **{
            "items-TOTAL_FORMS": "2",
            "items-1-product": Product.objects.shipped().get(slug="dutasteride-generic").pk,
            "items-1-share_percent": "60",
        }
    )
    response = client.post("/catalogue/protocols/new/", data)
    assert response.status_code == 200
    assert "more than 100%" in response.content.decode()
    assert not Protocol.objects.for_clinic(world.clinic).exists()


def test_a_compound_marked_verified_needs_a_source(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    formsets = {
        f"{p}-{k}": v
        for p in ("regulatory_statuses", "adverse_effects", "contraindications")
        for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MAX_NUM_FORMS", "100"))
    }
    data = {
        "name": "Our vitamin",
        "compound_class": "vitamin",
        "atc_code": "A11GA01",
        "atc_verification": "V",
        "purpose": "A test.",
        "evidence_level": "none",
        "evidence_summary": "None.",
        "evidence_verification": "U",
        "max_dose_verification": "U",
        "max_dose_per_session": "-2",
        **formsets,
    }
    response = client.post("/catalogue/compounds/new/", data)
    errors = response.context["form"].errors
    assert "atc_source" in errors
    assert "max_dose_per_session" in errors
    assert not Compound.objects.for_clinic(world.clinic).exists()


def test_a_bad_atc_code_is_refused(world: World, login: Callable[[User], Client]) -> None:
    client = login(world.members["practitioner"])
    response = client.post(
        "/catalogue/compounds/new/", {"name": "X", "atc_code": "lidocaine", "atc_verification": "U"}
    )
    assert "atc_code" in response.context["form"].errors
    assert not Compound.objects.for_clinic(world.clinic).exists()


def test_cellulite_cannot_be_coded_as_cellulitis(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["practitioner"])
    response = client.post(
        "/catalogue/indications/new/",
        {
            "name": "Cellulite (thighs)",
            "purpose": "aesthetic",
            "icd10_code": "L03.1",
            "verification": "U",
        },
    )
    assert "icd10_code" in response.context["form"].errors
    assert not Indication.objects.for_clinic(world.clinic).exists()
