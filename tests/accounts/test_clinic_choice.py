"""A member of two clinics chooses one, and then sees that clinic's records and no other's."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from mesotrace.accounts import services as accounts
from mesotrace.accounts.models import Clinic, User
from mesotrace.audit.models import AuditAction, AuditEvent
from tests.conftest import SYSTEM, World, make_clinic, make_patient

CHOOSE = "/accounts/clinic/"


@pytest.fixture
def locum(world: World) -> User:
    """The alpha practitioner also covers sessions at beta."""
    practitioner = world.members["practitioner"]
    accounts.add_member(SYSTEM, world.other_clinic, email=practitioner.email, role="practitioner")
    return practitioner


@pytest.fixture
def records(world: World) -> None:
    make_patient(world.clinic, family_name="Alphonse")
    make_patient(world.other_clinic, family_name="Betancourt")


def choose(client: Client, clinic: Clinic) -> None:
    response = client.post(CHOOSE, {"clinic": str(clinic.pk)})
    assert response.status_code == 302
    assert response["Location"] == "/"


def switches(user: User) -> list[Clinic | None]:
    events = AuditEvent.objects.filter(actor=user, action=AuditAction.CLINIC_SWITCH)
    return [event.clinic for event in events.order_by("at", "id")]


def test_member_of_two_clinics_is_asked_to_choose(
    world: World, locum: User, login: Callable[[User], Client]
) -> None:
    client = login(locum)
    assert client.get("/")["Location"] == CHOOSE
    assert client.get("/patients/")["Location"] == CHOOSE
    page = client.get(CHOOSE).content.decode()
    assert "Clinic alpha" in page
    assert "Clinic beta" in page


def test_member_of_one_clinic_goes_straight_to_it(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.members["nurse"])
    home = client.get("/")
    assert home.status_code == 200
    assert "Clinic alpha" in home.content.decode()


def test_choosing_a_clinic_shows_its_patients_only(
    world: World, locum: User, records: None, login: Callable[[User], Client]
) -> None:
    client = login(locum)
    choose(client, world.other_clinic)
    assert "<h1>Clinic beta</h1>" in client.get("/").content.decode()
    patients = client.get("/patients/").content.decode().lower()
    assert "betancourt" in patients
    assert "alphonse" not in patients


def test_switching_back_shows_the_first_clinic_again(
    world: World, locum: User, records: None, login: Callable[[User], Client]
) -> None:
    client = login(locum)
    choose(client, world.other_clinic)
    choose(client, world.clinic)
    assert "<h1>Clinic alpha</h1>" in client.get("/").content.decode()
    patients = client.get("/patients/").content.decode().lower()
    assert "alphonse" in patients
    assert "betancourt" not in patients


def test_switching_clinic_is_audited_in_the_chosen_clinic(
    world: World, locum: User, login: Callable[[User], Client]
) -> None:
    client = login(locum)
    choose(client, world.other_clinic)
    choose(client, world.clinic)
    assert switches(locum) == [world.other_clinic, world.clinic]


def test_nobody_can_choose_a_clinic_they_do_not_belong_to(
    world: World, locum: User, records: None, login: Callable[[User], Client]
) -> None:
    gamma = make_clinic("gamma")
    make_patient(gamma, family_name="Gamache")
    client = login(locum)
    choose(client, world.clinic)
    response = client.post(CHOOSE, {"clinic": str(gamma.pk)})
    assert response.status_code == 200
    assert "Choose one of your clinics." in response.content.decode()
    assert "Clinic gamma" not in response.content.decode()
    assert "<h1>Clinic alpha</h1>" in client.get("/").content.decode()
    assert "gamache" not in client.get("/patients/").content.decode().lower()
    assert switches(locum) == [world.clinic]


def test_outsider_cannot_slip_into_another_clinic(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.outsider)
    client.post(CHOOSE, {"clinic": str(world.clinic.pk)})
    assert "<h1>Clinic beta</h1>" in client.get("/").content.decode()
    assert switches(world.outsider) == []


def test_a_deactivated_membership_can_no_longer_be_chosen(
    world: World, locum: User, login: Callable[[User], Client]
) -> None:
    client = login(locum)
    choose(client, world.other_clinic)
    locum.memberships.filter(clinic=world.other_clinic).update(is_active=False)
    assert "<h1>Clinic alpha</h1>" in client.get("/").content.decode()
    response = client.post(CHOOSE, {"clinic": str(world.other_clinic.pk)})
    assert response.status_code == 200
    assert "Clinic beta" not in response.content.decode()


@pytest.mark.parametrize("value", ["", "beta", "-1", "²", "99999999999999999999999"])
def test_a_malformed_choice_is_refused_politely(
    world: World, locum: User, login: Callable[[User], Client], value: str
) -> None:
    client = login(locum)
    response = client.post(CHOOSE, {"clinic": value})
    assert response.status_code == 200
    assert "Choose one of your clinics." in response.content.decode()
    assert client.get("/")["Location"] == CHOOSE
