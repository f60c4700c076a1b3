"""The consent document and the portal are translatable: no sentence of their pages is
hard-coded outside Django's translation tags (English is the complete language)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import mesotrace

APP_DIR = Path(mesotrace.__file__).parent
TEMPLATES = sorted(
    path for app in ("consent", "portal") for path in (APP_DIR / app / "templates").rglob("*.html")
)
BRAND = {"Mesotrace"}


def _untranslated_words(template: str) -> list[str]:
    text = re.sub(r"<style.*?</style>", " ", template, flags=re.S)
    text = re.sub(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", " ", text, flags=re.S)
    text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", " ", text, flags=re.S)
    attributes = re.findall(r'(?:alt|title|aria-label|placeholder)="([^"]*)"', text)
    text = re.sub(r"<[^>]*>", " ", text, flags=re.S)
    words = re.findall(r"[A-Za-z]{2,}", " ".join([text, *attributes]))
    return [word for word in words if word not in BRAND]


def test_the_scan_finds_a_hard_coded_sentence() -> None:
    assert _untranslated_words('<p title="Close">Hello {{ name }}</p>') == ["Hello", "Close"]
    assert _untranslated_words("<p>{% translate 'Hello' %} {{ name }}</p>") == []


def test_templates_were_found() -> None:
    names = {path.name for path in TEMPLATES}
    assert {"document_body.html", "consent.html", "home.html", "refused.html"} <= names


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.name)
def test_every_sentence_on_the_page_is_marked_for_translation(path: Path) -> None:
    assert _untranslated_words(path.read_text()) == []
