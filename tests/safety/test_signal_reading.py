"""The signals page reads as words: plot labels cut at a word, round axis ticks, column
headers in the clinic's words, and small p values written "< 0.001"."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from mesotrace.safety import documents
from mesotrace.safety.queries.signals import HEADER, SignalRow

LONG_PRODUCT = "Phosphatidylcholine and deoxycholate lipolytic solution"


def _row(unit: str, group: int, level: str = "lot", a: int = 1, **values: float) -> SignalRow:
    base = dict.fromkeys(HEADER[5:], math.nan)
    base.update(values)
    return SignalRow(level, 1, unit, group, "infection", a, 0, 0, 0, 10, base)


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314 - our own SVG
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_plot_labels_are_cut_at_a_word_and_ticks_are_round() -> None:
    lots = [
        _row(
            f"{LONG_PRODUCT} · LOT-A",
            7,
            per_1000=1460.0,
            per_1000_lower=300.0,
            per_1000_upper=2930.0,
        ),
    ]
    products = [_row(LONG_PRODUCT, 7, level="product", per_1000=1460.0)]
    texts = _texts(documents.lot_rate_svg(lots, products, "infection"))
    product_label = next(t for t in texts if t.startswith("Phosphatidylcholine"))
    assert product_label.endswith("…")
    assert LONG_PRODUCT.startswith(product_label[:-1])
    assert product_label[:-1].split()[-1] in LONG_PRODUCT.split()  # a whole last word
    numbers = [t for t in texts if re.fullmatch(r"[\d,]+", t)]
    assert numbers[-4:] == ["0", "1,000", "2,000", "3,000"]  # after the rate written beside its dot
    assert "events per 1,000 exposed sessions" in texts


def test_compound_forest_names_its_scale() -> None:
    compounds = [_row(LONG_PRODUCT, 0, level="compound", prr=3.0, prr_lower=1.5, prr_upper=6.0)]
    texts = _texts(documents.forest_svg(compounds))
    assert "PRR and ROR, log scale (1 = no disproportion)" in texts
    assert any(t.startswith("Phosphatidylcholine and") and "…" in t for t in texts)


def test_a_tiny_rate_ratio_p_reads_below_one_in_a_thousand() -> None:
    row = _row("Kit · A", 7, rate_ratio_p_above=0.00002, rate_ratio=9.0)
    cells = dict(zip(HEADER, row.cells(), strict=True))
    assert cells["rate_ratio_p_above"] == "< 0.001"
    assert cells["rate_ratio"] == "9"
    assert dict(zip(HEADER, _row("Kit · B", 7).cells(), strict=True))["rate_ratio_p_above"] == (
        "undefined"
    )
