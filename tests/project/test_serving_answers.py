"""What a production server answers beyond the pages: the health probe over plain HTTP,
no cached copy of patient data anywhere, and a refusal logged as one plain line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

from mesotrace.accounts.models import User
from tests.conftest import World, make_patient

PRODUCTION_HTTPS = {
    "SECURE_SSL_REDIRECT": True,
    "ALLOWED_HOSTS": ["clinic.example.org"],
    "DEBUG": False,
}


@pytest.mark.django_db
def test_a_plain_http_probe_by_address_gets_the_health_answer_in_production() -> None:
    with override_settings(**PRODUCTION_HTTPS):
        probe = Client().get("/healthz", HTTP_HOST="10.1.2.3:8000")
        page = Client().get("/accounts/login/", HTTP_HOST="clinic.example.org")
    assert probe.status_code == 200
    assert probe.json()["status"] == "ok"
    assert page.status_code == 301
    assert page["Location"] == "https://clinic.example.org/accounts/login/"


@pytest.mark.django_db
def test_pages_still_refuse_an_unknown_host_in_production() -> None:
    with override_settings(**PRODUCTION_HTTPS):
        answer = Client().get("/accounts/login/", HTTP_HOST="evil.example.com", secure=True)
    assert answer.status_code == 400


@pytest.mark.django_db
def test_patient_pages_and_api_answers_are_never_cached(
    world: World,
    login: Callable[[User], Client],
    bearer: Callable[..., dict[str, Any]],
) -> None:
    patient = make_patient(world.clinic)
    owner = world.members["owner"]
    page = login(owner).get(f"/patients/{patient.pk}/")
    listing = login(owner).get("/patients/?q=durand")
    api = Client().get(f"/api/v1/patients/{patient.pk}", **bearer(owner, world.clinic))
    for answer in (page, listing, api):
        assert answer.status_code == 200
        assert "no-store" in answer["Cache-Control"]


@pytest.mark.django_db
def test_a_refusal_is_logged_as_one_line_without_a_traceback(
    world: World, login: Callable[[User], Client], caplog: pytest.LogCaptureFixture
) -> None:
    patient = make_patient(world.clinic)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        answer = login(world.members["auditor"]).get(f"/patients/{patient.pk}/")
    assert answer.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    line = logging.Formatter().format(record)
    assert line == f"Forbidden (Permission denied): /patients/{patient.pk}/"
    assert "Traceback" not in caplog.text
