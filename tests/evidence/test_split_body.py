"""Split-body, parallel-group and naive estimates: equal to the textbook computations
(scipy's paired t-test, statsmodels' OLS and MixedLM), with exact and Monte-Carlo
permutation p-values, plain warnings for weak data and clear errors for unusable data."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLM

from mesotrace.evidence import (
    EvidenceInputError,
    difference_in_differences,
    naive_before_after,
    paired_changes,
    simulate_split_body,
    split_body_effect,
    split_body_visits,
)

TREATED = [-2.1, -3.0, -1.2, -2.8, -0.9, -2.2, -1.7, -3.1, -2.4, -1.0, -2.6, -1.9]
CONTROL = [-1.5, -1.9, -1.4, -1.6, -0.2, -1.1, -1.8, -2.0, -1.2, -0.4, -1.3, -1.0]


def test_without_covariates_it_is_scipys_paired_t_test() -> None:
    effect = split_body_effect(TREATED, CONTROL)
    reference = stats.ttest_rel(TREATED, CONTROL)
    interval = reference.confidence_interval(0.95)
    assert effect.estimate == pytest.approx(np.mean(np.subtract(TREATED, CONTROL)), rel=1e-12)
    assert effect.p_value == pytest.approx(reference.pvalue, rel=1e-10)
    assert (effect.ci_low, effect.ci_high) == pytest.approx(
        (interval.low, interval.high), rel=1e-10
    )
    assert effect.df == 11
    assert effect.n == 12
    assert "paired t-test" in effect.method
    assert "spill-over" in effect.method
    assert effect.warnings == []


def test_with_covariates_it_is_ols_on_the_centred_covariates() -> None:
    rng = np.random.default_rng(1)
    weight_change = rng.normal(-2, 1, len(TREATED))
    effect = split_body_effect(TREATED, CONTROL, covariates={"weight_change": weight_change})
    difference = np.subtract(TREATED, CONTROL)
    design = sm.add_constant(weight_change - weight_change.mean())
    reference = sm.OLS(difference, design).fit()
    assert effect.estimate == pytest.approx(reference.params[0], rel=1e-10)
    assert effect.se == pytest.approx(reference.bse[0], rel=1e-10)
    assert effect.p_value == pytest.approx(reference.pvalues[0], rel=1e-8)
    assert (effect.ci_low, effect.ci_high) == pytest.approx(
        tuple(reference.conf_int()[0]), rel=1e-10
    )
    assert effect.df == 10
    assert "adjusted for weight_change" in effect.method


def brute_force_sign_flip_p(difference: np.ndarray) -> float:
    observed = abs(float(stats.ttest_1samp(difference, 0.0).statistic))
    hits = 0
    for signs in itertools.product((-1.0, 1.0), repeat=difference.size):
        flipped = np.asarray(signs) * difference
        hits += abs(float(stats.ttest_1samp(flipped, 0.0).statistic)) >= observed * (1 - 1e-9)
    return hits / 2**difference.size


def test_exact_permutation_p_value_enumerates_every_flip() -> None:
    difference = np.subtract(TREATED, CONTROL)[:10]
    effect = split_body_effect(TREATED[:10], CONTROL[:10])
    assert effect.permutation_method is not None
    assert effect.permutation_method.startswith("exact: all 1,024 sign flips")
    assert effect.permutation_p_value == pytest.approx(brute_force_sign_flip_p(difference))


def test_exact_permutation_p_value_of_all_positive_differences() -> None:
    # Only the observed labelling and its mirror image are as extreme: 2 of 2**5.
    effect = split_body_effect([1.0, 2.0, 3.0, 4.0, 5.0], [0.0] * 5)
    assert effect.permutation_p_value == pytest.approx(2 / 32)


def test_monte_carlo_permutation_is_seeded_and_close_to_exact() -> None:
    rng = np.random.default_rng(2)
    treated = rng.normal(-2.3, 1.0, 17)
    control = rng.normal(-2.0, 1.0, 17)
    first = split_body_effect(treated, control, permutations=20_000, seed=7)
    again = split_body_effect(treated, control, permutations=20_000, seed=7)
    assert first.permutation_method is not None
    assert first.permutation_method.startswith("Monte Carlo: 20,000 random sign flips (seed 7)")
    assert first.permutation_p_value == again.permutation_p_value
    signs = ((np.arange(2**17)[:, None] >> np.arange(17)) & 1) * 2.0 - 1.0
    flipped = signs * (treated - control)
    t = flipped.mean(axis=1) / (flipped.std(axis=1, ddof=1) / np.sqrt(17))
    exact = float(np.mean(np.abs(t) >= abs(t[-1]) * (1 - 1e-9)))  # last row: no flip
    assert first.permutation_p_value is not None
    assert abs(first.permutation_p_value - exact) < 4 * np.sqrt(exact * (1 - exact) / 20_000)


def test_permutations_can_be_skipped() -> None:
    effect = split_body_effect(TREATED, CONTROL, permutations=0)
    assert effect.permutation_p_value is None
    assert effect.permutation_method is None


def test_missing_control_measurements_are_left_out_and_said() -> None:
    control = [*CONTROL[:-2], np.nan, np.nan]
    effect = split_body_effect(TREATED, control)
    assert effect.n == 10
    assert effect.warnings[0].startswith("2 patient(s) have no control-side change")


def test_patients_without_follow_up_are_counted_apart() -> None:
    effect = split_body_effect([*TREATED, np.nan], [*CONTROL, np.nan])
    assert effect.warnings == ["1 patient(s) have no follow-up on either side and were left out"]


def test_two_patients_give_an_estimate_with_a_warning() -> None:
    effect = split_body_effect([-2.0, -3.0], [-1.0, -1.5])
    assert np.isfinite([effect.estimate, effect.ci_low, effect.ci_high, effect.p_value]).all()
    assert any(w.startswith("only 2 patient(s)") for w in effect.warnings)


def test_one_patient_is_an_error_not_a_nan() -> None:
    with pytest.raises(EvidenceInputError, match=r"1 patient\(s\) with both sides measured"):
        split_body_effect([-2.0, -3.0], [-1.0, np.nan])


def test_identical_differences_have_no_spread() -> None:
    with pytest.raises(EvidenceInputError, match=r"the same \(-1\).*copied between sides"):
        split_body_effect([-2.0, -3.0, -4.0], [-1.0, -2.0, -3.0])


def test_constant_covariate_is_refused_by_name() -> None:
    with pytest.raises(EvidenceInputError, match=r"covariate 'sessions' has the same value"):
        split_body_effect(TREATED, CONTROL, covariates={"sessions": [6] * len(TREATED)})


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(EvidenceInputError, match=r"12 patients but control_change has 11"):
        split_body_effect(TREATED, CONTROL[:-1])


def test_naive_before_after_is_the_treated_sides_paired_t_test() -> None:
    pre = np.array([61.0, 58.5, 64.2, 59.9, 62.3, 60.1])
    post = pre + np.array([-2.5, -3.1, -1.8, -2.9, -2.2, -3.4])
    effect = naive_before_after(pre, post)
    reference = stats.ttest_rel(post, pre)
    assert effect.estimate == pytest.approx(np.mean(post - pre))
    assert effect.p_value == pytest.approx(reference.pvalue, rel=1e-10)
    assert "credits every change" in effect.method
    assert any(w.startswith("only 6 patient(s)") for w in effect.warnings)


def test_naive_before_after_leaves_out_missing_pairs() -> None:
    effect = naive_before_after([60.0, 61.0, 62.0, np.nan], [58.0, 58.5, 60.5, 59.0])
    assert effect.n == 3
    assert "1 patient(s) without both measurements were left out" in effect.warnings


# --- many visits and parallel groups ----------------------------------------------------


def test_split_body_visits_on_two_complete_visits_equals_the_paired_difference() -> None:
    data = simulate_split_body(25, -1.0, -2.0, 1.0, 5.0, 0.0, seed=3)
    changes = paired_changes(data)
    paired = split_body_effect(changes.treated_change, changes.control_change)
    visits = split_body_visits(data)
    assert visits.estimate == pytest.approx(paired.estimate, rel=1e-8)


def test_split_body_visits_is_statsmodels_mixedlm_with_a_side_component() -> None:
    data = simulate_split_body(40, -1.0, -2.0, 1.0, 5.0, 0.1, visits=5, seed=4)
    effect = split_body_visits(data, covariates=["exercise_minutes"])
    frame = data.assign(treated_side=(data.side == "treated").astype(float))
    model = MixedLM.from_formula(
        "value ~ time * treated_side + exercise_minutes",
        groups="patient",
        re_formula="1",
        vc_formula={"side": "0 + C(treated_side)"},
        data=frame,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = model.fit(gtol=1e-8)
    assert effect.estimate == pytest.approx(reference.fe_params["time:treated_side"], rel=1e-6)
    assert effect.se == pytest.approx(reference.bse["time:treated_side"], rel=1e-4)
    assert effect.fit is not None
    assert effect.fit.vcomp.index.tolist() == ["side"]
    assert effect.df is None
    assert "Wald" in effect.method
    assert effect.ci_low < -1.0 < effect.ci_high


def test_split_body_visits_warns_about_patients_without_a_control_side() -> None:
    data = simulate_split_body(30, -1.0, -2.0, 1.0, 5.0, 0.0, visits=3, seed=5)
    data = data[~((data.patient == "P0001") & (data.side == "control"))]
    effect = split_body_visits(data)
    assert "1 patient(s) have no control-side measurements" in effect.warnings[0]


def test_split_body_visits_without_any_control_is_an_error() -> None:
    data = simulate_split_body(10, -1.0, -2.0, 1.0, 5.0, 0.0, seed=6)
    with pytest.raises(EvidenceInputError, match=r"no control-side measurements"):
        split_body_visits(data[data.side == "treated"])


def test_split_body_visits_needs_two_times() -> None:
    data = simulate_split_body(10, -1.0, -2.0, 1.0, 5.0, 0.0, seed=6)
    with pytest.raises(EvidenceInputError, match=r"one time"):
        split_body_visits(data[data.visit == 0])


def test_split_body_visits_refuses_a_third_side_label() -> None:
    data = simulate_split_body(10, -1.0, -2.0, 1.0, 5.0, 0.0, seed=6)
    data.loc[0, "side"] = "both"
    with pytest.raises(EvidenceInputError, match=r"must have two values"):
        split_body_visits(data)


def parallel_groups(seed: int, patients: int = 60) -> pd.DataFrame:
    """Every other patient keeps only the treated side (treated arm), the rest only the
    untreated side (lifestyle-only arm): parallel groups from the same simulation."""
    data = simulate_split_body(patients, -1.0, -2.0, 1.0, 5.0, 0.0, visits=3, seed=seed)
    number = data.patient.str[1:].astype(int)
    treated_arm = number % 2 == 0
    keep = (treated_arm & (data.side == "treated")) | (~treated_arm & (data.side == "control"))
    return data[keep].assign(arm=np.where(treated_arm[keep], "treated", "lifestyle"))


def test_difference_in_differences_recovers_the_effect_in_parallel_groups() -> None:
    data = parallel_groups(7)
    effect = difference_in_differences(data, covariates=["time:diet_adherence"])
    assert effect.fit is not None
    assert effect.fit.path == "fast"
    assert effect.ci_low < -1.0 < effect.ci_high
    assert "Weaker than split-body" in effect.method
    assert "time:diet_adherence" in effect.method


def test_difference_in_differences_refuses_split_body_data() -> None:
    data = simulate_split_body(10, -1.0, -2.0, 1.0, 5.0, 0.0, seed=8).assign(arm=lambda d: d.side)
    with pytest.raises(EvidenceInputError, match=r"appear in both arms.*split_body_visits"):
        difference_in_differences(data)


def test_difference_in_differences_needs_two_patients_per_arm() -> None:
    data = parallel_groups(9, patients=10)
    lonely = data[(data.arm == "lifestyle") & (data.patient != "P0001")].patient.unique()
    data = data[~data.patient.isin(lonely)]
    with pytest.raises(EvidenceInputError, match=r"treated 5, lifestyle-only 1"):
        difference_in_differences(data)


def test_paired_changes_marks_dropouts_missing() -> None:
    data = simulate_split_body(50, -1.0, -2.0, 1.0, 5.0, 0.3, visits=3, seed=10)
    changes = paired_changes(data, covariates=["diet_adherence"])
    assert list(changes.columns) == ["treated_change", "control_change", "diet_adherence"]
    finished = pd.Index(data[data.visit == 2].patient.unique())
    assert changes.loc[finished, "treated_change"].notna().all()
    assert changes.drop(index=finished).treated_change.isna().all()
    assert 0 < len(finished) < 50
