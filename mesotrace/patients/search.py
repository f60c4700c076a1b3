"""Patient search by name, date of birth or phone, answered from indexes, never by a scan.

Names and phones are kept as normalised keys (lowercase ASCII letters and digits);
a prefix becomes a range on a key, which both SQLite and PostgreSQL answer from a
B-tree index whatever the database's collation. Every word of a name is indexed on
its own, so "Dominguez" finds "Alonso Domínguez" and "Le Gall" finds "Le Gall".
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import TYPE_CHECKING

from django.db.models import Q

if TYPE_CHECKING:
    from mesotrace.accounts.models import Clinic

MAX_QUERY = 100
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


def _prefix(field: str, key: str) -> Q:
    # key < key + chr(last + 1) bounds every string that starts with key.
    upper = key[:-1] + chr(ord(key[-1]) + 1)
    return Q(**{f"{field}__gte": key, f"{field}__lt": upper})


def parse_date(text: str) -> datetime.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def patient_query(text: str, clinic: Clinic) -> Q:
    """The filter for a search box entry; an empty entry matches everyone."""
    text = text.strip()[:MAX_QUERY]
    if not text:
        return Q()
    day = parse_date(text)
    if day is not None:
        return Q(date_of_birth=day)
    if not re.search(r"[^\d\s+().-]", text):
        digits = phone_key(text)
        if len(digits) >= 3:
            # Staff type the start of a number or its last digits; both come from an index.
            return _prefix("phone_key", digits) | _prefix("phone_rev", digits[::-1])
    return _name_query(text, clinic)


def _name_query(text: str, clinic: Clinic) -> Q:
    from mesotrace.patients.models import PatientNameWord

    query = Q()
    for word in text.split():
        key = name_key(word)
        if key:
            # Each typed word must start some word of the patient's names.
            owners = PatientNameWord.objects.filter(clinic=clinic).filter(_prefix("word", key))
            query &= Q(pk__in=owners.values("patient_id"))
    return query
