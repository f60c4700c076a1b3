"""The signals' rate ratios, computed for every stratum at once, are the per-group comparison's.

`rates.compare_within` replaced one `compare_with_others` call per (product, category) in
the signals table, for speed: every number must stay what the per-group calls give.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mesotrace.evidence import rates


def per_group(
    k: npt.NDArray[np.float64], t: npt.NDArray[np.float64], strata: list[int]
) -> dict[str, npt.NDArray[np.float64]]:
    """What the signals table did before: `compare_with_others` stratum by stratum."""
    out = {name: np.full(len(k), np.nan) for name in ("ratio", "lower", "upper", "p_above")}
    for stratum in set(strata):
        where = np.array([s == stratum for s in strata])
        if where.sum() < 2:
            continue
        ratio = rates.compare_with_others(k[where], t[where]).ratio
        for name in out:
            out[name][where] = getattr(ratio, name)
    return out


def test_every_stratum_at_once_gives_the_per_group_numbers() -> None:
    rng = np.random.default_rng(11)
    units = 600
    k = rng.poisson(0.8, units).astype(float)
    t = rng.integers(0, 400, units).astype(float)
    k[t == 0] = 0  # events need exposure, as the clinic's counts always have
    strata = rng.integers(0, 90, units).tolist()  # some strata of one unit, some of many

    found = rates.compare_within(k, t, strata)

    for name, expected in per_group(k, t, strata).items():
        assert np.array_equal(getattr(found, name), expected, equal_nan=True), name


def test_a_unit_alone_in_its_stratum_is_compared_with_nothing() -> None:
    found = rates.compare_within([3, 1, 2], [100, 200, 50], [1, 2, 2])

    assert np.isnan(found.ratio[0])
    assert not found.defined[0]
    assert found.reason[0] == "no other unit to compare with"
    assert found.ratio[1] == rates.compare_with_others([1, 2], [200, 50]).ratio.ratio[0]


def test_zero_events_and_zero_exposure_are_reported_not_raised() -> None:
    found = rates.compare_within([0, 0, 2, 0], [0, 10, 0, 5], [1, 1, 2, 2])

    assert found.reason.tolist() == [
        "no exposure",
        "no comparison exposure",
        "events recorded without exposure",
        "comparison events recorded without exposure",
    ]
