"""What every input must be, whatever the form or API operation: plain text, and dates a
clinic can mean.

Text is normalised to NFC and refuses control characters and the invisible characters that
reorder or hide what a reader sees (bidirectional overrides, zero-width spaces). Dates and
times must lie in the years a clinic works with; the pandas-based reports, the PDF and the
exports then never meet a date they cannot represent. Domain rules (a birth date not in the
future, a measurement not before birth) narrow these further in each app's services.
"""

from __future__ import annotations

import datetime
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mesotrace.core import formats

# The years any date a person enters may fall in: the oldest living patient's birth to a
# lot's far expiry, well inside what pandas' timestamps hold (1677 to 2262).
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2199, 12, 31)
# Kept in names of Persian and Indic scripts, where they shape letters: ZWNJ and ZWJ.
_JOINERS = {"\u200c", "\u200d"}
_LINE_BREAKS = {"\n", "\r", "\t"}


def _refused(char: str, multiline: bool) -> bool:
    category = unicodedata.category(char)
    if category == "Cc":
        return not (multiline and char in _LINE_BREAKS)
    # Cf: bidirectional overrides and isolates, zero-width spaces, the byte-order mark.
    return category in {"Cf", "Cs", "Co", "Cn"} and char not in _JOINERS


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why a text cannot be stored, or None. Line breaks and tabs only in multi-line text."""
    for char in value:
        if _refused(char, multiline):
            if char in _LINE_BREAKS:
                return _("This field is one line: remove the line break or tab.")
            return _("Remove the invisible or control character U+%(code)04X.") % {
                "code": ord(char)
            }
    return None


def clean_text(value: str, *, multiline: bool = False) -> str:
    """The text in NFC with Windows line breaks made plain; ValueError with the reason."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n")
    problem = text_problem(text, multiline=multiline)
    if problem:
        raise ValueError(problem)
    return text


def plausible_days() -> tuple[datetime.date, datetime.date]:
    """The first and last day a stored date may be read as, for reading code: a row older
    than today's validation (0001-01-01, 9999-12-31) is left out of a report, never met by
    arithmetic that cannot represent it."""
    return EARLIEST, LATEST


def plausible_times() -> tuple[datetime.datetime, datetime.datetime]:
    """`plausible_days` as aware times, for filters on date-time columns."""
    return (
        datetime.datetime.combine(EARLIEST, datetime.time.min, datetime.UTC),
        datetime.datetime.combine(LATEST, datetime.time.max, datetime.UTC),
    )


def date_problem(value: datetime.date | datetime.datetime) -> str | None:
    """Why a date or time is outside the years a clinic works with, or None."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if day < EARLIEST or day > LATEST:
        return _("Enter a date between %(first)s and %(last)s.") % {
            "first": formats.day(EARLIEST),
            "last": formats.day(LATEST),
        }
    return None


def check_date(field: str, value: datetime.date | datetime.datetime | None) -> None:
    """For services: a ValidationError naming the field when the date is out of range."""
    problem = date_problem(value) if value is not None else None
    if problem:
        raise ValidationError({field: problem})
