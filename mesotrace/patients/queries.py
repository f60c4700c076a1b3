"""Patient search by name, date of birth or phone, answered from indexes, never by a scan.

A prefix becomes a range on a normalised key (`rules`), which both SQLite and PostgreSQL
answer from a B-tree index. Every word of a name is indexed on its own, so "Dominguez"
finds "Alonso Domínguez" and "Le Gall" finds "Le Gall".
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from mesotrace.accounts.models import Clinic
from mesotrace.patients.models import Patient, PatientNameWord
from mesotrace.patients.rules import name_key, parse_date, phone_key

MAX_QUERY = 100


def _prefix(field: str, key: str) -> Q:
    # key < key + chr(last + 1) bounds every string that starts with key.
    upper = key[:-1] + chr(ord(key[-1]) + 1)
    return Q(**{f"{field}__gte": key, f"{field}__lt": upper})


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
    query = Q()
    for word in text.split():
        key = name_key(word)
        if key:
            # Each typed word must start some word of the patient's names.
            owners = PatientNameWord.objects.filter(clinic=clinic).filter(_prefix("word", key))
            query &= Q(pk__in=owners.values("patient_id"))
    return query


def search(clinic: Clinic, text: str) -> QuerySet[Patient]:
    """The clinic's patients a search box entry finds, in the model's order (family name)."""
    return Patient.objects.for_clinic(clinic).filter(patient_query(text, clinic))
