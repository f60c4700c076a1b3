"""EBGM scores, computed once per distinct (n, E) pair for speed, are each cell's own scores.

The signals table scores tens of thousands of cells; the evidence engine now scores equal
cells once. Every number must stay what scoring each cell on its own gives.
"""

from __future__ import annotations

import numpy as np

from mesotrace.evidence import signals

PRIOR = signals.GammaMixturePrior(0.2, 0.1, 2.0, 4.0, 1 / 3)


def test_scores_of_many_cells_at_once_equal_each_cells_own_scores() -> None:
    rng = np.random.default_rng(5)
    n = rng.poisson(1.5, 400).astype(float)
    e = rng.choice([0.0, 0.4, 1.0, 2.5, 7.0], 400)  # repeated margins, as in a clinic

    together = signals.ebgm(n, e, PRIOR)

    for i in range(0, 400, 7):
        alone = signals.ebgm(n[i : i + 1], e[i : i + 1], PRIOR)
        for name in ("ebgm", "eb05", "eb95", "eblog2", "q"):
            assert np.array_equal(
                getattr(together, name)[i : i + 1], getattr(alone, name), equal_nan=True
            ), (name, i)
        assert together.reason[i] == alone.reason[0]


def test_tables_keep_their_shape_and_undefined_cells_stay_undefined() -> None:
    scores = signals.ebgm([[1, 2], [0, 1]], [[1.0, 2.0], [0.0, 1.0]], PRIOR)

    assert scores.ebgm.shape == (2, 2)
    assert scores.eb05[0, 0] == scores.eb05[1, 1]  # the same cell twice
    assert np.isnan(scores.ebgm[1, 0])
    assert not scores.defined[1, 0]
    assert signals.ebgm([], [], PRIOR).ebgm.shape == (0,)
