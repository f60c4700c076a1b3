"""How a fact's verification mark and source appear (an unverified fact is labelled so), and
how a catalogue text shows when it is not in the page's language (labelled, never silently)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mesotrace.catalogue.models import text_and_language

register = template.Library()


@register.inclusion_tag("catalogue/_mark.html")
def mark(verification: str) -> dict[str, Any]:
    return {"verification": verification}


@register.inclusion_tag("catalogue/_cite.html")
def cite(source: Any) -> dict[str, Any]:
    return {"source": source}


def _page_language(language: str = "") -> str:
    return (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]


@register.simple_tag
def catalogue_text(text: str, language: str = "", page_language: str = "") -> SafeString:
    """`text`, which is in `language`; in another language than the page's it is marked with
    its own `lang` and labelled "not yet translated"."""
    if not language or language == _page_language(page_language):
        return format_html("{}", text or "")
    return format_html(
        '<span lang="{}">{}</span> <span class="badge untranslated">{}</span>',
        language,
        text,
        _("not yet translated"),
    )


@register.simple_tag
def translated(entry: models.Model | None, field: str) -> SafeString:
    """A catalogue entry's patient-facing `field` in the page's language, or its English text
    with its `lang` and the "not yet translated" label when the French is missing."""
    if entry is None:
        return format_html("")
    text, language = text_and_language(entry, field)
    return catalogue_text(text, language)
