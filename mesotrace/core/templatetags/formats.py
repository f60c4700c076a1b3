"""Template filters for money and numbers in the reader's language (`mesotrace.core.formats`)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from mesotrace.core import formats

register = template.Library()


@register.filter
def money(amount: Decimal | float | int | str | None, currency: str) -> str:
    """`{{ plan.total|money:plan.currency }}`: "1 200,00 €" in French, "$1,200.00" in English."""
    return formats.money(amount, currency)
