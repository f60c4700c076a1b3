"""Money, numbers, dates and CSV files written the way the reader's language writes them.

Pages, PDFs and e-mails take the active language (`django.utils.translation`); the clinic's
time zone is already active per request. Money comes from Babel (CLDR): "1 200,00 €" in
French, "$1,200.00" in English. CSV files follow what a spreadsheet in that language expects:
in French `;` between cells and a decimal comma, in English `,` and a dot; both start with a
UTF-8 byte-order mark so Excel reads accented names. Dates in a CSV are always ISO 8601
(YYYY-MM-DD, times with their offset): a file outlives the language it was made in, and
09/03/1990 would be read as 3 September by an English spreadsheet.
"""

from __future__ import annotations

import csv
import datetime
import re
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import formats, timezone
from django.utils.translation import get_language, to_locale

BOM = "\ufeff"
# Spreadsheet programs run a cell that starts like a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_CHARS = set("0123456789+() .-")
_NUMBER = re.compile(r"(?:[<>] )?-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?")


def _babel_locale(language: str | None) -> Locale:
    try:
        return Locale.parse(to_locale(language or get_language() or "en"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


def money(
    amount: Decimal | float | int | str | None, currency: str, language: str | None = None
) -> str:
    """An amount in a currency as the language writes it; "" when there is no amount."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    return str(format_currency(value, currency, locale=_babel_locale(language)))


def number(value: Decimal | float | int, places: int | None = None) -> str:
    """A number with the language's decimal separator, no grouping: 72.5 is "72,5" in
    French. Without `places`, as short as the value allows (72.0 -> "72")."""
    if places is not None:
        return str(formats.number_format(value, decimal_pos=places, use_l10n=True))
    return f"{value:g}".replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))


def day(value: datetime.date | datetime.datetime | None, style: str = "SHORT_DATE_FORMAT") -> str:
    """A day as the language writes it: 09/03/1990 in French, 1990-03-09 in English
    (`mesotrace/locale/en/formats.py`); DATE_FORMAT gives "9 mars 1990"."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, style) if value is not None else ""


def moment(
    value: datetime.datetime | None, zone: str | None = None, style: str = "SHORT_DATETIME_FORMAT"
) -> str:
    """A time in `zone` (else the active one, the clinic's during a request), as the language
    writes it: 09/03/2026 14:30 in French, 2026-03-09 14:30 in English."""
    if value is None:
        return ""
    tz = zoneinfo.ZoneInfo(zone) if zone else None
    local = timezone.localtime(value, tz) if timezone.is_aware(value) else value
    return formats.date_format(local, style)


# --- CSV ------------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def _french(language: str | None) -> bool:
    return (language or get_language() or "en").split("-")[0] == "fr"


class SpreadsheetCsv:
    """One CSV dialect per language: French `;` and decimal comma, English `,` and dot."""

    def __init__(self, language: str | None = None, *, plain_phones: bool = False) -> None:
        # `plain_phones`: a cell of only a phone number's characters ("+33 6 12 34 56 78")
        # is left as it is, for call lists; elsewhere a leading + is quoted like any formula.
        self.plain_phones = plain_phones
        self.french = _french(language)
        self.delimiter = ";" if self.french else ","
        self.decimal = "," if self.french else "."

    def cell(self, value: Any) -> str:
        """A value as one safe cell: numbers in the language, dates ISO 8601, and text a
        spreadsheet will not run as a formula (CSV injection)."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, float | Decimal):
            return self._number(value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, datetime.date):  # datetime too: isoformat keeps the offset
            return value.isoformat()
        text = str(value)
        if _NUMBER.fullmatch(text):  # a number already written as text, as "-0.25" or "< 0.001"
            return text.replace(".", self.decimal)
        if text[:1] not in _FORMULA_START or (self.plain_phones and set(text) <= _PHONE_CHARS):
            return text
        return "'" + text

    def _number(self, value: float | Decimal) -> str:
        text = str(value)  # shortest round-trip form; numpy's floats too (their repr differs)
        if text.lower() in {"nan", "inf", "-inf", "infinity", "-infinity"}:
            return ""
        return text.replace(".", self.decimal)

    def row(self, values: Iterable[Any]) -> list[str]:
        return [self.cell(v) for v in values]

    def lines(self, header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
        """The byte-order mark and header line, then one line per row, as they are made."""
        writer = csv.writer(_Echo(), delimiter=self.delimiter)
        yield BOM + str(writer.writerow([str(h) for h in header]))
        for values in rows:
            yield str(writer.writerow(self.row(values)))

    def text(self, header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> str:
        return "".join(self.lines(header, rows))


def _download(response: HttpResponse | StreamingHttpResponse, filename: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"  # patient or clinic data


def csv_response(text: str, filename: str) -> HttpResponse:
    """A CSV download made in one piece: UTF-8, never cached."""
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    _download(response, filename)
    return response


def csv_stream(lines: Iterator[str], filename: str) -> StreamingHttpResponse:
    """A long CSV download sent as its lines are made."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    _download(response, filename)
    return response


def csv_header(
    fields: Sequence[str], titles: Mapping[str, Any], language: str | None = None
) -> list[str]:
    """The header line: in English the field names, the file's stable contract that scripts
    read; in French the columns' French titles (`titles` holds lazy translations)."""
    if not _french(language):
        return list(fields)
    return [str(titles.get(name, name)) for name in fields]
