"""How a fact's verification mark and source appear: an unverified fact is labelled so."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("catalogue/_mark.html")
def mark(verification: str) -> dict[str, Any]:
    return {"verification": verification}


@register.inclusion_tag("catalogue/_cite.html")
def cite(source: Any) -> dict[str, Any]:
    return {"source": source}
