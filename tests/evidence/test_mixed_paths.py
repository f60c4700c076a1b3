"""The fast and the general path agree with each other and with statsmodels MixedLM on
simulated cohorts; the analytic derivatives they optimise agree with finite differences.

statsmodels is fitted with gtol=1e-8: its default stops about 1e-4 short on the
variances, where the likelihood is flat. Its `bse` comes from the full observed
information (fixed effects and variances together), ours from X'V^-1X as lme4's does,
so standard errors are compared a little more loosely.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.regression.mixed_linear_model import MixedLM, MixedLMResults

from mesotrace.evidence import MixedResult, fit_mixed
from mesotrace.evidence.likelihood import GroupSums, InterceptSums, Layout


def clinic_cohort(seed: int, patients: int = 120) -> pd.DataFrame:
    """Unbalanced visits (1 to 8 per patient), a time trend, exercise, patient effects."""
    rng = np.random.default_rng(seed)
    visits = rng.integers(1, 9, patients)
    patient = np.repeat(np.arange(patients), visits)
    time = rng.uniform(0, 1, patient.size)
    exercise = rng.normal(120, 40, patient.size)
    intercepts = rng.normal(60, 3, patients)
    slopes = rng.normal(-2, 1.0, patients)
    value = (
        intercepts[patient]
        + slopes[patient] * time
        - 0.01 * exercise
        + rng.normal(0, 1.0, patient.size)
    )
    return pd.DataFrame(
        {
            "patient": [f"P{i:03d}" for i in patient],
            "time": time,
            "exercise": exercise,
            "value": value,
        }
    )


def statsmodels_fit(data: pd.DataFrame, reml: bool, **formulas: object) -> MixedLMResults:
    model = MixedLM.from_formula("value ~ time + exercise", groups="patient", data=data, **formulas)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(reml=reml, gtol=1e-8)


def relative(a: object, b: object) -> float:
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(x - y) / np.abs(y)))


@pytest.mark.parametrize("reml", [True, False], ids=["REML", "ML"])
def test_fast_and_general_paths_agree(reml: bool) -> None:
    data = clinic_cohort(1)
    fast = fit_mixed(data, "value ~ time + exercise", "patient", reml=reml, path="fast")
    general = fit_mixed(data, "value ~ time + exercise", "patient", reml=reml, path="general")
    assert (fast.path, general.path) == ("fast", "general")
    assert relative(fast.params, general.params) < 1e-7
    assert relative(fast.bse, general.bse) < 1e-6
    assert relative(fast.scale, general.scale) < 1e-6
    assert relative(fast.cov_re, general.cov_re) < 1e-6
    assert relative(fast.llf, general.llf) < 1e-10
    assert relative(fast.random_effects, general.random_effects) < 1e-5


@pytest.mark.parametrize("reml", [True, False], ids=["REML", "ML"])
def test_fast_path_matches_statsmodels(reml: bool) -> None:
    data = clinic_cohort(2)
    ours = fit_mixed(data, "value ~ time + exercise", "patient", reml=reml)
    reference = statsmodels_fit(data, reml)
    assert ours.path == "fast"
    assert list(ours.params.index) == list(reference.fe_params.index)
    assert relative(ours.params, reference.fe_params) < 1e-6
    assert relative(ours.scale, reference.scale) < 1e-6
    assert relative(ours.cov_re, reference.cov_re) < 1e-6
    assert relative(ours.llf, reference.llf) < 1e-9
    assert relative(ours.bse, reference.bse.iloc[:3]) < 1e-4
    ci = reference.conf_int().iloc[:3]
    assert relative(ours.conf_int().to_numpy(), ci.to_numpy()) < 1e-4


@pytest.mark.parametrize("reml", [True, False], ids=["REML", "ML"])
def test_correlated_random_slopes_match_statsmodels(reml: bool) -> None:
    data = clinic_cohort(3)
    ours = fit_mixed(data, "value ~ time + exercise", "patient", re_formula="1 + time", reml=reml)
    reference = statsmodels_fit(data, reml, re_formula="1 + time")
    assert list(ours.cov_re.index) == ["Group", "time"]
    assert relative(ours.params, reference.fe_params) < 1e-6
    assert relative(ours.scale, reference.scale) < 1e-5
    assert relative(ours.cov_re, reference.cov_re) < 1e-4
    assert ours.llf >= reference.llf - 1e-7 * abs(reference.llf)


@pytest.mark.parametrize("reml", [True, False], ids=["REML", "ML"])
def test_variance_components_match_statsmodels(reml: bool) -> None:
    """A patient intercept plus one per patient side: the split-body visits model."""
    rng = np.random.default_rng(4)
    data = clinic_cohort(4).assign(side=lambda d: rng.choice(["treated", "control"], len(d)))
    side_effects = {
        key: rng.normal(0, 0.8) for key in set(zip(data.patient, data.side, strict=True))
    }
    data["value"] += [side_effects[key] for key in zip(data.patient, data.side, strict=True)]
    vc = {"side": "0 + C(side)"}
    ours = fit_mixed(data, "value ~ time + exercise", "patient", vc_formula=vc, reml=reml)
    # statsmodels drops the group intercept when vc_formula is given without re_formula;
    # fit_mixed keeps it (re_formula=None means a random intercept), so say "1" there.
    reference = statsmodels_fit(data, reml, re_formula="1", vc_formula=vc)
    assert relative(ours.params, reference.fe_params) < 1e-6
    assert relative(ours.scale, reference.scale) < 1e-5
    assert relative(ours.cov_re, reference.cov_re) < 1e-4
    assert relative(ours.vcomp, reference.vcomp) < 1e-4
    assert relative(ours.llf, reference.llf) < 1e-8


def test_general_path_gradient_is_the_derivative_of_its_deviance() -> None:
    rng = np.random.default_rng(5)
    n, groups = 400, 30
    codes = rng.integers(0, groups, n).astype(np.intp)
    x = np.column_stack([np.ones(n), rng.normal(size=n)])
    z = np.column_stack([np.ones(n), rng.normal(size=n), rng.random(n) < 0.5])
    y = x @ [1.0, 2.0] + rng.normal(size=n)
    sums = GroupSums.from_rows(y, x, z.astype(float), codes, groups)
    layout = Layout(q_re=2, vc_widths=(1,))
    theta = np.array([0.7, 0.3, 0.5, 0.4])
    for reml in (True, False):

        def deviance(t: np.ndarray, reml: bool = reml) -> float:
            return sums.solve(layout.lam(t), reml).deviance

        _, d = sums.deviance_and_gradient(layout.lam(theta), reml)
        analytic = layout.chain(d)
        step = 1e-6
        numeric = [
            (deviance(theta + step * e) - deviance(theta - step * e)) / (2 * step)
            for e in np.eye(theta.size)
        ]
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6)


def test_fast_path_derivative_is_the_derivative_of_its_deviance() -> None:
    data = clinic_cohort(6)
    x = np.column_stack([np.ones(len(data)), data.time, data.exercise])
    codes = pd.factorize(data.patient)[0].astype(np.intp)
    sums = InterceptSums.from_rows(data.value.to_numpy(), x, codes, int(codes.max()) + 1)
    for reml in (True, False):
        for ratio in (0.05, 1.0, 20.0):
            step = 1e-6 * ratio
            numeric = (
                sums.solve(ratio + step, reml).deviance - sums.solve(ratio - step, reml).deviance
            ) / (2 * step)
            assert sums.derivative(ratio, reml) == pytest.approx(numeric, rel=1e-6, abs=1e-6)


def test_result_reads_like_statsmodels() -> None:
    result: MixedResult = fit_mixed(clinic_cohort(7), "value ~ time + exercise", "patient")
    assert result.fe_params is result.params
    assert result.method == "REML"
    assert result.aic is None
    assert list(result.random_effects.index[:2]) == ["P000", "P001"]
    ci = result.conf_int(0.10)
    assert (ci["lower"] < result.params).all()
    assert (result.params < ci["upper"]).all()
    text = result.summary()
    for fragment in ("Intercept", "time", "exercise", "Group Var", "REML", "Converged: yes"):
        assert fragment in text
