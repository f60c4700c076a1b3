"""Disproportionality measures reproduce the published vectors and behave at zero cells.

Reference values are those of ../shared/reference/validation.md ("Disproportionality"):
Singhal et al. 2015 table 16 as used in tystan/pharmsignal's tests (PRR, ROR, chi-square),
pharmsignal's test_obsexp_shrink_signal.R (IC, IC025) and test_bcpnn_norm_signal.R (BCPNN),
and the openEBGM vignette "Empirical Bayes Metrics with openEBGM" (EBGM, EB05, EB95).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from mesotrace.evidence import signals
from mesotrace.evidence.signals import GammaMixturePrior, InvalidInput

# Deterministic property tests: the same examples on every machine and in CI, no database.
PROPERTY = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

SINGHAL = (28, 942, 17, 31435)  # cisplatin and ototoxicity
VIGNETTE_PRIOR = GammaMixturePrior(3.25379064, 0.39988801, 2.02613219, 1.90808279, 0.06534557)
# (N, E) -> (EBGM, EB05, EB95) as printed by the vignette, rounded to 2 decimals there.
VIGNETTE_CELLS = {
    (16, 0.40643623): (23.26, 15.68, 33.48),  # REUMOFAN PLUS, weight increased
    (19, 0.89690107): (16.78, 11.65, 23.55),  # HYDROXYCUT regular rapid release, emotional distress
    (1, 0.0360548272): (2.23, 0.49, 13.85),  # 1-PHENYLALANINE, heart rate increased
}

count = st.one_of(st.integers(0, 3), st.integers(0, 10**4), st.integers(0, 10**12))
tables = st.tuples(count, count, count, count)


def half_unit(decimals: int) -> float:
    """Agreement to the printed precision: within half a unit of the last printed digit."""
    return 0.5 * 10.0**-decimals * (1 + 1e-9)


# ---------------------------------------------------------------- published vectors


def test_prr_reproduces_singhal_table_16() -> None:
    result = signals.prr(*SINGHAL)
    assert result.defined
    assert abs(result.estimate - 53.40546) <= half_unit(5)
    assert abs(result.lower - 29.3320) <= half_unit(4)
    assert abs(result.upper - 97.2365) <= half_unit(4)


def test_ror_reproduces_singhal_table_16() -> None:
    result = signals.ror(*SINGHAL)
    assert result.defined
    assert abs(result.estimate - 54.96316) <= half_unit(5)
    assert abs(result.lower - 29.9808) <= half_unit(4)
    assert abs(result.upper - 100.7627) <= half_unit(4)


def test_chi_square_reproduces_singhal_with_and_without_yates() -> None:
    result = signals.chi_square(*SINGHAL)
    assert abs(result.yates - 524.465) <= half_unit(3)
    assert abs(result.uncorrected - 544.710) <= half_unit(3)


def test_information_component_reproduces_noren_strata() -> None:
    stratum1 = signals.table_from_margins(25, 1126, 87, 572573)
    first = signals.information_component(stratum1.a, stratum1.b, stratum1.c, stratum1.d)
    assert abs(first.ic - 5.247845) <= half_unit(6)
    assert abs(first.ic025 - 4.578816) <= half_unit(6)
    stratum3 = signals.table_from_margins(203, 30068, 508, 155209)
    third = signals.information_component(stratum3.a, stratum3.b, stratum3.c, stratum3.d)
    assert abs(third.ic - 1.0408) <= half_unit(4)
    assert abs(third.ic025 - 0.8087816) <= half_unit(7)


def test_bcpnn_reproduces_gould_headache() -> None:
    headache = signals.table_from_margins(1614, 85304, 71209, 4640498)
    result = signals.bcpnn(headache.a, headache.b, headache.c, headache.d)
    assert abs(result.expected_ic - 0.301503) <= half_unit(6)
    assert abs(result.variance - 0.001341455) <= half_unit(9)
    assert abs(result.sd - 0.03662588) <= half_unit(8)
    assert abs(result.lower - 0.2297176) <= half_unit(7)
    assert abs(result.upper - 0.3732884) <= half_unit(7)


def test_bcpnn_reproduces_gould_akathisia() -> None:
    akathisia = signals.table_from_margins(328, 85304, 3001, 4640498)
    result = signals.bcpnn(akathisia.a, akathisia.b, akathisia.c, akathisia.d)
    assert abs(result.expected_ic - 2.547888) <= half_unit(6)
    assert abs(result.variance - 0.007052478) <= half_unit(9)
    assert abs(result.lower - 2.383292) <= half_unit(6)
    assert abs(result.upper - 2.712484) <= half_unit(6)


def test_ebgm_reproduces_openebgm_vignette() -> None:
    n, e = zip(*VIGNETTE_CELLS, strict=True)
    result = signals.ebgm(n, e, VIGNETTE_PRIOR)
    expected = np.array(list(VIGNETTE_CELLS.values()))
    assert np.all(np.abs(result.ebgm - expected[:, 0]) <= half_unit(2))
    # openEBGM's quantBisect stops once its bracket is narrower than 0.005 and rounds the
    # midpoint, so its printed quantiles sit within 0.01 of the exact ones (15.6857 prints as
    # 15.68, 13.8561 as 13.85); ours are exact roots, so allow that 0.01.
    assert np.all(np.abs(result.eb05 - expected[:, 1]) <= 0.01)
    assert np.all(np.abs(result.eb95 - expected[:, 2]) <= 0.01)


def _quant_bisect(percent: float, n: np.ndarray, e: np.ndarray) -> np.ndarray:
    """openEBGM 0.x quantBisect (digits = 2, limits +-1e5), run on our posterior CDF."""
    cut = percent / 100
    too_big = signals.posterior_cdf(np.ones_like(e), n, e, VIGNETTE_PRIOR) - cut > 0
    left = np.where(too_big, -1e5, 1.0)
    right = np.where(too_big, 1.0, 1e5)
    # On the whole vignette data some cells start at [-1e5, 1], so the widest bracket is 100001.
    half_width = 100001 / 2
    while True:
        mid = (left + right) / 2
        if half_width < 0.005:
            return np.round(mid, 2)
        error = signals.posterior_cdf(mid, n, e, VIGNETTE_PRIOR) - cut
        error_left = signals.posterior_cdf(left, n, e, VIGNETTE_PRIOR) - cut
        same = np.sign(error_left) == np.sign(error)
        left, right = np.where(same, mid, left), np.where(same, right, mid)
        half_width /= 2


def test_posterior_cdf_with_openebgm_bisection_prints_the_vignette_quantiles() -> None:
    n, e = (np.array(x, dtype=float) for x in zip(*VIGNETTE_CELLS, strict=True))
    expected = np.array(list(VIGNETTE_CELLS.values()))
    assert np.array_equal(_quant_bisect(5, n, e), expected[:, 1])
    assert np.array_equal(_quant_bisect(95, n, e), expected[:, 2])


# ---------------------------------------------------------------- Evans criteria


def test_evans_criteria_flag_singhal() -> None:
    result = signals.evans(*SINGHAL)
    assert result.signal
    assert result.chi_square_correction == "yates"


def test_evans_uses_yates_corrected_chi_square() -> None:
    # PRR 4 and a = 3, uncorrected chi-square 4.95 but Yates-corrected 2.39: not a signal.
    chi = signals.chi_square(3, 0, 2, 6)
    assert chi.uncorrected == pytest.approx(4.95)
    assert chi.yates == pytest.approx(2.3871527777)
    result = signals.evans(3, 0, 2, 6)
    assert result.prr == pytest.approx(4.0)
    assert not result.signal


def test_evans_needs_three_cases() -> None:
    assert not signals.evans(2, 10, 1, 10000).signal
    assert signals.evans(3, 10, 1, 10000).signal


def test_evans_counts_an_infinite_prr_as_a_signal() -> None:
    result = signals.evans(5, 20, 0, 1000)
    assert result.prr == np.inf
    assert result.signal


# ---------------------------------------------------------------- zero cells and bad input


def test_prr_zero_cells_are_reported_not_raised() -> None:
    result = signals.prr([0, 3, 0, 0], [0, 1, 3, 5], [0, 0, 0, 2], [9, 2, 3, 7])
    assert list(result.defined) == [False, False, False, False]
    assert np.isnan(result.estimate[0])
    assert result.reason[0] == "no reports for the product"
    assert result.estimate[1] == np.inf
    assert "infinite" in result.reason[1]
    assert np.isnan(result.estimate[2])
    assert result.reason[2] == "the event is not reported at all"
    assert result.estimate[3] == 0
    assert "PRR is 0" in result.reason[3]
    assert np.all(np.isnan(result.lower))
    assert np.all(np.isnan(result.upper))


def test_ror_names_the_zero_cells() -> None:
    result = signals.ror([5, 0, 5], [0, 4, 3], [2, 0, 2], [9, 9, 9])
    assert result.estimate[0] == np.inf
    assert result.reason[0] == "zero cell: b"
    assert np.isnan(result.estimate[1])
    assert result.reason[1] == "zero cells: a, c"
    assert result.defined[2]
    assert result.reason[2] == ""


def test_chi_square_is_undefined_for_an_empty_margin() -> None:
    result = signals.chi_square([0, 0], [0, 5], [3, 0], [4, 7])
    assert list(result.defined) == [False, False]
    assert result.reason[0] == "no reports for the product"
    assert result.reason[1] == "the event is not reported at all"
    assert np.all(np.isnan(result.yates))


def test_empty_table_is_undefined_everywhere() -> None:
    assert not signals.information_component(0, 0, 0, 0).defined
    assert not signals.bcpnn(0, 0, 0, 0).defined
    assert np.isnan(signals.bcpnn(0, 0, 0, 0).expected_ic)
    assert not signals.evans(0, 0, 0, 0).signal


def test_information_component_stays_finite_with_no_cases() -> None:
    result = signals.information_component(0, 5232, 3, 80140 - 5232 - 3)
    assert result.defined
    assert result.ic == pytest.approx(-0.4768633, abs=1e-7)  # pharmsignal's stratum 4


@pytest.mark.parametrize(
    ("cells", "field", "reason"),
    [
        ((-1, 2, 3, 4), "a", "must not be negative"),
        ((1, 2.5, 3, 4), "b", "must be a whole number"),
        ((1, 2, float("nan"), 4), "c", "must be a finite number"),
        ((1, 2, 3, float("inf")), "d", "must be a finite number"),
        ((1, 2, 3, "many"), "d", "must be a number"),
    ],
)
def test_invalid_counts_name_the_field(cells: tuple[object, ...], field: str, reason: str) -> None:
    for measure in (signals.prr, signals.ror, signals.chi_square, signals.bcpnn, signals.evans):
        with pytest.raises(InvalidInput) as error:
            measure(*cells)  # type: ignore[arg-type]
        assert (error.value.field, error.value.reason) == (field, reason)


def test_mismatched_shapes_are_refused() -> None:
    with pytest.raises(InvalidInput, match="shapes cannot be broadcast"):
        signals.prr([1, 2], [1, 2, 3], 1, 1)


def test_inconsistent_margins_are_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        signals.table_from_margins(30, 20, 40, 100)
    assert error.value.field == "product_total"
    with pytest.raises(InvalidInput) as error:
        signals.table_from_margins(5, 60, 50, 100)
    assert error.value.field == "total"


def test_alpha_outside_zero_one_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        signals.prr(*SINGHAL, alpha=1.5)
    assert error.value.field == "alpha"


def test_prior_parameters_are_checked() -> None:
    with pytest.raises(InvalidInput) as error:
        GammaMixturePrior(1.0, -1.0, 1.0, 1.0, 0.5)
    assert error.value.field == "beta1"
    with pytest.raises(InvalidInput) as error:
        GammaMixturePrior(1.0, 1.0, 1.0, 1.0, 1.0)
    assert error.value.field == "p"


def test_ebgm_is_undefined_without_expected_count() -> None:
    result = signals.ebgm([0, 3], [0.0, 1.5], VIGNETTE_PRIOR)
    assert list(result.defined) == [False, True]
    assert np.isnan(result.ebgm[0])
    assert np.isnan(result.eb05[0])
    assert np.isnan(result.eb95[0])
    assert "expected count is 0" in result.reason[0]


# ---------------------------------------------------------------- vectorisation


def test_arrays_give_the_same_numbers_as_scalars() -> None:
    rng = np.random.default_rng(7)
    cells = rng.integers(0, 50, size=(4, 40))
    batch = signals.prr(*cells)
    for i in range(cells.shape[1]):
        one = signals.prr(*cells[:, i])
        assert np.array_equal(one.estimate, batch.estimate[i], equal_nan=True)
        assert np.array_equal(one.lower, batch.lower[i], equal_nan=True)
        assert one.reason == batch.reason[i]


def test_scalar_input_gives_zero_dimensional_arrays() -> None:
    result = signals.ror(*SINGHAL)
    assert result.estimate.shape == ()
    assert isinstance(float(result.estimate), float)


# ---------------------------------------------------------------- MGPS fitting


def _simulate(prior: GammaMixturePrior, cells: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    e = rng.lognormal(-1.0, 1.2, cells)
    first = rng.random(cells) < prior.p
    lam = np.where(
        first,
        rng.gamma(prior.alpha1, 1 / prior.beta1, cells),
        rng.gamma(prior.alpha2, 1 / prior.beta2, cells),
    )
    return rng.poisson(lam * e), e


TRUE_PRIOR = GammaMixturePrior(3.0, 0.4, 2.0, 1.9, 0.1)


def _assert_close_to_truth(fitted: GammaMixturePrior) -> None:
    true = TRUE_PRIOR
    assert fitted.alpha1 / fitted.beta1 == pytest.approx(true.alpha1 / true.beta1, rel=0.15)
    assert fitted.alpha2 / fitted.beta2 == pytest.approx(true.alpha2 / true.beta2, rel=0.15)
    assert fitted.alpha1 == pytest.approx(true.alpha1, rel=0.3)
    assert fitted.alpha2 == pytest.approx(true.alpha2, rel=0.3)
    assert fitted.p == pytest.approx(true.p, abs=0.03)


def test_fit_recovers_the_prior_from_all_cells() -> None:
    n, e = _simulate(TRUE_PRIOR, 20000, seed=20240607)
    fit = signals.fit_prior(n, e, n_star=None)
    assert fit.converged, fit.message
    assert fit.starts_agreeing >= 2
    assert fit.at_bounds == ()
    assert fit.cells == 20000
    assert fit.prior is not None
    _assert_close_to_truth(fit.prior)


def test_fit_recovers_the_prior_from_reported_cells_only() -> None:
    n, e = _simulate(TRUE_PRIOR, 20000, seed=11)
    fit = signals.fit_prior(n[n > 0], e[n > 0], n_star=1)
    assert fit.converged, fit.message
    assert fit.prior is not None
    _assert_close_to_truth(fit.prior)


def test_fit_beats_the_true_prior_on_its_own_likelihood() -> None:
    n, e = _simulate(TRUE_PRIOR, 5000, seed=3)
    fit = signals.fit_prior(n, e, n_star=None)
    assert fit.prior is not None
    truth = signals.mgps_log_likelihood(TRUE_PRIOR, n, e, n_star=None)
    assert fit.log_likelihood >= truth
    assert fit.log_likelihood == pytest.approx(
        signals.mgps_log_likelihood(fit.prior, n, e, n_star=None)
    )


def test_fit_with_too_few_cells_reports_instead_of_raising() -> None:
    fit = signals.fit_prior([1, 2, 3], [0.5, 0.5, 0.5])
    assert fit.prior is None
    assert not fit.converged
    assert fit.message == "too few cells to fit"


# openEBGM tests/testthat/testC_Likelihoods.R: its small data set and theta.
OPENEBGM_N = np.array([0] * 5 + [1] * 4 + [2] * 6 + [3] * 2, dtype=float)
OPENEBGM_E = np.arange(1, 18, dtype=float)
OPENEBGM_THETA = GammaMixturePrior(0.125874, 0.13587, 1.24578, 3.01587, 0.05)


def _nbinom_pmf(n: np.ndarray, alpha: float, beta: float, e: np.ndarray) -> np.ndarray:
    return np.asarray(stats.nbinom.pmf(n, alpha, beta / (beta + e)))


def _nbinom_sf(k: int, alpha: float, beta: float, e: np.ndarray) -> np.ndarray:
    return np.asarray(stats.nbinom.sf(k - 1, alpha, beta / (beta + e)))


def test_likelihood_without_truncation_matches_the_negative_binomial_mixture() -> None:
    t = OPENEBGM_THETA
    f1 = _nbinom_pmf(OPENEBGM_N, t.alpha1, t.beta1, OPENEBGM_E)
    f2 = _nbinom_pmf(OPENEBGM_N, t.alpha2, t.beta2, OPENEBGM_E)
    expected = np.sum(np.log(t.p * f1 + (1 - t.p) * f2))
    got = signals.mgps_log_likelihood(t, OPENEBGM_N, OPENEBGM_E, n_star=None)
    assert got == pytest.approx(expected, rel=1e-12)


def test_component_truncation_matches_openebgm_neg_ll() -> None:
    t = OPENEBGM_THETA
    keep = OPENEBGM_N >= 2
    n, e = OPENEBGM_N[keep], OPENEBGM_E[keep]
    f1 = _nbinom_pmf(n, t.alpha1, t.beta1, e) / _nbinom_sf(2, t.alpha1, t.beta1, e)
    f2 = _nbinom_pmf(n, t.alpha2, t.beta2, e) / _nbinom_sf(2, t.alpha2, t.beta2, e)
    expected = np.sum(np.log(t.p * f1 + (1 - t.p) * f2))
    # Cells below n_star are left out by the function itself.
    got = signals.mgps_log_likelihood(t, OPENEBGM_N, OPENEBGM_E, n_star=2, truncation="component")
    assert got == pytest.approx(expected, rel=1e-10)


def test_mixture_truncation_is_the_exact_conditional_law() -> None:
    t = OPENEBGM_THETA
    keep = OPENEBGM_N >= 2
    n, e = OPENEBGM_N[keep], OPENEBGM_E[keep]
    joint = t.p * _nbinom_pmf(n, t.alpha1, t.beta1, e) + (1 - t.p) * _nbinom_pmf(
        n, t.alpha2, t.beta2, e
    )
    survival = t.p * _nbinom_sf(2, t.alpha1, t.beta1, e) + (1 - t.p) * _nbinom_sf(
        2, t.alpha2, t.beta2, e
    )
    got = signals.mgps_log_likelihood(t, OPENEBGM_N, OPENEBGM_E, n_star=2, truncation="mixture")
    assert got == pytest.approx(np.sum(np.log(joint / survival)), rel=1e-10)


@pytest.mark.parametrize(
    ("n_star", "truncation"), [(None, "mixture"), (1, "mixture"), (2, "mixture"), (2, "component")]
)
def test_likelihood_gradient_matches_finite_differences(
    n_star: int | None, truncation: signals.Truncation
) -> None:
    n, e = _simulate(TRUE_PRIOR, 300, seed=5)
    cells = signals._fit_cells(n, e, None, n_star, truncation)
    theta = np.array([0.7, 0.3, 2.5, 2.0, 0.3])

    def value(x: np.ndarray) -> float:
        return signals._log_likelihood(x, cells)[0]

    analytic = signals._log_likelihood(theta, cells)[1]
    numeric = optimize.approx_fprime(theta, value, 1e-7)
    assert analytic == pytest.approx(numeric, rel=1e-4, abs=1e-3)


def test_mgps_on_tables_fits_then_scores() -> None:
    n, e = _simulate(TRUE_PRIOR, 3000, seed=9)
    # Tables whose E = (a+b)(a+c)/N equals the simulated E: rows of 1000 reports per product.
    total = 1_000_000.0
    a = n.astype(float)
    product_total = 1000.0
    event_total = np.maximum(np.round(e * total / product_total), a)
    cells = (a, product_total - a, event_total - a, total - product_total - event_total + a)
    result = signals.mgps(*cells)
    assert result.fit is not None
    assert result.fit.converged
    assert result.prior is not None
    again = signals.ebgm(a, result.expected, result.prior)
    assert np.array_equal(result.scores.ebgm, again.ebgm, equal_nan=True)


def test_mgps_with_a_given_prior_does_not_fit() -> None:
    result = signals.mgps(*SINGHAL, prior=VIGNETTE_PRIOR)
    assert result.fit is None
    assert result.scores.defined
    assert result.expected == pytest.approx(970 * 45 / 32422)


# ---------------------------------------------------------------- properties


@PROPERTY
@given(tables)
def test_measures_never_raise_on_any_counts(cells: tuple[int, int, int, int]) -> None:
    # pytest turns RuntimeWarnings into errors here, so this also proves no 0/0 leaks out.
    for measure in (signals.prr, signals.ror):
        result = measure(*cells)
        assert result.defined == (result.reason == "")
        if result.defined:
            assert result.lower <= result.estimate <= result.upper
        else:
            assert np.isnan(result.lower)
            assert np.isnan(result.upper)
    chi = signals.chi_square(*cells)
    assert chi.defined == np.isfinite(chi.yates)
    if chi.defined:
        assert 0 <= chi.yates <= chi.uncorrected
    ic = signals.information_component(*cells)
    if ic.defined:
        assert ic.ic025 < ic.ic < ic.ic975
    bayes = signals.bcpnn(*cells)
    if bayes.defined:
        assert bayes.lower <= bayes.expected_ic <= bayes.upper
    signals.evans(*cells)


@PROPERTY
@given(tables)
def test_prr_and_ror_never_fall_when_a_grows(cells: tuple[int, int, int, int]) -> None:
    a, b, c, d = cells
    for measure in (signals.prr, signals.ror):
        before, after = measure(a, b, c, d).estimate, measure(a + 1, b, c, d).estimate
        if not (np.isnan(before) or np.isnan(after)):
            assert after >= before * (1 - 1e-12)


@PROPERTY
@given(st.tuples(*[st.integers(0, 5000)] * 4))
def test_chi_square_agrees_with_scipy(cells: tuple[int, int, int, int]) -> None:
    a, b, c, d = cells
    ours = signals.chi_square(*cells)
    if not ours.defined:
        return
    observed = np.array([[a, b], [c, d]])
    yates = stats.chi2_contingency(observed, correction=True)
    plain = stats.chi2_contingency(observed, correction=False)
    assert ours.yates == pytest.approx(yates.statistic, rel=1e-9, abs=1e-9)
    assert ours.uncorrected == pytest.approx(plain.statistic, rel=1e-9, abs=1e-9)
    assert ours.p_yates == pytest.approx(yates.pvalue, rel=1e-7, abs=1e-300)
    assert ours.p_uncorrected == pytest.approx(plain.pvalue, rel=1e-7, abs=1e-300)


@PROPERTY
@given(st.integers(0, 500), st.floats(1e-4, 1e3))
def test_ebgm_lies_inside_its_credibility_interval(n: int, e: float) -> None:
    result = signals.ebgm(n, e, VIGNETTE_PRIOR)
    assert result.defined
    assert result.eb05 <= result.ebgm <= result.eb95
    cdf = signals.posterior_cdf([result.eb05, result.eb95], n, e, VIGNETTE_PRIOR)
    assert cdf == pytest.approx([0.05, 0.95], abs=1e-9)


@PROPERTY
@given(st.integers(0, 500), st.floats(1e-4, 1e3))
def test_ebgm_grows_with_the_count(n: int, e: float) -> None:
    result = signals.ebgm([n, n + 1], [e, e], VIGNETTE_PRIOR)
    assert result.ebgm[1] > result.ebgm[0]
    assert result.eb05[1] > result.eb05[0]
    assert result.eb95[1] > result.eb95[0]


def test_quantiles_are_exact_on_a_grid_of_cells() -> None:
    n = np.array([c[0] for c in itertools.product(range(0, 60, 3), range(8))], dtype=float)
    e = np.tile(np.geomspace(1e-3, 50, 8), 20)
    result = signals.ebgm(n, e, VIGNETTE_PRIOR)
    cdf05 = signals.posterior_cdf(result.eb05, n, e, VIGNETTE_PRIOR)
    cdf95 = signals.posterior_cdf(result.eb95, n, e, VIGNETTE_PRIOR)
    assert np.max(np.abs(cdf05 - 0.05)) < 1e-10
    assert np.max(np.abs(cdf95 - 0.95)) < 1e-10
