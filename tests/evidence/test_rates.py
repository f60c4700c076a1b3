"""Incidence per 1,000 sessions and exact rate ratios: a lot against its product's other lots."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from mesotrace.evidence import rates
from mesotrace.evidence.signals import InvalidInput

PROPERTY = settings(max_examples=300, derandomize=True, database=None, deadline=None)

# Exact (Garwood) 95% limits for a Poisson count k, per unit of exposure; these are the
# standard table values (k = 0: upper = -ln 0.025 = 3.688879).
GARWOOD_95 = {0: (0.0, 3.688879), 1: (0.0253178, 5.571643), 10: (4.795389, 18.390356)}


# ---------------------------------------------------------------- incidence


@pytest.mark.parametrize("events", sorted(GARWOOD_95))
def test_incidence_ci_matches_the_exact_poisson_table(events: int) -> None:
    result = rates.incidence(events, 1000, per=1000)
    low, high = GARWOOD_95[events]
    assert result.rate == events
    assert result.lower == pytest.approx(low, abs=5e-7)
    assert result.upper == pytest.approx(high, abs=5e-7)


@pytest.mark.parametrize("events", [0, 1, 2, 10, 57])
def test_incidence_ci_matches_gamma_quantiles(events: int) -> None:
    # The same limits from scipy's gamma distribution rather than the chi-square used inside.
    result = rates.incidence(events, 2500, per=1000, alpha=0.1)
    low = stats.gamma.ppf(0.05, events) if events else 0.0
    high = stats.gamma.ppf(0.95, events + 1)
    assert result.lower == pytest.approx(low / 2.5, rel=1e-10)
    assert result.upper == pytest.approx(high / 2.5, rel=1e-10)


def test_incidence_is_per_thousand_sessions_by_default() -> None:
    result = rates.incidence(3, 1500)
    assert result.rate == pytest.approx(2.0)
    assert result.per == 1000


def test_incidence_ci_covers_at_least_95_percent_for_any_true_rate() -> None:
    # Exactness: for each true mean mu, the probability that the CI contains mu is >= 95%.
    k = np.arange(0, 200)
    interval = rates.incidence(k, 1.0, per=1.0)
    for mu in np.geomspace(0.05, 100, 60):
        covered = (interval.lower <= mu) & (mu <= interval.upper)
        assert np.sum(stats.poisson.pmf(k, mu)[covered]) >= 0.95 - 1e-12


def test_incidence_without_exposure_is_undefined_not_an_error() -> None:
    result = rates.incidence([0, 2], [0, 0])
    assert list(result.defined) == [False, False]
    assert np.all(np.isnan(result.rate))
    assert list(result.reason) == ["no exposure", "events recorded without exposure"]


def test_zero_events_give_a_zero_rate_with_an_upper_bound() -> None:
    result = rates.incidence(0, 400)
    assert result.defined
    assert result.rate == 0
    assert result.lower == 0
    assert result.upper == pytest.approx(3.688879 / 400 * 1000, rel=1e-6)


@pytest.mark.parametrize(
    ("events", "exposure", "field", "reason"),
    [
        (-1, 10, "events", "must not be negative"),
        (1.5, 10, "events", "must be a whole number"),
        (1, -10, "exposure", "must not be negative"),
        (1, float("nan"), "exposure", "must be a finite number"),
    ],
)
def test_invalid_incidence_input_names_the_field(
    events: float, exposure: float, field: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        rates.incidence(events, exposure)
    assert (error.value.field, error.value.reason) == (field, reason)


def test_per_and_alpha_are_checked() -> None:
    with pytest.raises(InvalidInput) as error:
        rates.incidence(1, 10, per=0)
    assert error.value.field == "per"
    with pytest.raises(InvalidInput) as error:
        rates.rate_ratio(1, 10, 1, 10, alpha=0)
    assert error.value.field == "alpha"


# ---------------------------------------------------------------- rate ratio


@pytest.mark.parametrize(
    ("a", "t1", "c", "t2"),
    [(3, 120, 2, 2400), (0, 300, 7, 900), (12, 1000, 12, 1000), (5, 50.5, 1, 4000.25)],
)
def test_rate_ratio_ci_is_the_transformed_clopper_pearson_interval(
    a: int, t1: float, c: int, t2: float
) -> None:
    result = rates.rate_ratio(a, t1, c, t2)
    test = stats.binomtest(a, a + c, t1 / (t1 + t2))
    ci = test.proportion_ci(confidence_level=0.95, method="exact")

    def to_ratio(pi: float) -> float:
        return np.inf if pi == 1 else pi / (1 - pi) * t2 / t1

    assert result.ratio == pytest.approx((a / t1) / (c / t2))
    assert result.lower == pytest.approx(to_ratio(ci.low), rel=1e-9)
    assert result.upper == pytest.approx(to_ratio(ci.high), rel=1e-9)


@pytest.mark.parametrize(
    ("a", "t1", "c", "t2"), [(3, 120, 2, 2400), (0, 300, 7, 900), (9, 10, 1, 40)]
)
def test_rate_ratio_p_values_are_exact_binomial_tests(a: int, t1: float, c: int, t2: float) -> None:
    result = rates.rate_ratio(a, t1, c, t2)
    pi0 = t1 / (t1 + t2)
    greater = stats.binomtest(a, a + c, pi0, alternative="greater").pvalue
    less = stats.binomtest(a, a + c, pi0, alternative="less").pvalue
    assert result.p_above == pytest.approx(greater, rel=1e-10)
    assert result.p_two_sided == pytest.approx(min(1.0, 2 * min(greater, less)), rel=1e-10)


def test_rate_ratio_hand_computed_example() -> None:
    # 3 infections in 100 sessions of lot L, 1 in 1,000 sessions of the product's other lots.
    # Given 4 events, P(X >= 3) with pi0 = 100/1100 = 1/11: C(4,3)(1/11)^3(10/11) + (1/11)^4.
    result = rates.rate_ratio(3, 100, 1, 1000)
    assert result.ratio == pytest.approx(30.0)
    assert result.p_above == pytest.approx(4 * 10 / 11**4 + 1 / 11**4, rel=1e-12)


def test_rate_ratio_with_no_comparison_events_reports_infinity() -> None:
    result = rates.rate_ratio(5, 100, 0, 1000)
    assert not result.defined
    assert result.ratio == np.inf
    assert result.upper == np.inf
    assert 0 < result.lower < np.inf
    assert result.p_above == pytest.approx((100 / 1100) ** 5)
    assert "infinite" in str(result.reason)


def test_rate_ratio_with_no_events_at_all_is_undefined() -> None:
    result = rates.rate_ratio(0, 100, 0, 1000)
    assert not result.defined
    assert np.isnan(result.ratio)
    assert result.lower == 0
    assert result.upper == np.inf
    assert result.p_above == 1
    assert result.p_two_sided == 1
    assert result.reason == "no events in either group"


def test_rate_ratio_with_zero_events_in_the_lot_is_zero() -> None:
    result = rates.rate_ratio(0, 100, 6, 1000)
    assert result.defined
    assert result.ratio == 0
    assert result.lower == 0
    assert np.isfinite(result.upper)
    assert result.p_above == 1


def test_rate_ratio_without_exposure_is_undefined() -> None:
    result = rates.rate_ratio([0, 2, 1], [0, 0, 10], [1, 1, 1], [10, 10, 0])
    assert not np.any(result.defined)
    assert np.all(np.isnan(result.ratio))
    assert np.all(np.isnan(result.p_above))
    assert list(result.reason) == [
        "no exposure",
        "events recorded without exposure",
        "comparison events recorded without exposure",
    ]


def test_rate_ratio_ci_covers_at_least_95_percent() -> None:
    # Conditional exactness: for n events split Binomial(n, pi), the CI covers the true ratio
    # with probability >= 95% whatever the true ratio.
    t1, t2 = 300.0, 2700.0
    for n in (1, 4, 15, 60):
        a = np.arange(n + 1)
        result = rates.rate_ratio(a, t1, n - a, t2)
        for true_ratio in np.geomspace(0.05, 40, 25):
            pi = t1 * true_ratio / (t1 * true_ratio + t2)
            covered = (result.lower <= true_ratio) & (true_ratio <= result.upper)
            assert np.sum(stats.binom.pmf(a, n, pi)[covered]) >= 0.95 - 1e-12


# ---------------------------------------------------------------- lots of one product


def test_a_clustered_lot_is_significantly_above_its_siblings() -> None:
    # Four lots of one product: lot 0 had 4 skin infections in 200 sessions.
    result = rates.compare_with_others([4, 0, 1, 0], [200, 300, 500, 400])
    assert list(result.significantly_above) == [True, False, False, False]
    assert result.rate.rate[0] == pytest.approx(20.0)
    assert result.others.rate[0] == pytest.approx(1 / 1200 * 1000)
    assert result.others.events[0] == 1
    assert result.others.exposure[0] == 1200
    assert result.ratio.ratio[0] == pytest.approx(20.0 / (1000 / 1200))


def test_a_lot_with_its_products_usual_rate_is_not_flagged() -> None:
    result = rates.compare_with_others([2, 3, 2, 2], [1000, 1400, 900, 1100])
    assert not np.any(result.significantly_above)


def test_alpha_sets_the_significance_threshold() -> None:
    events, sessions = [3, 1, 1], [300, 1000, 1000]
    p = rates.compare_with_others(events, sessions).ratio.p_above[0]
    assert rates.compare_with_others(events, sessions, alpha=p).significantly_above[0]
    assert not rates.compare_with_others(events, sessions, alpha=p / 2).significantly_above[0]


def test_a_product_with_one_lot_has_nothing_to_compare_with() -> None:
    result = rates.compare_with_others([3], [500])
    assert result.rate.defined[0]
    assert not result.ratio.defined[0]
    assert result.ratio.reason[0] == "no comparison exposure"
    assert not result.significantly_above[0]


def test_an_unused_lot_is_reported_without_a_rate() -> None:
    result = rates.compare_with_others([0, 2, 1], [0, 800, 700])
    assert not result.rate.defined[0]
    assert result.rate.reason[0] == "no exposure"
    assert not result.significantly_above[0]
    assert result.others.exposure[1] == 700


def test_fractional_exposures_leave_no_phantom_comparison() -> None:
    result = rates.compare_with_others([2, 0], [0.1 + 0.2, 0.0])
    assert result.ratio.reason[0] == "no comparison exposure"


def test_compare_with_others_wants_one_value_per_unit() -> None:
    with pytest.raises(InvalidInput) as error:
        rates.compare_with_others([[1, 2]], [[10, 20]])
    assert error.value.field == "events"
    with pytest.raises(InvalidInput, match="shapes cannot be broadcast"):
        rates.compare_with_others([1, 2, 3], [10, 20])


# ---------------------------------------------------------------- properties

count = st.one_of(st.integers(0, 5), st.integers(0, 10**6), st.integers(0, 10**12))
exposure = st.one_of(st.just(0.0), st.floats(1e-6, 1e12), st.integers(0, 10**9).map(float))


@PROPERTY
@given(count, exposure, count, exposure)
def test_rate_ratio_never_raises_and_its_ci_holds_the_ratio(
    a: int, t1: float, c: int, t2: float
) -> None:
    result = rates.rate_ratio(a, t1, c, t2)
    assert result.defined == (result.reason == "")
    if result.defined:
        assert result.lower <= result.ratio * (1 + 1e-9)
        assert result.ratio <= result.upper * (1 + 1e-9)
        assert 0 <= result.p_above <= 1
        assert 0 <= result.p_two_sided <= 1


@PROPERTY
@given(count, exposure)
def test_incidence_never_raises_and_its_ci_holds_the_rate(k: int, t: float) -> None:
    result = rates.incidence(k, t)
    if result.defined:
        assert result.lower <= result.rate * (1 + 1e-9)
        assert result.rate <= result.upper * (1 + 1e-9)


@PROPERTY
@given(st.integers(0, 200), st.integers(0, 200), st.floats(1.0, 1e5), st.floats(1.0, 1e5))
def test_more_lot_events_never_raise_the_p_value(a: int, c: int, t1: float, t2: float) -> None:
    before = rates.rate_ratio(a, t1, c, t2)
    after = rates.rate_ratio(a + 1, t1, c, t2)
    assert after.p_above <= before.p_above * (1 + 1e-9)
    assert after.lower >= before.lower * (1 - 1e-9)


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 5000)), min_size=1, max_size=12))
def test_lot_comparison_never_raises(lots: list[tuple[int, int]]) -> None:
    events, sessions = zip(*lots, strict=True)
    result = rates.compare_with_others(events, sessions)
    assert result.significantly_above.shape == (len(lots),)
    assert np.all(result.others.events + result.rate.events == sum(events))
