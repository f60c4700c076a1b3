"""simulate_split_body makes long split-body data with a known truth, reproducibly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mesotrace.evidence import EvidenceInputError, simulate_split_body


def test_one_row_per_patient_side_and_visit_with_the_truth_attached() -> None:
    data = simulate_split_body(20, -1.0, -2.0, 1.0, 5.0, 0.0, visits=4, seed=1)
    assert len(data) == 20 * 2 * 4
    assert list(data.columns) == [
        "patient",
        "side",
        "body_side",
        "visit",
        "time",
        "value",
        "diet_adherence",
        "exercise_minutes",
    ]
    assert sorted(data.time.unique()) == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert data.attrs["truth"]["true_effect"] == -1.0
    assert data.attrs["truth"]["naive_expected"] == -3.0
    per_patient = data.groupby("patient")
    assert (per_patient.body_side.nunique() == 2).all()  # each side is one anatomical side
    assert (per_patient.diet_adherence.nunique() == 1).all()


def test_same_seed_same_data_other_seed_other_data() -> None:
    first = simulate_split_body(10, -1.0, -2.0, 1.0, 5.0, 0.2, seed=3)
    pd.testing.assert_frame_equal(first, simulate_split_body(10, -1.0, -2.0, 1.0, 5.0, 0.2, seed=3))
    assert not first.value.equals(simulate_split_body(10, -1.0, -2.0, 1.0, 5.0, 0.2, seed=4).value)


def test_without_noise_the_changes_are_exactly_the_truth() -> None:
    data = simulate_split_body(200, -1.0, -2.0, 0.0, 5.0, 0.0, seed=5)
    wide = data.pivot_table(index="patient", columns=["side", "visit"], values="value")
    treated = wide["treated"][1] - wide["treated"][0]
    control = wide["control"][1] - wide["control"][0]
    np.testing.assert_allclose(treated - control, -1.0, atol=1e-12)
    assert control.mean() == pytest.approx(-2.0, abs=0.15)  # the lifestyle change, both sides


def test_dropout_removes_every_visit_from_the_dropout_on() -> None:
    data = simulate_split_body(400, 0.0, -2.0, 1.0, 5.0, 0.25, visits=3, seed=6)
    visits = data.groupby("patient").visit.agg(["min", "max", "count"])
    assert (visits["min"] == 0).all()
    assert (visits["count"] == 2 * (visits["max"] + 1)).all()  # no gaps, both sides kept
    assert 0.18 < (visits["max"] < 2).mean() < 0.32


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_patients": 0}, "n_patients"),
        ({"visits": 1}, "at least 2"),
        ({"side_sd": -1.0}, "not negative"),
        ({"dropout": 1.0}, "probability"),
    ],
)
def test_impossible_settings_are_refused(kwargs: dict[str, float], message: str) -> None:
    settings: dict[str, float] = {
        "n_patients": 10,
        "true_effect": -1.0,
        "lifestyle_change": -2.0,
        "side_sd": 1.0,
        "patient_sd": 5.0,
        "dropout": 0.0,
        "visits": 2,
    }
    settings.update(kwargs)
    with pytest.raises(EvidenceInputError, match=message):
        simulate_split_body(**settings)  # type: ignore[arg-type]
