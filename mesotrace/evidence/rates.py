"""Incidence of adverse events per exposure (e.g. per 1,000 sessions) and exact rate ratios.

A clinic knows how often each lot was used, so it can compare rates instead of reports: a lot
against the other lots of its product, a product against the other products. Everything is
vectorised like `signals`; zero events or zero exposure give inf/nan with a ``reason``, never an
exception. Invalid input (negative, fractional events, nan) raises `InvalidInput`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from mesotrace.evidence.signals import (
    BoolArray,
    FloatArray,
    InvalidInput,
    StrArray,
    amounts,
    broadcast,
    counts,
    reasons,
)


def _alpha(value: float) -> float:
    if not 0.0 < value < 1.0:
        raise InvalidInput("alpha", "must be strictly between 0 and 1")
    return float(value)


def _per(value: float) -> float:
    if not (np.isfinite(value) and value > 0):
        raise InvalidInput("per", "must be a positive number")
    return float(value)


@dataclass(frozen=True)
class Incidence:
    """Events per ``per`` exposure units with Garwood's exact Poisson CI.

    lower = chi2(alpha/2; 2k)/2 / T and upper = chi2(1 - alpha/2; 2k + 2)/2 / T, scaled by
    ``per``; with k = 0 the lower bound is 0. Undefined (nan) without exposure.
    """

    rate: FloatArray
    lower: FloatArray
    upper: FloatArray
    events: FloatArray
    exposure: FloatArray
    per: float
    defined: BoolArray
    reason: StrArray


def incidence(
    events: npt.ArrayLike, exposure: npt.ArrayLike, *, per: float = 1000.0, alpha: float = 0.05
) -> Incidence:
    """The incidence rate with its exact 100(1-alpha)% CI (see `Incidence`)."""
    k, t = broadcast(events=counts("events", events), exposure=amounts("exposure", exposure))
    return _incidence(k, t, _per(per), _alpha(alpha))


def _incidence(k: FloatArray, t: FloatArray, per: float, alpha: float) -> Incidence:
    why = reasons(
        k.shape,
        ((t == 0) & (k > 0), "events recorded without exposure"),
        (t == 0, "no exposure"),
    )
    defined = np.asarray(why == "")
    with np.errstate(all="ignore"):
        scale = np.where(defined, per / t, np.nan)
        low = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
        high = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
        return Incidence(
            rate=np.asarray(k * scale, np.float64),
            lower=np.asarray(low * scale, np.float64),
            upper=np.asarray(high * scale, np.float64),
            events=k,
            exposure=t,
            per=per,
            defined=defined,
            reason=why,
        )


@dataclass(frozen=True)
class RateRatio:
    """(a / t1) / (c / t2) with an exact conditional CI and exact p-values.

    Given a + c events, a is Binomial(a + c, pi) with pi = t1 RR / (t1 RR + t2). The CI is the
    Clopper-Pearson interval for pi mapped to RR = pi/(1 - pi) * t2/t1; ``p_above`` is
    P(X >= a) under RR = 1 (one-sided, "the first group's rate is higher"); ``p_two_sided`` is
    min(1, 2 min(P(X >= a), P(X <= a))), the test the CI inverts. ``defined`` is True when the
    ratio is finite; the bounds and p-values are given whenever both exposures are positive
    (an infinite upper bound, e.g. with c = 0, is reported as inf).
    """

    ratio: FloatArray
    lower: FloatArray
    upper: FloatArray
    p_above: FloatArray
    p_two_sided: FloatArray
    defined: BoolArray
    reason: StrArray


def rate_ratio(
    events: npt.ArrayLike,
    exposure: npt.ArrayLike,
    other_events: npt.ArrayLike,
    other_exposure: npt.ArrayLike,
    *,
    alpha: float = 0.05,
) -> RateRatio:
    """The rate ratio of a group against a comparison group (see `RateRatio`)."""
    a, t1, c, t2 = broadcast(
        events=counts("events", events),
        exposure=amounts("exposure", exposure),
        other_events=counts("other_events", other_events),
        other_exposure=amounts("other_exposure", other_exposure),
    )
    return _rate_ratio(a, t1, c, t2, _alpha(alpha))


def _rate_ratio(
    a: FloatArray, t1: FloatArray, c: FloatArray, t2: FloatArray, alpha: float
) -> RateRatio:
    why = reasons(
        a.shape,
        ((t1 == 0) & (a > 0), "events recorded without exposure"),
        ((t2 == 0) & (c > 0), "comparison events recorded without exposure"),
        (t1 == 0, "no exposure"),
        (t2 == 0, "no comparison exposure"),
        ((a == 0) & (c == 0), "no events in either group"),
        (c == 0, "no events in the comparison group: the ratio is infinite"),
    )
    exposed = (t1 > 0) & (t2 > 0)
    n = a + c
    with np.errstate(all="ignore"):
        ratio = np.where(exposed, (a / t1) / (c / t2), np.nan)
        odds_to_ratio = np.where(exposed, t2 / t1, np.nan)
        pi_low = np.where(a > 0, stats.beta.ppf(alpha / 2, a, n - a + 1), 0.0)
        pi_high = np.where(a < n, stats.beta.ppf(1 - alpha / 2, a + 1, n - a), 1.0)
        lower = pi_low / (1 - pi_low) * odds_to_ratio
        upper = np.where(pi_high < 1, pi_high / (1 - pi_high) * odds_to_ratio, np.inf)
        upper = np.where(exposed, upper, np.nan)
        pi0 = np.where(exposed, t1 / (t1 + t2), np.nan)
        p_above = np.where(a > 0, stats.binom.sf(a - 1, n, pi0), 1.0)
        p_below = stats.binom.cdf(a, n, pi0)
        p_two = np.minimum(1.0, 2 * np.minimum(p_above, p_below))
    p_above = np.where(exposed, p_above, np.nan)
    p_two = np.where(exposed, p_two, np.nan)
    return RateRatio(
        ratio=np.asarray(ratio, np.float64),
        lower=np.asarray(lower, np.float64),
        upper=np.asarray(upper, np.float64),
        p_above=np.asarray(p_above, np.float64),
        p_two_sided=np.asarray(p_two, np.float64),
        defined=np.asarray(why == ""),
        reason=why,
    )


@dataclass(frozen=True)
class Comparison:
    """Each unit (a lot, or a product) against all the others taken together.

    ``significantly_above`` is True where the one-sided exact p-value ``ratio.p_above`` is at
    most ``alpha``. No correction for testing several units is applied: pass alpha / k for a
    Bonferroni screen of k units.
    """

    rate: Incidence
    others: Incidence
    ratio: RateRatio
    significantly_above: BoolArray
    alpha: float


def compare_with_others(
    events: npt.ArrayLike,
    exposures: npt.ArrayLike,
    *,
    per: float = 1000.0,
    alpha: float = 0.05,
) -> Comparison:
    """Compares every unit's rate with the pooled rate of the other units.

    For the lots of one product pass the per-lot events and exposures (e.g. sessions), so a
    lot signal is not just the product's signal; for products pass per-product totals.
    """
    k, t = broadcast(events=counts("events", events), exposures=amounts("exposures", exposures))
    if k.ndim != 1:
        raise InvalidInput("events", "must be a one-dimensional array, one value per unit")
    per_, alpha_ = _per(per), _alpha(alpha)
    other_k = k.sum() - k
    # With fractional exposures, total - own can leave +-1e-13 where the others have none.
    total = t.sum()
    other_t = np.where(total - t <= 1e-12 * total, 0.0, total - t)
    ratio = _rate_ratio(k, t, other_k, other_t, alpha_)
    with np.errstate(invalid="ignore"):
        above = np.asarray(ratio.p_above <= alpha_)
    return Comparison(
        rate=_incidence(k, t, per_, alpha_),
        others=_incidence(other_k, other_t, per_, alpha_),
        ratio=ratio,
        significantly_above=above,
        alpha=alpha_,
    )


def compare_within(
    events: npt.ArrayLike, exposures: npt.ArrayLike, strata: npt.ArrayLike, *, alpha: float = 0.05
) -> RateRatio:
    """`compare_with_others(...).ratio` for every stratum at once, one vectorised call.

    Each unit is compared with the pooled rate of the other units of its stratum (e.g. the
    other lots of its product, for one event category); the same numbers as calling
    `compare_with_others` stratum by stratum. A unit alone in its stratum has nothing to be
    compared with: nan, with that reason.
    """
    k, t = broadcast(events=counts("events", events), exposures=amounts("exposures", exposures))
    labels = np.asarray(strata)
    if k.ndim != 1 or labels.shape != k.shape:
        raise InvalidInput("strata", "must give one stratum per unit, in one dimension")
    _, where = np.unique(labels, return_inverse=True)
    other_k = np.bincount(where, weights=k)[where] - k
    total = np.bincount(where, weights=t)[where]
    other_t = np.where(total - t <= 1e-12 * total, 0.0, total - t)
    ratio = _rate_ratio(k, t, other_k, other_t, _alpha(alpha))
    alone = np.bincount(where)[where] < 2

    def unless_alone(values: FloatArray) -> FloatArray:
        return np.asarray(np.where(alone, np.nan, values), np.float64)

    return RateRatio(
        ratio=unless_alone(ratio.ratio),
        lower=unless_alone(ratio.lower),
        upper=unless_alone(ratio.upper),
        p_above=unless_alone(ratio.p_above),
        p_two_sided=unless_alone(ratio.p_two_sided),
        defined=np.asarray(ratio.defined & ~alone),
        reason=np.asarray(np.where(alone, "no other unit to compare with", ratio.reason), np.str_),
    )
