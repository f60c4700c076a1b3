"""The keys a patient is found by: names and phones normalised to lowercase ASCII letters and
digits, every word of a name on its own, and the date formats staff type.

Keys make a prefix search a range on an index, on SQLite and PostgreSQL alike, whatever the
database's collation (the search itself is in `queries`).
"""

from __future__ import annotations

import datetime
import re
import unicodedata

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")


def name_key(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", ascii_only.lower())


def name_words(*names: str) -> set[str]:
    """The keys a name is found by: each word, and each name written as one word."""
    words = {name_key(name) for name in names}
    for name in names:
        words.update(name_key(part) for part in re.split("[\\s\\-'\u2019.]+", name))
    return {word[:100] for word in words if word}


def phone_key(value: str) -> str:
    return re.sub(r"\D", "", value)


def parse_date(text: str) -> datetime.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
