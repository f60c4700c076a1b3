"""The signals page: the clinic's counts through the evidence functions, CSV export audited."""

from __future__ import annotations

import csv
import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from django.test import Client

from mesotrace.accounts.models import User
from mesotrace.audit.models import AuditEvent
from mesotrace.evidence import rates, signals
from mesotrace.safety import documents
from mesotrace.safety.queries.signals import HEADER, SignalRow, clinic_signals
from tests.charting.builders import minoxidil_lot
from tests.conftest import World
from tests.safety.builders import charted_on, infection


@pytest.fixture
def known(world: World) -> World:
    """Lot L1 in 2 sessions with 2 infections; lot L2 in 3 sessions with 1 haematoma."""
    one, two = minoxidil_lot(world.clinic, "L1"), minoxidil_lot(world.clinic, "L2")
    first = [charted_on(world, one) for _ in range(2)]
    second = [charted_on(world, two) for _ in range(3)]
    infection(world, first[0])
    infection(world, first[1], term="skin_infection")
    infection(world, second[0], term="haematoma")
    return world


def test_lot_rows_match_the_pure_functions(known: World) -> None:
    rows = {(r.unit.split(" · ")[-1], r.category): r for r in clinic_signals(known.clinic)["lot"]}
    l1 = rows[("L1", "infection")]
    assert (l1.a, l1.b, l1.c, l1.d, l1.sessions) == (2, 0, 0, 1, 2)
    rate = rates.incidence(2, 2)
    assert l1.values["per_1000"] == pytest.approx(float(rate.rate))
    assert l1.values["per_1000_lower"] == pytest.approx(float(rate.lower))
    assert l1.values["per_1000_upper"] == pytest.approx(float(rate.upper))
    ratio = rates.compare_with_others([2, 0], [2, 3]).ratio
    assert l1.values["rate_ratio_p_above"] == pytest.approx(float(ratio.p_above[0]))
    assert math.isinf(l1.values["prr"])  # the event is never reported for the other lots
    assert l1.values["ic025"] == pytest.approx(
        float(signals.information_component(2, 0, 0, 1).ic025)
    )
    l2 = rows[("L2", "vascular")]
    assert (l2.a, l2.b, l2.c, l2.d, l2.sessions) == (1, 0, 0, 2, 3)
    l2_infection = rows[("L2", "infection")]
    assert l2_infection.values["prr"] == float(signals.prr(0, 1, 2, 0).estimate) == 0.0


def test_product_rows_count_every_session_of_the_product(known: World) -> None:
    rows = {r.category: r for r in clinic_signals(known.clinic)["product"]}
    assert rows["infection"].sessions == 5
    assert rows["infection"].a == 2
    assert rows["infection"].values["per_1000"] == pytest.approx(400.0)


def test_the_page_shows_infinite_and_undefined_as_such(
    known: World, login: Callable[[User], Client]
) -> None:
    page = login(known.members["owner"]).get("/safety/signals/")
    assert page.status_code == 200
    assert b"infinite" in page.content
    assert b"undefined" in page.content


def test_csv_export_is_audited(known: World, login: Callable[[User], Client]) -> None:
    response = login(known.members["researcher"]).get("/safety/signals.csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["level", "unit", "category"]
    assert any(row[0] == "lot" and row[1].endswith("L1") for row in rows[1:])
    assert AuditEvent.objects.filter(object_type="safety_signals", action="export").count() == 1


def test_front_desk_cannot_see_signals(known: World, login: Callable[[User], Client]) -> None:
    assert login(known.members["front_desk"]).get("/safety/signals/").status_code == 403


# --- Plots ----------------------------------------------------------------------------------

NUMERIC = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height"}


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own server-rendered SVG, in a test


def _svgs(content: bytes) -> list[ET.Element]:
    html = content.decode()
    found = []
    start = html.find("<svg")
    while start != -1:
        end = html.index("</svg>", start) + len("</svg>")
        found.append(_parse(html[start:end]))
        start = html.find("<svg", end)
    return found


def _coordinates(svg: ET.Element) -> list[float]:
    values = []
    for element in svg.iter():
        for name, value in element.attrib.items():
            if name in NUMERIC:
                values.append(float(value))
        if element.tag.endswith("path"):
            values += [float(v) for v in re.findall(r"-?[\d.]+|nan|inf", element.attrib["d"])]
    return values


def _texts(svg: ET.Element) -> str:
    return " ".join(t for e in svg.iter() for t in [e.text or ""])


def test_the_page_draws_lot_rates_with_the_pooled_rate_and_a_compound_forest(
    known: World, login: Callable[[User], Client]
) -> None:
    page = login(known.members["owner"]).get("/safety/signals/")

    svgs = _svgs(page.content)
    titles = [svg.find("{http://www.w3.org/2000/svg}title").text for svg in svgs]  # type: ignore[union-attr]
    assert titles == [
        "Infection events per 1,000 sessions, per lot (95% CI)",
        "Bleeding and bruising events per 1,000 sessions, per lot (95% CI)",
        "PRR and ROR per compound (95% CI, log scale)",
    ]
    infection_plot = _texts(svgs[0])
    assert "L1 (2/2)" in infection_plot
    assert "L2 (0/3)" in infection_plot
    assert "Product pooled rate: 400" in infection_plot  # 2 infections in 5 sessions
    # On one compound all events are its own: the 2x2 has c = d = 0, PRR 0/0.
    assert "PRR undefined" in _texts(svgs[2])
    for svg in svgs:
        assert all(math.isfinite(v) for v in _coordinates(svg))


def _row(unit: str, group: int, category: str = "infection", **values: float) -> SignalRow:
    base = dict.fromkeys(HEADER[5:], math.nan)
    base.update(values)
    return SignalRow("lot", 1, unit, group, category, 1, 0, 0, 0, 10, base)


def test_infinite_and_undefined_values_are_said_not_drawn_at_nan() -> None:
    lots = [
        _row("Kit · A", 7, per_1000=100.0, per_1000_lower=2.5, per_1000_upper=math.inf),
        _row("Kit · B", 7),  # no exposed session: every value undefined
    ]
    products = [_row("Kit", 7, per_1000=math.nan)]
    compounds = [
        _row("Caffeine", 0, prr=math.inf, prr_lower=1.2, prr_upper=math.inf, ror=math.nan),
        _row("Biotin", 0, prr=0.0, prr_lower=0.0, prr_upper=3.0, ror=0.0, ror_lower=0.0),
    ]

    rate = _parse(documents.lot_rate_svg(lots, products, "infection"))
    forest = _parse(documents.forest_svg(compounds))

    assert "undefined: no exposed session" in _texts(rate)
    assert "PRR infinite" in _texts(forest)
    assert "ROR undefined" in _texts(forest)
    assert "PRR 0" in _texts(forest)
    for svg in (rate, forest):
        assert all(math.isfinite(v) for v in _coordinates(svg))


def test_empty_signals_draw_a_sentence_not_an_empty_frame() -> None:
    assert "No lot was used in a session yet." in documents.lot_rate_svg([], [], "infection")
    assert "No event is linked to a compound yet." in documents.forest_svg([])


def test_a_lot_name_cannot_inject_markup_into_the_plot() -> None:
    lots = [_row('Kit · <script>alert("x")</script>', 7, per_1000=1.0, per_1000_lower=0.1)]
    svg = documents.lot_rate_svg(lots, [], "infection")
    assert "<script>" not in svg
    parsed = _parse(svg)
    assert not any(element.tag.endswith("script") for element in parsed.iter())
    assert '<script>alert("x")' in _texts(parsed)  # shown as text


def test_a_clinic_with_many_lots_sees_those_with_events_and_a_note() -> None:
    lots = [_row(f"Kit · Q{n:02d}", 7, per_1000=0.0, per_1000_upper=90.0) for n in range(45)]
    lots[44] = SignalRow("lot", 2, "Kit · Q44", 7, "infection", 3, 0, 0, 0, 10, lots[44].values)

    svg = _parse(documents.lot_rate_svg(lots, [], "infection"))

    assert "Q44 (3/10)" in _texts(svg)
    assert "5 more lots, with fewer events, are in the table." in _texts(svg)


def test_each_unit_links_to_its_lot_trace_or_catalogue_page(
    known: World, login: Callable[[User], Client]
) -> None:
    page = login(known.members["owner"]).get("/safety/signals/").content.decode()

    levels = clinic_signals(known.clinic)
    for row in levels["lot"]:
        assert f'<a href="/charting/lots/{row.unit_id}/trace/">{row.unit}</a>' in page
    for row in levels["product"]:
        assert f'<a href="/catalogue/products/{row.unit_id}/">{row.unit}</a>' in page
    assert levels["compound"]
    for row in levels["compound"]:
        assert f'<a href="/catalogue/compounds/{row.unit_id}/">{row.unit}</a>' in page
    assert (
        login(known.members["owner"]).get(f"/catalogue/compounds/{row.unit_id}/").status_code == 200
    )


def test_a_researcher_sees_the_catalogue_links_but_no_lot_trace(
    known: World, login: Callable[[User], Client]
) -> None:
    page = login(known.members["researcher"]).get("/safety/signals/").content.decode()

    assert "/charting/lots/" not in page
    assert 'href="/catalogue/products/' in page


def test_table_headers_are_words_not_field_names(
    known: World, login: Callable[[User], Client]
) -> None:
    page = login(known.members["owner"]).get("/safety/signals/").content.decode()
    headers = re.findall(r"<th>(.*?)</th>", page[page.index('id="signals-lot"') :])
    assert "Rate, 95% CI low" in headers
    assert "p (rate ratio above 1, one-sided)" in headers
    assert not [h for h in headers if "_" in h]
