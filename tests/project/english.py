"""Finds the English sentences a person would read on a page meant to be in another language.

A text is English when it holds at least two distinct English function words that are not
also French words ("the", "and", "with", "your"... but never "a", "on", "son", "plus",
"pour", "or", "an", "as"), or when it is exactly one of the English interface's messages
whose French differs. Names, codes, numbers, units and URLs hold no such words, so they
pass. Text inside an element with lang="en" (or "en-…") or translate="no" is skipped: a
French page shows English there on purpose, and says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

# English function words that are not also French words. Words are matched whole, accents
# included ("thé" is not "the"); "a", "on", "son", "plus", "pour", "or", "an", "as", "me",
# "de", "en", "in" (in vitro), "per" (per os), "ex", "tu", "us" (us et coutumes) are left out.
ENGLISH_WORDS = frozenset(
    {
        "the",
        "and",
        "of",
        "to",
        "with",
        "your",
        "this",
        "is",
        "are",
        "for",
        "not",
        "has",
        "have",
        "was",
        "were",
        "will",
        "from",
        "by",
        "be",
        "you",
        "it",
        "that",
        "which",
        "at",
        "no",
        "if",
        "can",
        "must",
        "should",
        "would",
        "could",
        "may",
        "been",
        "does",
        "do",
        "did",
        "what",
        "who",
        "whom",
        "how",
        "when",
        "where",
        "why",
        "all",
        "any",
        "each",
        "than",
        "then",
        "its",
        "his",
        "her",
        "they",
        "we",
        "them",
        "their",
        "there",
        "these",
        "those",
        "our",
        "into",
        "onto",
        "upon",
        "about",
        "after",
        "before",
        "over",
        "under",
        "only",
        "also",
        "yet",
        "being",
        "here",
        "please",
        "click",
        "save",
        "cancel",
        "delete",
        "edit",
        "add",
        "new",
        "yes",
        "don't",
        "can't",
        "isn't",
        "won't",
        "it's",
        "you're",
        "doesn't",
    }
)

WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")  # whole words: "thé" is not "the"
HUMAN_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
SKIPPED_ELEMENTS = {"script", "style", "template"}
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
PO = Path(__file__).resolve().parents[2] / "mesotrace/locale/fr/LC_MESSAGES/django.po"


URL = re.compile(r"\b(?:https?://|www\.|mailto:)\S+|\S+@\S+\.\w+|/\S*")


def _english_words(text: str) -> set[str]:
    words = WORD.findall(URL.sub(" ", text))  # an address is not a sentence
    return {word.lower().replace("\u2019", "'") for word in words} & ENGLISH_WORDS


def _squash(text: str) -> str:
    return " ".join(text.split())


def interface_messages(po: Path = PO) -> dict[str, str]:
    """The English interface's messages (msgid → French, "" when not yet translated)."""
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalogue = read_po(source, locale="fr")
    found: dict[str, str] = {}
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, msgid in enumerate(ids):
            found[_squash(str(msgid))] = _squash(str(strings[min(index, len(strings) - 1)] or ""))
    return found


def is_english(text: str, messages: dict[str, str] | None = None) -> bool:
    text = _squash(text)
    if " " in text and len(_english_words(text)) >= 2:  # one token (a URL's slug) is no sentence
        return True
    if messages and text in messages:
        french = messages[text]
        return not french or french != text
    if messages:  # a message with placeholders, filled in ("Appointment at Clinic alpha")
        return any(pattern.fullmatch(text) for pattern in _templates(messages))
    return False


_TEMPLATES: dict[int, list[re.Pattern[str]]] = {}


def _templates(messages: dict[str, str]) -> list[re.Pattern[str]]:
    """The messages with placeholders whose French is missing or differs, as patterns; only
    those with two words or more of their own, so "%(zone)s (%(view)s)" flags nothing."""
    if id(messages) not in _TEMPLATES:
        _TEMPLATES[id(messages)] = [
            _pattern(msgid, whole=True)
            for msgid, french in messages.items()
            if _literal(msgid) != msgid
            and "<" not in msgid
            and len(re.findall(r"[^\W\d_]{2,}", _literal(msgid))) >= 2
            and (not french or _literal(french) != _literal(msgid))
        ]
    return _TEMPLATES[id(messages)]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.texts: list[str] = []
        self.pending: list[str] = []

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def _flush(self) -> None:
        text = _squash("".join(self.pending))
        self.pending = []
        if text:
            self.texts.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        values = {name: value or "" for name, value in attrs}
        lang = values.get("lang", "").lower()
        skipped = (
            self.skipping
            or tag in SKIPPED_ELEMENTS
            or lang == "en"
            or lang.startswith("en-")
            or values.get("translate", "").lower() == "no"
        )
        if not skipped:
            self._attributes(tag, values)
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def _attributes(self, tag: str, values: dict[str, str]) -> None:
        for name in HUMAN_ATTRIBUTES:
            if values.get(name):
                self.texts.append(_squash(values[name]))
        kind = values.get("type", "").lower()
        if values.get("value") and (
            tag == "button" or (tag == "input" and kind in {"submit", "button", "reset"})
        ):
            self.texts.append(_squash(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.pending.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def readable_texts(html: str) -> list[str]:
    """Every text a person reads on the page: text between tags and the read attributes."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.texts


def english_sentences(html: str, messages: dict[str, str] | None = None) -> list[str]:
    """The English texts of an HTML page, in page order, each once."""
    found: dict[str, None] = {}
    for text in readable_texts(html):
        if is_english(text, messages):
            found.setdefault(text)
    return list(found)


def english_lines(text: str, messages: dict[str, str] | None = None) -> list[str]:
    """The English lines of a plain text (an e-mail body, a PDF's text, an .ics field)."""
    found: dict[str, None] = {}
    for line in text.splitlines():
        if is_english(line, messages):
            found.setdefault(_squash(line))
    return list(found)


def _pattern(msgid: str, whole: bool = False) -> re.Pattern[str]:
    """A message with its placeholders as wildcards (none at either end: they would eat the
    text around the message)."""
    parts = re.split(r"(%\(\w+\)[sdf]|%[sdf]|\{\w*\}|<[^>]*>)", _squash(msgid))
    body = "".join(
        ".*?" if index % 2 else re.escape(part.replace("%%", "%"))
        for index, part in enumerate(parts)
    )
    while not whole and (body.startswith(".*?") or body.endswith(".*?")):
        body = body.removeprefix(".*?").removesuffix(".*?")
    return re.compile(body, re.DOTALL)


def _literal(msgid: str) -> str:
    """The words of a message without its placeholders and tags."""
    words = re.sub(r"%\(\w+\)[sdf]|%[sdf]|\{\w*\}|<[^>]*>", " ", msgid)
    return _squash(words.replace("%%", "%"))


def _plain(text: str) -> str:
    return _squash(re.sub(r"<[^>]*>", " ", text))


class Catalogue:
    """Tells where an English text found on a page comes from: a message marked for
    translation (awaiting its French), catalogue data (translated in the database), or a
    string nobody marked. A text may mix them ("Frequency: " + a catalogue row): each marked
    message and each catalogue text is taken out, and what is left is judged."""

    def __init__(self, messages: dict[str, str], data: Iterable[str] = ()) -> None:
        # A message with tags reaches the page as several texts: one segment per text.
        parts = [part for msgid in messages for part in re.split(r"<[^>]*>", msgid)]
        segments = {_squash(part) for part in parts}
        segments |= {segment[:1].upper() + segment[1:] for segment in segments}  # a label
        segments = {segment for segment in segments if len(_literal(segment)) >= 4}
        templated = sorted((m for m in segments if _literal(m) != m), key=len, reverse=True)
        self.whole = [_pattern(segment, whole=True) for segment in templated]
        self.patterns = [_pattern(m) for m in templated if len(_literal(m).split()) >= 3]
        self.fixed = sorted((m for m in segments if _literal(m) == m), key=len, reverse=True)
        self.plain = [_literal(segment) for segment in segments]
        self.data = sorted({_squash(text) for text in data if len(text) >= 12}, key=len)[::-1]

    def _without(self, text: str, pieces: list[str]) -> str:
        for piece in pieces:
            if piece in text:
                text = text.replace(piece, " ")
        return text

    def kind(self, text: str) -> str:
        if any(pattern.fullmatch(text) for pattern in self.whole):
            return "marked"
        if len(text) > 12 and any(text in segment for segment in self.plain):
            return "marked"  # one line of a message a PDF wrapped over several lines
        # Catalogue rows first, then long messages, so a short message ("Owner") does not
        # cut a longer text apart.
        rest = self._without(text, self.data)
        had_data = rest != text or any(text in data for data in self.data)
        rest = self._without(rest, [m for m in self.fixed if len(m.split()) >= 3])
        for pattern in self.patterns:
            rest = pattern.sub(" ", rest)
        rest = self._without(rest, self.fixed)
        if is_english(rest):
            return "unmarked"
        return "data" if had_data else "marked"


def sorted_by_kind(found: Iterable[str], catalogue: Catalogue) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {"unmarked": [], "data": [], "marked": []}
    for text in found:
        kinds[catalogue.kind(text)].append(text)
    return kinds


def shipped_texts() -> list[str]:
    """Every string literal of the catalogue the product ships: rows, not interface."""
    import ast

    root = Path(__file__).resolve().parents[2] / "mesotrace"
    found: list[str] = []
    for module in [*root.glob("*/shipped/*.py"), *root.glob("*/shipped.py")]:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(node.value)
    return found
