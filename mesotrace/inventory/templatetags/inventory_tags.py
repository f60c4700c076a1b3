"""Volumes for people: `{{ lot.on_hand_ml|ml }}` shows 8.5, not 8.500."""

from decimal import Decimal, InvalidOperation

from django import template

from mesotrace.inventory.rules import ml as format_ml

register = template.Library()


@register.filter
def ml(value: object) -> str:
    try:
        return format_ml(Decimal(str(value)))
    except InvalidOperation:
        return ""
