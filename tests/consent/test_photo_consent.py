"""A patient's photo consent: recorded, valid until it expires or is withdrawn with a reason."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from mesotrace.consent.models import PhotoConsent
from mesotrace.consent.queries import valid_photo_consent
from mesotrace.consent.services import grant_photo_consent, withdraw_photo_consent
from tests.conftest import SYSTEM, World, make_patient

TODAY = datetime.date.today()


def test_a_consent_is_valid_until_it_expires(world: World) -> None:
    patient = make_patient(world.clinic)
    grant_photo_consent(SYSTEM, patient, "clinical_record", expires_on=TODAY)
    assert valid_photo_consent(patient, TODAY) is not None
    assert valid_photo_consent(patient, TODAY + datetime.timedelta(days=1)) is None


def test_a_withdrawal_needs_a_reason_and_ends_the_consent(world: World) -> None:
    patient = make_patient(world.clinic)
    consent = grant_photo_consent(SYSTEM, patient, "clinical_record")
    with pytest.raises(ValidationError):
        withdraw_photo_consent(SYSTEM, consent, "  ")
    withdraw_photo_consent(SYSTEM, consent, "No longer wishes to be photographed")
    assert valid_photo_consent(patient, TODAY) is None


def test_the_consent_page_records_and_withdraws(world: World, login: Callable[..., Client]) -> None:
    patient = make_patient(world.clinic)
    client = login(world.members["nurse"])
    url = f"/consent/patients/{patient.pk}/photos/"
    assert "No photo consent recorded" in client.get(url).content.decode()

    assert client.post(url, {"scope": "clinical_record"}).status_code == 302
    consent = PhotoConsent.objects.get()
    withdraw = f"/consent/photo-consents/{consent.pk}/withdraw/"
    assert client.post(withdraw, {"withdrawn_reason": "Asked by phone"}).status_code == 302

    consent.refresh_from_db()
    assert consent.withdrawn_reason == "Asked by phone"
    assert "Withdrawn" in client.get(url).content.decode()
    assert login(world.outsider).get(url).status_code == 404
