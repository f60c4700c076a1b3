"""French is offered only because it is complete: every message is translated, none is
fuzzy, every placeholder survives, and the catalogue holds exactly the strings the code
marks today (a string added without `make messages` fails here, not in front of a user)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUE = ROOT / "mesotrace" / "locale" / "fr" / "LC_MESSAGES" / "django.po"
IGNORED = [".venv", "node_modules", "tests", "bench", "artifacts", "var"]  # as `make messages`


def read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale="fr")


def ids(catalogue: Catalog) -> set[tuple[str, str | None]]:
    return {
        (m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalogue if m.id != ""
    }


def test_only_complete_languages_are_offered() -> None:
    assert [code for code, _ in settings.LANGUAGES] == ["en", "fr"]


def test_every_french_message_is_translated_and_none_is_fuzzy() -> None:
    catalogue = read(CATALOGUE)
    messages = [m for m in catalogue if m.id != ""]
    untranslated = [
        m.id for m in messages if not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    fuzzy = [m.id for m in messages if m.fuzzy]
    print(
        f"French catalogue: {len(messages)} messages, {len(messages) - len(untranslated)}"
        f" translated, {len(fuzzy)} fuzzy"
    )
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy[:10]}"


def test_every_placeholder_survives_translation() -> None:
    """Babel's checks: a %(name)s missing or added in French would break or crash the page."""
    problems = [
        f"{message.id!r}: {'; '.join(str(error) for error in errors)}"
        for message, errors in read(CATALOGUE).check()
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(
    shutil.which("xgettext") is None and os.environ.get("CI") != "true",
    reason="xgettext (Debian's gettext) is not installed: the catalogue cannot be re-extracted",
)
def test_the_catalogue_holds_exactly_the_marked_strings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # makemessages writes into the `locale` folder nearest each source file, so it runs on a
    # copy of the package: the committed catalogue is never touched by the test.
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT / "mesotrace",
        copy / "mesotrace",
        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"),
    )
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "mesotrace" / "locale"]):
        call_command(
            "makemessages",
            locale=["fr"],
            add_location="file",
            no_obsolete=True,
            ignore_patterns=IGNORED,
            verbosity=0,
        )
    fresh = copy / "mesotrace" / "locale" / "fr" / "LC_MESSAGES"
    committed, marked = ids(read(CATALOGUE)), ids(read(fresh / "django.po"))
    assert not marked - committed, (
        "Marked in the code but missing from the French catalogue (run `make messages` and "
        f"translate): {sorted(marked - committed, key=str)[:20]}"
    )
    assert not committed - marked, (
        f"In the catalogue but no longer in the code: {sorted(committed - marked, key=str)[:20]}"
    )
