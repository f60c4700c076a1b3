"""How outcome pages write statistics: p values as people read them."""

from __future__ import annotations

from django import template

from mesotrace.outcomes.rules import show_p

register = template.Library()


@register.filter
def p_value(value: float | None) -> str:
    """0.00002 -> "< 0.001"; 0.0312 -> "0.031"; nothing -> ""."""
    return show_p(value)
