"""The owner's import pages: upload, map the columns, preview every row, import; other roles
get 403 and another clinic's owner 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.patients.models import Patient
from mesotrace.switching.models import CsvImport, CsvMapping, ImportStatus
from tests.conftest import World
from tests.messaging.builders import run_worker
from tests.outcomes.builders import ensure_measurement_types
from tests.switching.builders import BAD_ROWS, FRENCH, upload, utf8_bom, windows_1252

Login = Callable[[User], Client]


def _send(client: Client, raw: bytes, name: str = "export.csv") -> Any:
    return client.post("/switching/", {"file": SimpleUploadedFile(name, raw, "text/csv")})


def test_owner_uploads_maps_previews_and_imports(world: World, login: Login) -> None:
    ensure_measurement_types()
    client = login(world.members["owner"])
    assert 'href="/switching/"' in client.get("/").content.decode()  # in the owner's navigation
    response = _send(client, windows_1252(FRENCH), "logiciel-precedent.csv")
    done = CsvImport.objects.get(clinic=world.clinic)
    assert response["Location"] == f"/switching/{done.pk}/"
    page = client.get(f"/switching/{done.pk}/").content.decode()
    assert "Windows-1252" in page
    assert '<option value="date_of_birth" selected>' in page
    headers = FRENCH.split("\r\n", 1)[0].split(";")
    columns = {f"column_{i}": done.columns[header] for i, header in enumerate(headers)}
    columns["column_9"] = ""  # the owner leaves the history out
    saved = client.post(f"/switching/{done.pk}/", columns)
    assert saved["Location"] == f"/switching/{done.pk}/preview/"
    assert CsvMapping.objects.get(clinic=world.clinic).columns["Antécédents"] == ""
    preview = client.get(f"/switching/{done.pk}/preview/").content.decode()
    assert "LEFÈVRE Hélène" in preview
    assert "“Poils de chat” matches no substance" in preview
    assert "Import 3 rows" in preview
    assert not Patient.objects.exists()  # a preview writes nothing
    queued = client.post(f"/switching/{done.pk}/import/", follow=True).content.decode()
    assert "The import is under way." in queued
    assert not Patient.objects.exists()
    run_worker()
    assert Patient.objects.for_clinic(world.clinic).count() == 3
    imported = client.get(f"/switching/{done.pk}/preview/").content.decode()
    assert "Imported on " in imported
    assert "<dt>New patients</dt><dd>3</dd>" in imported
    assert not Patient.objects.filter(medical_history__contains="Appendicectomie").exists()
    done.refresh_from_db()
    assert done.status == ImportStatus.IMPORTED
    assert done.imported_by == world.members["owner"]
    assert done.text == ""  # the file's copy goes once its rows are in the records
    assert client.get(f"/switching/{done.pk}/")["Location"] == f"/switching/{done.pk}/preview/"


def test_a_file_with_bad_rows_shows_them_and_offers_no_import(world: World, login: Login) -> None:
    client = login(world.members["owner"])
    _send(client, utf8_bom(BAD_ROWS))
    done = CsvImport.objects.get()
    page = client.get(f"/switching/{done.pk}/preview/").content.decode()
    assert "“31/02/1990” is not a date" in page
    assert "Unknown sex “Z”" in page
    assert "“B-3” is also on line 4." in page
    assert "The file cannot be imported while a row has a problem" in page
    assert "/import/" not in page
    refused = client.post(f"/switching/{done.pk}/import/").content.decode()
    assert "Nothing was imported" in refused
    assert not Patient.objects.exists()


def test_an_unreadable_file_is_refused_on_the_form(world: World, login: Login) -> None:
    client = login(world.members["owner"])
    response = _send(client, b"Nom;Prenom\n")
    assert response.status_code == 200
    assert "The file has a header line but no rows." in response.content.decode()
    huge = _send(
        client, b"Nom;Prenom;Date de naissance\n" + b"Durand;Camille;17/05/1984\n" * 250_000
    )
    assert "at most 5 MB can be imported at once: split it." in huge.content.decode()
    assert not CsvImport.objects.exists()


def test_another_clinics_import_pages_are_not_found(world: World, login: Login) -> None:
    done = upload(world, utf8_bom(FRENCH))
    client = login(world.outsider)
    for url in (f"/switching/{done.pk}/", f"/switching/{done.pk}/preview/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/switching/{done.pk}/import/").status_code == 404
    assert not Patient.objects.exists()


def test_a_practitioner_may_not_open_the_import(world: World, login: Login) -> None:
    done = upload(world, utf8_bom(FRENCH))
    client = login(world.members["practitioner"])
    assert client.get("/switching/").status_code == 403
    assert client.post(f"/switching/{done.pk}/import/").status_code == 403
    assert 'href="/switching/"' not in client.get("/").content.decode()
    assert not Patient.objects.exists()
