"""fit_mixed reproduces R's lme4 on the reference data sets statsmodels validates against.

Data and expected values ship in the pinned statsmodels wheel, under
statsmodels/regression/tests/results/ (dietox.csv, pastes.csv, lme00.csv .. lme11.csv,
and lme_r_results.py, written by lme_results.R with lme4). The dietox and pastes numbers
are the lme4 values quoted in statsmodels' test_lme.py and in validation.md.

What is compared, and how closely:
- dietox: fixed effects, their standard errors, residual variance, random-intercept
  variance and log-likelihood, REML and ML, relative 1e-6 (the references have 7-8
  significant digits); random slopes (lme4's 1 + Time | Pig) to 1e-5.
- pastes (nested variance components): within half a unit of the last digit lme4 printed
  (3-4 digits) or 1e-4 relative, and to 1e-5 relative against statsmodels itself.
- lme00-lme11 (12 synthetic sets): params, vcov (hence bse), cov_re, scale and llf,
  ML and REML, correlated ("drf") and, where two random effects exist, independent
  ("irf", fitted as variance components): relative 1e-5; matrices relative to their
  largest entry or to the residual variance, whichever is larger, so a variance on the
  boundary (set 1: lme4 gives 0 and 2.8e-14) is measured against the residual variance.
  The random-intercept sets 0-5 also run the fast path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pytest
import statsmodels
from statsmodels.regression.tests.results import lme_r_results

from mesotrace.evidence import MixedResult, fit_mixed

RESULTS = Path(statsmodels.__file__).parent / "regression" / "tests" / "results"


def reference_csv(name: str) -> pd.DataFrame:
    path = RESULTS / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the statsmodels wheel no longer ships its test data")
    return pd.read_csv(path)


def assert_relative(actual: object, expected: object, rtol: float, what: str) -> None:
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert a.shape == e.shape, what
    worst = float(np.max(np.abs(a - e) / np.abs(e)))
    assert worst <= rtol, f"{what}: relative difference {worst:.2e} > {rtol:g}"


def assert_matrix(
    actual: object, expected: object, rtol: float, what: str, floor: float = 0.0
) -> None:
    """Relative to the largest entry (or `floor`, when that is larger)."""
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    scale = max(float(np.max(np.abs(e))), floor)
    worst = float(np.max(np.abs(a - e))) / scale
    assert worst <= rtol, f"{what}: difference {worst:.2e} of the largest entry > {rtol:g}"


def assert_printed(actual: float, printed: float, decimals: int, what: str) -> None:
    """Equal to the reference as far as it was printed, or to 1e-4 relative where lme4
    printed more digits than its optimiser settled (pastes ML residual: 0.67799, where
    the balanced design's exact answer is the within-cask mean square, 0.678)."""
    tolerance = max(0.5 * 10.0**-decimals, 1e-4 * abs(printed))
    assert abs(actual - printed) <= tolerance, f"{what}: {actual} vs {printed}"


# --- dietox: pig weights over time, 72 pigs ---------------------------------------------

DIETOX = {
    # reml: (beta, se, residual variance, intercept variance, logLik), lme4 via test_lme.py
    True: ((15.723523, 6.942505), (0.78805374, 0.03338727), 11.36692, 40.39395, -2404.775),
    False: ((15.723517, 6.942506), (0.7829397, 0.0333661), 11.35251, 39.82097, -2402.932),
}


@pytest.mark.parametrize("reml", [True, False], ids=["REML", "ML"])
@pytest.mark.parametrize("path", ["fast", "general"])
def test_dietox_random_intercept_matches_lme4(reml: bool, path: Literal["fast", "general"]) -> None:
    result = fit_mixed(reference_csv("dietox.csv"), "Weight ~ Time", "Pig", reml=reml, path=path)
    beta, se, scale, variance, llf = DIETOX[reml]
    assert list(result.params.index) == ["Intercept", "Time"]
    assert_relative(result.params, beta, 1e-6, "fixed effects")
    assert_relative(result.bse, se, 1e-6, "standard errors")
    assert_relative(result.scale, scale, 1e-6, "residual variance")
    assert_relative(result.cov_re.loc["Group", "Group"], variance, 1e-6, "intercept variance")
    assert_relative(result.llf, llf, 1e-6, "log-likelihood")
    assert result.converged
    assert result.boundary == []
    assert (result.nobs, result.ngroups) == (861, 72)


DIETOX_SLOPES = {
    # reml: (beta, se, residual variance, cov_re (Group, Time), logLik)
    True: (
        (15.738650, 6.939014),
        (0.5501253, 0.0798254),
        6.03745,
        (19.4934552, 0.2938323, 0.4160620),
        -2217.047,
    ),
    False: (
        (15.73863, 6.93902),
        (0.54629282, 0.07926954),
        6.037441,
        (19.190922, 0.293568, 0.409695),
        -2215.753,
    ),
}


@pytest.mark.parametrize("reml", [True, False], ids=["REML", "ML"])
def test_dietox_correlated_random_slopes_match_lme4(reml: bool) -> None:
    data = reference_csv("dietox.csv")
    result = fit_mixed(data, "Weight ~ Time", "Pig", re_formula="1 + Time", reml=reml)
    beta, se, scale, (var0, cov01, var1), llf = DIETOX_SLOPES[reml]
    assert result.path == "general"
    assert_relative(result.params, beta, 1e-6, "fixed effects")
    assert_relative(result.bse, se, 1e-5, "standard errors")
    assert_relative(result.scale, scale, 1e-5, "residual variance")
    expected = [[var0, cov01], [cov01, var1]]
    assert_relative(
        result.cov_re.loc[["Group", "Time"], ["Group", "Time"]], expected, 1e-5, "cov_re"
    )
    assert_relative(result.llf, llf, 1e-6, "log-likelihood")


# --- pastes: strength of paste, casks nested in batches ---------------------------------


PASTES = {
    # lmer(strength ~ (1|batch) + (1|batch:cask), data=pastes, REML=reml):
    # (mean, SE, batch variance, residual variance), (decimals printed of SE, residual)
    True: ((60.0533, 0.6769, 1.657, 0.678), (4, 3)),
    False: ((60.0533, 0.642, 1.199, 0.67799), (3, 5)),
}


@pytest.mark.parametrize("reml", [True, False], ids=["REML", "ML"])
def test_pastes_nested_variance_components_match_lme4_and_statsmodels(reml: bool) -> None:
    from statsmodels.regression.mixed_linear_model import MixedLM

    data = reference_csv("pastes.csv")
    vc = {"cask": "0 + cask"}
    result = fit_mixed(data, "strength ~ 1", "batch", re_formula="1", vc_formula=vc, reml=reml)
    (mean, se, batch, residual), (se_digits, residual_digits) = PASTES[reml]
    assert_printed(float(result.params["Intercept"]), mean, 4, "mean")
    assert_printed(float(result.bse["Intercept"]), se, se_digits, "SE")
    batch_variance = result.cov_re.iloc[0, 0]
    assert isinstance(batch_variance, float)
    assert_printed(batch_variance, batch, 3, "batch variance")
    assert_printed(result.scale, residual, residual_digits, "residual variance")
    if not reml:
        assert result.aic is not None
        assert result.bic is not None
        assert_printed(result.aic, 255.9944, 4, "AIC")
        assert_printed(result.bic, 264.3718, 4, "BIC")
    reference = MixedLM.from_formula(
        "strength ~ 1", groups="batch", re_formula="1", vc_formula=vc, data=data
    ).fit(reml=reml, gtol=1e-8)
    assert_relative(result.params, reference.fe_params, 1e-6, "mean vs statsmodels")
    assert_relative(result.cov_re, reference.cov_re, 1e-5, "batch variance vs statsmodels")
    assert_relative(result.vcomp, reference.vcomp, 1e-5, "cask variance vs statsmodels")
    assert_relative(result.scale, reference.scale, 1e-5, "residual vs statsmodels")
    assert_relative(result.llf, reference.llf, 1e-8, "log-likelihood vs statsmodels")


# --- lme00 .. lme11: lme4 on 12 synthetic sets ------------------------------------------


def lme_cases() -> list[tuple[int, bool, bool]]:
    cases = []
    for number in range(12):
        for independent in (False, True):
            if independent and number < 6:
                continue  # one random effect: nothing to make independent
            cases += [(number, reml, independent) for reml in (False, True)]
    return cases


def fit_lme(number: int, reml: bool, independent: bool, path: str = "auto") -> MixedResult:
    data = reference_csv(f"lme{number:02d}.csv")
    fixed = [c for c in data.columns if c.startswith("exog_fe")]
    random = [c for c in data.columns if c.startswith("exog_re")]
    formula = f"endog ~ 0 + {' + '.join(fixed)}"
    if independent:
        vc = {name: f"0 + {name}" for name in random}
        return fit_mixed(data, formula, "groups", re_formula="0", vc_formula=vc, reml=reml)
    if path == "fast":  # exog_re_0 is the constant 1 in sets 0-5: a random intercept
        return fit_mixed(data, formula, "groups", reml=reml, path="fast")
    return fit_mixed(data, formula, "groups", re_formula=f"0 + {' + '.join(random)}", reml=reml)


def check_against_r(result: MixedResult, number: int, reml: bool, independent: bool) -> None:
    key = f"_{'reml' if reml else 'ml'}_{'irf' if independent else 'drf'}_{number}"
    names = ("coef", "vcov", "cov_re", "scale", "loglike")
    expected = {name: getattr(lme_r_results, name + key) for name in names}
    cov_re = np.diag(result.vcomp.to_numpy()) if independent else result.cov_re.to_numpy()
    assert_relative(result.params, expected["coef"], 1e-5, f"{key} params")
    assert_matrix(result.cov_fe, expected["vcov"], 1e-5, f"{key} vcov")
    assert_relative(result.bse, np.sqrt(np.diag(expected["vcov"])), 1e-5, f"{key} bse")
    # A variance is measured against the residual variance: that is the boundary set's scale.
    floor = float(expected["scale"][0])
    assert_matrix(cov_re, expected["cov_re"], 1e-5, f"{key} cov_re", floor)
    assert_relative(result.scale, expected["scale"][0], 1e-5, f"{key} scale")
    assert_relative(result.llf, expected["loglike"][0], 1e-5, f"{key} llf")
    assert result.converged, key
    assert np.isfinite(result.bse).all()


@pytest.mark.parametrize(
    ("number", "reml", "independent"),
    lme_cases(),
    ids=[f"lme{n:02d}-{'REML' if r else 'ML'}-{'irf' if i else 'drf'}" for n, r, i in lme_cases()],
)
def test_lme_sets_match_lme4(number: int, reml: bool, independent: bool) -> None:
    check_against_r(fit_lme(number, reml, independent), number, reml, independent)


@pytest.mark.parametrize("number", range(6))
@pytest.mark.parametrize("reml", [False, True], ids=["ML", "REML"])
def test_lme_random_intercept_sets_match_lme4_on_the_fast_path(number: int, reml: bool) -> None:
    result = fit_lme(number, reml, independent=False, path="fast")
    assert result.path == "fast"
    check_against_r(result, number, reml, independent=False)


@pytest.mark.parametrize("reml", [False, True], ids=["ML", "REML"])
@pytest.mark.parametrize("path", ["fast", "general"])
def test_zero_variance_on_the_boundary_is_reported_not_failed(reml: bool, path: str) -> None:
    result = fit_lme(1, reml, independent=False, path=path)
    assert result.converged
    assert result.boundary == ["exog_re_0" if path == "general" else "Group"]
    assert result.cov_re.iloc[0, 0] == pytest.approx(0.0, abs=1e-10)
    assert np.isfinite(result.bse).all()
    assert np.isfinite(result.llf)
    assert any("estimated as zero" in w for w in result.warnings)
    assert (result.random_effects.abs() < 1e-6).all().all()


@pytest.mark.parametrize("number", [0, 6, 11])
def test_conditional_random_effects_match_lme4(number: int) -> None:
    for reml in (False, True):
        key = f"_{'reml' if reml else 'ml'}_drf_{number}"
        result = fit_lme(number, reml, independent=False)
        first_group = result.random_effects.iloc[0].to_numpy()
        expected = getattr(lme_r_results, "ranef_mean" + key)
        assert_relative(first_group, expected, 1e-5, f"{key} ranef")
