"""A file from another system is read whatever its encoding and separator, and its columns are
recognised by their English or French names."""

from __future__ import annotations

import datetime

import pytest

from mesotrace.switching import rules
from tests.conftest import World
from tests.switching.builders import ENGLISH, FRENCH, upload, utf8_bom, windows_1252


def test_utf8_with_bom_and_semicolons_is_read_without_the_mark() -> None:
    table = rules.read_table(utf8_bom(FRENCH))
    assert (table.encoding, table.delimiter) == ("UTF-8 (BOM)", ";")
    assert table.headers[0] == "N° dossier"  # no byte-order mark glued to the first header
    assert table.rows[0][1:3] == ["Lefèvre", "Hélène"]
    assert len(table.rows) == 3


def test_windows_1252_with_commas_keeps_accents_and_quoted_commas() -> None:
    text = ENGLISH.replace("Okafor", "Okafor-Lévêque")
    table = rules.read_table(windows_1252(text))
    assert (table.encoding, table.delimiter) == ("Windows-1252", ",")
    assert table.rows[0][2] == "Chidinma"
    assert table.rows[0][1] == "Okafor-Lévêque"
    assert table.rows[0][5] == "latex, iodine"


def test_plain_utf8_is_utf8() -> None:
    assert rules.read_table(FRENCH.encode("utf-8")).encoding == "UTF-8"


def test_french_headers_are_mapped_to_their_fields() -> None:
    table = rules.read_table(utf8_bom(FRENCH))
    columns = rules.guess_columns(table.headers, {})
    assert columns == {
        "N° dossier": "record_number",
        "Nom": "family_name",
        "Prénom": "given_name",
        "Date de naissance": "date_of_birth",
        "Sexe": "sex",
        "Téléphone": "phone",
        "Courriel": "email",
        "Allergies": "allergies",
        "Traitement en cours": "medications",
        "Antécédents": "medical_history",
        "Date de mesure": "measured_on",
        "Poids (kg)": "body-weight",
        "Tour de taille (cm)": "waist-circumference",
    }


def test_french_dates_and_values_are_read_day_first() -> None:
    table = rules.read_table(utf8_bom(FRENCH))
    columns = rules.guess_columns(table.headers, {})
    rows = rules.parse_rows(table, columns, datetime.date(2026, 1, 1))
    first, _second, third = rows
    assert first.date_of_birth == datetime.date(1972, 4, 3)
    assert first.sex == "female"
    assert third.sex == "female"
    assert third.date_of_birth == datetime.date(1991, 7, 30)  # ISO accepted too
    assert first.allergies == ["Lidocaïne", "pénicilline"]
    assert first.medications == [rules.Medication("Kardégic", "75 mg")]
    assert first.measurements == {"body-weight": 68.5, "waist-circumference": 84.0}
    assert first.measured_on == datetime.date(2024, 1, 15)
    assert all(not row.problems for row in rows)


def test_a_saved_mapping_wins_over_the_guess() -> None:
    columns = rules.guess_columns(["Nom", "Code"], {"Code": "external_id", "Nom": "family_name"})
    assert columns == {"Nom": "family_name", "Code": "external_id"}


def test_the_upload_keeps_how_it_was_read(world: World) -> None:
    done = upload(world, windows_1252(ENGLISH.replace("Quinn", "Quéré")), "old-system.csv")
    assert (done.encoding, done.delimiter, done.rows) == ("Windows-1252", ",", 2)
    assert done.columns["Patient ID"] == "external_id"
    assert done.columns["Gender"] == "sex"
    assert len(done.sha256) == 64


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "The file is empty."),
        (b"Nom;Prenom\n", "The file has a header line but no rows."),
        (b"\xef\xbb\xbfNom;\xff\n", "The file starts as UTF-8 but is not UTF-8."),
        ("Nom;Pr\u202eénom\nA;B\n".encode(), "Remove the invisible or control character U+202E."),
        (b"Nom;Nom\nA;B\n", "Two columns are named \u201cNom\u201d: rename one."),
        (b"Nom;Prenom\nA\x00;B\n", "The file holds NUL characters: it is not a CSV text file."),
    ],
)
def test_unreadable_files_say_why(raw: bytes, reason: str) -> None:
    with pytest.raises(rules.Unreadable) as refused:
        rules.read_table(raw)
    assert reason in str(refused.value)


def test_a_huge_file_is_refused_with_its_size() -> None:
    raw = b"Nom;Prenom;Date de naissance\n" + b"Durand;Camille;17/05/1984\n" * 250_000
    with pytest.raises(rules.Unreadable) as refused:
        rules.read_table(raw)
    assert str(refused.value) == (
        "The file is 6.2 MB; at most 5 MB can be imported at once: split it."
    )


def test_too_many_rows_are_refused_with_the_limit() -> None:
    raw = b"Nom;Prenom;Date de naissance\n" + b"Durand;Camille;17/05/1984\n" * 2_001
    with pytest.raises(rules.Unreadable) as refused:
        rules.read_table(raw)
    assert str(refused.value) == (
        "The file has 2001 rows; at most 2000 can be imported at once: split it."
    )
