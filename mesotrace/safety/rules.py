"""Safety logic with no database: the cluster rule's ranges and window, how a rule change
compares, product mixes as stored, and numbers as the signals page and its CSV say them."""

from __future__ import annotations

import datetime
import hashlib
import math
from collections.abc import Iterable, Sequence

from django.utils.formats import get_format
from django.utils.translation import gettext as _

from mesotrace.safety.models import Category, SafetySettings

MAX_CLUSTER_WINDOW_DAYS = 365
MAX_CLUSTER_THRESHOLD = 100


def cluster_rule_errors(category: str, threshold: int, window_days: int) -> dict[str, str]:
    """What is wrong with a cluster rule, by field (nothing when it may be saved)."""
    errors: dict[str, str] = {}
    if category not in Category.values:
        errors["category"] = _("Choose a category from the list.")
    if not 1 <= threshold <= MAX_CLUSTER_THRESHOLD:
        errors["threshold"] = _("The threshold is 1 to %(n)s events.") % {
            "n": MAX_CLUSTER_THRESHOLD
        }
    if not 1 <= window_days <= MAX_CLUSTER_WINDOW_DAYS:
        errors["window_days"] = _("The window is 1 to %(n)s days.") % {"n": MAX_CLUSTER_WINDOW_DAYS}
    return errors


def largest_cluster(onsets: Sequence[datetime.date], window_days: int) -> list[int]:
    """Indexes (into sorted order) of the most onsets that fit in one window of `window_days`."""
    ordered = sorted(onsets)
    best: list[int] = []
    start = 0
    for end, day in enumerate(ordered):
        while (day - ordered[start]).days > window_days:
            start += 1
        if end - start + 1 > len(best):
            best = list(range(start, end + 1))
    return best


def catches_more(old: SafetySettings, new: SafetySettings) -> bool:
    """True when `new` may flag a lot `old` did not: fewer events, a longer window, or
    another category."""
    return (
        new.category != old.category
        or new.threshold < old.threshold
        or new.window_days > old.window_days
    )


def mix_key(product_ids: Iterable[int]) -> tuple[str, str]:
    """A set of products as stored: ids ascending, comma-separated, and that text's hash."""
    products = ",".join(str(pk) for pk in sorted(set(product_ids)))
    return products, hashlib.sha256(products.encode()).hexdigest()


def mix_ids(text: str) -> list[int]:
    """The product ids of a stored mix (`mix_key`'s text)."""
    return [int(part) for part in text.split(",")]


def show(value: float) -> str:
    """A number as the page and CSV show it, in the reader's language: infinite and undefined
    said as such, the decimal separator the language's."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if math.isnan(value):
        return _("undefined")
    if math.isinf(value):
        return _("infinite") if value > 0 else _("-infinite")
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))
