"""Template filters for money and numbers in the reader's language (`mesotrace.core.formats`)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import template

from mesotrace.core import formats

register = template.Library()


@register.filter
def money(amount: Decimal | float | int | str | None, currency: str) -> str:
    """`{{ plan.total|money:plan.currency }}`: "1 200,00 €" in French, "$1,200.00" in English."""
    return formats.money(amount, currency)


@register.filter
def day(value: datetime.date | str | None) -> str:
    """`{{ fact.as_of|day }}`: a date, or one stored as ISO text, as the language writes it
    (09/03/2026 in French, 2026-03-09 in English)."""
    if not isinstance(value, str):
        return formats.day(value)
    try:
        return formats.day(datetime.date.fromisoformat(value))
    except ValueError:
        return value
