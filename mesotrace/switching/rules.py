"""Reading another system's CSV export: its encoding and separator, which column is which
field, and each row checked on its own.

Pure: bytes and text in, rows and their problems out. A problem stops the whole file; a
warning (an allergy no catalogue substance matches) is shown and the row still imports.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mesotrace.core.inputs import date_problem, text_problem
from mesotrace.patients.rules import name_key

MAX_BYTES = 5 * 1024 * 1024
# A file is one transaction: on SQLite it holds the write lock while it imports (about 45 s
# per 1,000 rows on two cores), so a larger export is split into several files.
MAX_ROWS = 2_000
IGNORED = ""

# Mesotrace's fields a column can fill, in the order the mapping form lists them.
FIELDS: dict[str, Promise] = {
    "external_id": gettext_lazy("Identifier in the previous system"),
    "record_number": gettext_lazy("Record number in the previous system"),
    "family_name": gettext_lazy("Family name"),
    "given_name": gettext_lazy("Given name"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "sex": gettext_lazy("Sex"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("Email"),
    "address": gettext_lazy("Address"),
    "allergies": gettext_lazy("Allergies"),
    "medications": gettext_lazy("Medications"),
    "medical_history": gettext_lazy("Medical history"),
    "past_treatments": gettext_lazy("Past treatments (added to the medical history)"),
    "measured_on": gettext_lazy("Date of the measurements"),
    "body-weight": gettext_lazy("Weight (kg)"),
    "waist-circumference": gettext_lazy("Waist circumference (cm)"),
    "hip-circumference": gettext_lazy("Hip circumference (cm)"),
    "body-fat-percent": gettext_lazy("Body fat (%)"),
}
MEASUREMENTS = {
    "body-weight": "kg",
    "waist-circumference": "cm",
    "hip-circumference": "cm",
    "body-fat-percent": "%",
}
_LIMITS = {
    "external_id": 100,
    "record_number": 100,
    "family_name": 100,
    "given_name": 100,
    "phone": 32,
    "address": 300,
}

# Header names, as `name_key` writes them (lowercase ASCII, no spaces or accents), in English
# and French, that say which field a column holds.
_HEADERS: dict[str, set[str]] = {
    "external_id": {"id", "identifiant", "patientid", "idpatient", "externalid", "uuid"},
    "record_number": {
        "recordnumber",
        "record",
        "ndossier",
        "nodossier",
        "numerodossier",
        "numerodedossier",
        "dossier",
        "mrn",
        "chartnumber",
        "fileno",
    },
    "family_name": {
        "nom",
        "nomdefamille",
        "nomdusage",
        "nomdenaissance",
        "familyname",
        "lastname",
        "surname",
    },
    "given_name": {"prenom", "prenoms", "givenname", "firstname", "forename"},
    "date_of_birth": {
        "datedenaissance",
        "datenaissance",
        "naissance",
        "nele",
        "neele",
        "ddn",
        "dateofbirth",
        "birthdate",
        "dob",
        "birthday",
    },
    "sex": {"sexe", "sex", "gender", "genre"},
    "phone": {
        "telephone",
        "tel",
        "telephoneportable",
        "portable",
        "mobile",
        "phone",
        "phonenumber",
        "telephonenumber",
    },
    "email": {"email", "mail", "courriel", "adresseemail", "adressemail", "emailaddress"},
    "address": {"adresse", "adressepostale", "address", "postaladdress"},
    "allergies": {"allergies", "allergie", "allergiesconnues", "allergy", "knownallergies"},
    "medications": {
        "medicaments",
        "medicament",
        "traitementencours",
        "traitementsencours",
        "traitementactuel",
        "medications",
        "medication",
        "currentmedications",
        "drugs",
    },
    "medical_history": {
        "antecedents",
        "antecedentsmedicaux",
        "historiquemedical",
        "medicalhistory",
        "history",
        "pastmedicalhistory",
    },
    "past_treatments": {
        "traitementsanterieurs",
        "soinsanterieurs",
        "seancesanterieures",
        "pasttreatments",
        "previoustreatments",
    },
    "measured_on": {
        "datedemesure",
        "datemesure",
        "datedesmesures",
        "measuredon",
        "measurementdate",
        "dateofmeasurement",
    },
    "body-weight": {"poids", "poidskg", "weight", "weightkg", "bodyweight"},
    "waist-circumference": {"tourdetaille", "tourdetaillecm", "waist", "waistcm"},
    "hip-circumference": {"tourdehanches", "tourdehanchescm", "hanches", "hip", "hips", "hipcm"},
    "body-fat-percent": {"massegrasse", "massegrassepourcent", "bodyfat", "bodyfatpercent", "fat"},
}

_SEXES = {
    "female": {"f", "femme", "feminin", "female", "woman", "w", "mme", "madame"},
    "male": {"m", "h", "homme", "masculin", "male", "man", "mr", "monsieur"},
    "other": {"autre", "other", "x", "nonbinaire", "nonbinary"},
    "unknown": {"", "inconnu", "nonprecise", "nonrenseigne", "unknown", "u", "nr", "nc"},
}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_LIST_SEPARATORS = re.compile(r"[;,|\n]+")
_DOSE = re.compile(r"^(?P<name>.*?)\s+(?P<dose>\d[\d.,]*\s*(?:mg|g|µg|mcg|ui|iu|ml|%)\b.*)$", re.I)
_PHONE = re.compile(r"[0-9+() .-]*")
_ENCODINGS = (("utf-8", "UTF-8"), ("cp1252", "Windows-1252"), ("latin-1", "Latin-1"))


class Unreadable(Exception):
    """The file as a whole cannot be read: its reason, for the `file` field."""


@dataclass(frozen=True)
class Table:
    encoding: str
    delimiter: str
    headers: list[str]
    rows: list[list[str]]


def too_large(size: int) -> str:
    return _("The file is %(size)s MB; at most %(limit)s MB can be imported at once: split it.") % {
        "size": f"{size / 1024 / 1024:.1f}",
        "limit": MAX_BYTES // 1024 // 1024,
    }


def decode(raw: bytes) -> tuple[str, str]:
    """The text and the encoding's name: UTF-8 (with or without its byte-order mark), else
    Windows-1252, the Latin-1 superset French spreadsheets save in."""
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "UTF-8 (BOM)"
        except UnicodeDecodeError:
            raise Unreadable(_("The file starts as UTF-8 but is not UTF-8.")) from None
    for codec, label in _ENCODINGS:
        try:
            return raw.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise Unreadable(_("The file's encoding is not UTF-8, Windows-1252 or Latin-1."))


def sniff_delimiter(text: str) -> str:
    """`;` or `,` (a tab too): the one the header line holds most of, outside quotes."""
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=";,\t").delimiter
    except csv.Error:
        counts = {sep: first.count(sep) for sep in ";,\t"}
        return max(counts, key=lambda sep: counts[sep])


def read_table(raw: bytes) -> Table:
    """The file's header and rows; `Unreadable` when it is too large, empty or not CSV."""
    if len(raw) > MAX_BYTES:
        raise Unreadable(too_large(len(raw)))
    text, encoding = decode(raw)
    return table_of(text, encoding)


def table_of(text: str, encoding: str) -> Table:
    """The header and rows of decoded text; `Unreadable` when it is empty or not CSV."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise Unreadable(_("The file holds NUL characters: it is not a CSV text file."))
    if not text.strip():
        raise Unreadable(_("The file is empty."))
    delimiter = sniff_delimiter(text)
    try:
        lines = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise Unreadable(_("The file is not valid CSV: %(reason)s.") % {"reason": error}) from None
    headers = [cell.strip() for cell in lines[0]]
    rows = [row for row in lines[1:] if any(cell.strip() for cell in row)]
    _check_shape(headers, rows)
    return Table(encoding, delimiter, headers, rows)


def _check_shape(headers: list[str], rows: list[list[str]]) -> None:
    if len(headers) < 2:
        raise Unreadable(_("The first line must name the columns, separated by ; or ,."))
    for header in headers:
        if headers.count(header) > 1:
            raise Unreadable(_("Two columns are named “%(name)s”: rename one.") % {"name": header})
        problem = text_problem(header)
        if problem:
            raise Unreadable(
                _("Column “%(name)s”: %(problem)s") % {"name": header, "problem": problem}
            )
    if not rows:
        raise Unreadable(_("The file has a header line but no rows."))
    if len(rows) > MAX_ROWS:
        raise Unreadable(
            _("The file has %(rows)s rows; at most %(limit)s can be imported at once: split it.")
            % {"rows": len(rows), "limit": MAX_ROWS}
        )


def guess_columns(headers: Sequence[str], saved: Mapping[str, str]) -> dict[str, str]:
    """Header → field: the clinic's saved mapping first, then the header's own name; each
    field once, the leftmost column winning; a column no field fits is ignored."""
    columns: dict[str, str] = {}
    for header in headers:
        choice = saved.get(header)
        if choice is None:
            key = name_key(header)
            choice = next((f for f, names in _HEADERS.items() if key in names), IGNORED)
        if choice and choice in columns.values():
            choice = IGNORED
        columns[header] = choice if choice in FIELDS or choice == IGNORED else IGNORED
    return columns


def mapping_problems(headers: Sequence[str], columns: Mapping[str, str]) -> list[tuple[str, str]]:
    """What a mapping lacks or repeats, as (field, reason)."""
    problems = []
    for header, choice in columns.items():
        if header not in headers:
            problems.append((header, _("The file has no column of this name.")))
        elif choice and choice not in FIELDS:
            problems.append((header, _("Unknown field “%(field)s”.") % {"field": choice}))
    chosen = [choice for choice in columns.values() if choice]
    for choice in sorted({c for c in chosen if chosen.count(c) > 1}):
        problems.append((choice, _("Two columns are mapped to this field.")))
    for needed in ("family_name", "given_name", "date_of_birth"):
        if needed not in chosen:
            problems.append((needed, _("Map a column to %(field)s.") % {"field": FIELDS[needed]}))
    measured = [m for m in MEASUREMENTS if m in chosen]
    if measured and "measured_on" not in chosen:
        problems.append(("measured_on", _("Measurements need the column of their date.")))
    return problems


@dataclass(frozen=True)
class Medication:
    name: str
    dose: str


@dataclass
class Row:
    """One data row as Mesotrace fields, with its problems and warnings, each (field, reason).
    `line` is the file's line number (the header is line 1)."""

    line: int
    external_id: str = ""
    record_number: str = ""
    family_name: str = ""
    given_name: str = ""
    date_of_birth: datetime.date | None = None
    sex: str = "unknown"
    phone: str = ""
    email: str = ""
    address: str = ""
    allergies: list[str] = field(default_factory=list)
    medications: list[Medication] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    measured_on: datetime.date | None = None
    measurements: dict[str, float] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        """The old system's identifiers of this row, as `ImportedPatient` keys."""
        found = [f"id:{self.external_id}"] if self.external_id else []
        if self.record_number and self.date_of_birth:
            found.append(f"record:{self.record_number}|{self.date_of_birth.isoformat()}")
        return found


def parse_date(text: str) -> datetime.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_rows(table: Table, columns: Mapping[str, str], today: datetime.date) -> list[Row]:
    """Every row read through the mapping; a repeated identifier is a problem of the later row."""
    place = {choice: table.headers.index(h) for h, choice in columns.items() if choice}
    rows = [_row(line, cells, place, columns, today) for line, cells in _numbered(table)]
    _mark_repeats(rows)
    return rows


def _numbered(table: Table) -> list[tuple[int, list[str]]]:
    return [(index + 2, cells) for index, cells in enumerate(table.rows)]


def _row(
    line: int,
    cells: list[str],
    place: Mapping[str, int],
    columns: Mapping[str, str],
    today: datetime.date,
) -> Row:
    row = Row(line)
    header_of = {choice: header for header, choice in columns.items() if choice}
    for name, index in place.items():
        value = cells[index].strip() if index < len(cells) else ""
        problem = text_problem(value, multiline=name in {"medical_history", "past_treatments"})
        if problem:
            row.problems.append((name, problem))
            continue
        _read(row, name, value, header_of[name], today)
    faulty = {name for name, _reason in row.problems}
    for needed in ("family_name", "given_name"):
        if not getattr(row, needed) and needed not in faulty:
            row.problems.append((needed, _("%(field)s is missing.") % {"field": FIELDS[needed]}))
    if row.date_of_birth is None and "date_of_birth" not in faulty:
        row.problems.append(("date_of_birth", _("The date of birth is missing.")))
    if row.measurements and row.measured_on is None and "measured_on" in place:
        row.problems.append(("measured_on", _("The measurements need their date.")))
    return row


def _read(row: Row, name: str, value: str, header: str, today: datetime.date) -> None:
    if name in _LIMITS and len(value) > _LIMITS[name]:
        reason = _("At most %(n)s characters.") % {"n": _LIMITS[name]}
        row.problems.append((name, reason))
    elif name == "phone" and not _PHONE.fullmatch(value):
        row.problems.append((name, _("Use digits, spaces and + ( ) . - only.")))
    elif name in {"date_of_birth", "measured_on"}:
        _read_date(row, name, value, today)
    elif name == "sex":
        _read_sex(row, value)
    elif name == "email":
        _read_email(row, value)
    elif name == "allergies":
        row.allergies = _items(value, 200, row, name)
    elif name == "medications":
        row.medications = [_medication(item) for item in _items(value, 200, row, name)]
    elif name in {"medical_history", "past_treatments"}:
        if value:
            row.history.append(value if name == "medical_history" else f"{header}: {value}")
    elif name in MEASUREMENTS:
        _read_number(row, name, value)
    else:
        setattr(row, name, value)


def _read_date(row: Row, name: str, value: str, today: datetime.date) -> None:
    if not value:
        return
    day = parse_date(value)
    if day is None:
        reason = _("“%(value)s” is not a date: write it 2024-03-31 or 31/03/2024.")
        row.problems.append((name, reason % {"value": value}))
        return
    problem = date_problem(day)
    if problem is None and day > today:
        problem = _("The date cannot be in the future.")
    if problem:
        row.problems.append((name, problem))
    else:
        setattr(row, name, day)


def _read_sex(row: Row, value: str) -> None:
    key = name_key(value)
    found = next((sex for sex, names in _SEXES.items() if key in names), None)
    if found is None:
        reason = _("Unknown sex “%(value)s”: use F, M, other or leave it empty.")
        row.problems.append(("sex", reason % {"value": value}))
    else:
        row.sex = found


def _read_email(row: Row, value: str) -> None:
    if not value:
        return
    try:
        validate_email(value)
    except ValidationError:
        row.problems.append(
            ("email", _("“%(value)s” is not an e-mail address.") % {"value": value})
        )
    else:
        row.email = value


def _read_number(row: Row, name: str, value: str) -> None:
    if not value:
        return
    try:
        row.measurements[name] = float(value.replace(",", ".").replace(" ", ""))
    except ValueError:
        row.problems.append((name, _("“%(value)s” is not a number.") % {"value": value}))


def _items(value: str, limit: int, row: Row, name: str) -> list[str]:
    items = [item.strip() for item in _LIST_SEPARATORS.split(value) if item.strip()]
    for item in items:
        if len(item) > limit:
            row.problems.append((name, _("At most %(n)s characters per item.") % {"n": limit}))
    return items


def _medication(item: str) -> Medication:
    found = _DOSE.match(item)
    if found is None:
        return Medication(item, "")
    return Medication(found["name"].strip(), found["dose"].strip()[:100])


def _mark_repeats(rows: list[Row]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        for name in ("external_id", "record_number"):
            value = getattr(row, name)
            if not value:
                continue
            first = seen.setdefault(f"{name}:{value}", row.line)
            if first != row.line:
                reason = _("“%(value)s” is also on line %(line)s.")
                row.problems.append((name, reason % {"value": value, "line": first}))
