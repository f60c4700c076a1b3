"""The evidence report's CSV opens in a French spreadsheet: semicolons, decimal commas that
read back as the same numbers as the English file's dots, and a byte-order mark."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from mesotrace.accounts.models import User
from tests.conftest import World, speaks
from tests.outcomes.builders import demo_cohort

pytestmark = pytest.mark.django_db(databases=["default"])


def _rows(client: Client, user: User, url: str, language: str, delimiter: str) -> list[list[str]]:
    speaks(user, language)
    body = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))


def test_french_evidence_csv_has_the_english_numbers_with_commas(
    world: World, client: Client
) -> None:
    _cohort, protocol = demo_cohort(world.clinic, patients=4)
    client.force_login(world.members["researcher"])
    url = f"/outcomes/evidence/protocols/{protocol.pk}/csv/"

    english = _rows(client, world.members["researcher"], url, "en", ",")
    french = _rows(client, world.members["researcher"], url, "fr", ";")

    value = english[0].index("value")
    assert len(french) == len(english) == 1 + 4 * 8
    english_values = [float(row[value]) for row in english[1:]]
    french_cells = [row[value] for row in french[1:]]
    assert not any("." in cell for cell in french_cells)
    assert any("," in cell for cell in french_cells)
    assert [float(cell.replace(",", ".")) for cell in french_cells] == english_values
