"""Disproportionality measures for safety signals, computed on 2x2 tables of report counts.

A table crosses one product (or lot) with one adverse event: ``a`` product and event, ``b``
product and other events, ``c`` other products and the event, ``d`` neither. Every function
takes scalars or numpy arrays (broadcast together, 0-d arrays for scalars) and handles all tables
in one vectorised pass. Zero cells never raise: an infinite or undefined result comes back as
inf or nan with ``defined`` False and a ``reason``. Only invalid input raises `InvalidInput`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats
from threadpoolctl import threadpool_limits

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]
Truncation = Literal["mixture", "component"]

EVANS_MIN_PRR: Final = 2.0
EVANS_MIN_CHI_SQUARE: Final = 4.0
EVANS_MIN_CASES: Final = 3
# The Evans screen uses Yates' corrected chi-square: the stricter choice at the small counts a
# clinic sees, and the one usually reported with Evans, Waller & Davis 2001's criteria.
EVANS_CHI_SQUARE: Final = "yates"

_LN2: Final = float(np.log(2.0))


class InvalidInput(ValueError):
    """Input no table can have (a negative or fractional count, a nan); names the field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# ---------------------------------------------------------------- input checks


def _numbers(field: str, value: npt.ArrayLike) -> FloatArray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInput(field, "must be a number") from error
    if not np.all(np.isfinite(array)):
        raise InvalidInput(field, "must be a finite number")
    if np.any(array < 0):
        raise InvalidInput(field, "must not be negative")
    return array


def counts(field: str, value: npt.ArrayLike) -> FloatArray:
    """``value`` as float64, after checking it holds whole numbers >= 0."""
    array = _numbers(field, value)
    if np.any(array != np.floor(array)):
        raise InvalidInput(field, "must be a whole number")
    return array


def amounts(field: str, value: npt.ArrayLike) -> FloatArray:
    """``value`` as float64, after checking it holds finite numbers >= 0 (exposures, E)."""
    return _numbers(field, value)


def broadcast(**arrays: FloatArray) -> list[FloatArray]:
    """The arrays broadcast to one shape; a shape mismatch names the fields."""
    try:
        return [np.asarray(x, dtype=np.float64) for x in np.broadcast_arrays(*arrays.values())]
    except ValueError as error:
        raise InvalidInput(", ".join(arrays), "shapes cannot be broadcast together") from error


def _probability(field: str, value: float) -> float:
    if not 0.0 < value < 1.0:
        raise InvalidInput(field, "must be strictly between 0 and 1")
    return float(value)


def _arr(values: npt.ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def reasons(shape: tuple[int, ...], *cases: tuple[BoolArray, str]) -> StrArray:
    """Per table, the text of the first case that holds, else ""."""
    conditions = [np.broadcast_to(condition, shape) for condition, _ in cases]
    return np.asarray(np.select(conditions, [text for _, text in cases], default=""), np.str_)


# ---------------------------------------------------------------- tables


@dataclass(frozen=True)
class Table:
    """Validated 2x2 counts, broadcast to one shape, with their margins."""

    a: FloatArray
    b: FloatArray
    c: FloatArray
    d: FloatArray

    @property
    def shape(self) -> tuple[int, ...]:
        return self.a.shape

    @property
    def product_total(self) -> FloatArray:
        return self.a + self.b

    @property
    def other_total(self) -> FloatArray:
        return self.c + self.d

    @property
    def event_total(self) -> FloatArray:
        return self.a + self.c

    @property
    def no_event_total(self) -> FloatArray:
        return self.b + self.d

    @property
    def total(self) -> FloatArray:
        return self.a + self.b + self.c + self.d

    @property
    def expected(self) -> FloatArray:
        """E = (a+b)(a+c)/N, the count of ``a`` expected under independence (nan if N = 0)."""
        with np.errstate(all="ignore"):
            return np.asarray(self.product_total * self.event_total / self.total)


def table(a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, d: npt.ArrayLike) -> Table:
    """Checks and broadcasts the four cells of 2x2 tables."""
    cells = broadcast(a=counts("a", a), b=counts("b", b), c=counts("c", c), d=counts("d", d))
    return Table(*cells)


def table_from_margins(
    n11: npt.ArrayLike,
    product_total: npt.ArrayLike,
    event_total: npt.ArrayLike,
    total: npt.ArrayLike,
) -> Table:
    """The 2x2 table from n11, n1. (product), n.1 (event) and n.. as papers report them."""
    n11_, n1_, n_1, n = broadcast(
        n11=counts("n11", n11),
        product_total=counts("product_total", product_total),
        event_total=counts("event_total", event_total),
        total=counts("total", total),
    )
    if np.any(n11_ > n1_):
        raise InvalidInput("product_total", "must be at least n11")
    if np.any(n11_ > n_1):
        raise InvalidInput("event_total", "must be at least n11")
    if np.any(n1_ + n_1 - n11_ > n):
        raise InvalidInput("total", "must be at least product_total + event_total - n11")
    return Table(n11_, n1_ - n11_, n_1 - n11_, n - n1_ - n_1 + n11_)


# ---------------------------------------------------------------- PRR and ROR


@dataclass(frozen=True)
class RatioEstimate:
    """A reporting ratio with its Wald CI on the log scale.

    ``defined`` is True when the estimate and both bounds are finite and positive; otherwise
    the estimate is 0, inf or nan as the arithmetic gives, the bounds are nan, and ``reason``
    says which cell is missing.
    """

    estimate: FloatArray
    lower: FloatArray
    upper: FloatArray
    se_log: FloatArray
    defined: BoolArray
    reason: StrArray


def _z(alpha: float) -> float:
    return float(stats.norm.ppf(1.0 - _probability("alpha", alpha) / 2.0))


def _log_interval(
    estimate: FloatArray, se: FloatArray, why: StrArray, alpha: float
) -> RatioEstimate:
    defined = np.asarray(why == "")
    z = _z(alpha)
    with np.errstate(all="ignore"):
        log_estimate = np.log(estimate)
        # min/max: exp(log x) can come back one ulp off x when the SE is 0.
        lower = np.where(defined, np.minimum(np.exp(log_estimate - z * se), estimate), np.nan)
        upper = np.where(defined, np.maximum(np.exp(log_estimate + z * se), estimate), np.nan)
    return RatioEstimate(
        _arr(estimate), _arr(lower), _arr(upper), _arr(np.where(defined, se, np.nan)), defined, why
    )


def prr(
    a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, d: npt.ArrayLike, *, alpha: float = 0.05
) -> RatioEstimate:
    """Proportional reporting ratio [a/(a+b)] / [c/(c+d)] with its 100(1-alpha)% CI.

    SE(ln PRR) = sqrt(1/a - 1/(a+b) + 1/c - 1/(c+d)); the CI uses the exact normal quantile
    (1.959964 for 95%), which is what reproduces the published Singhal et al. 2015 limits.
    """
    return _prr(table(a, b, c, d), alpha)


def _prr(t: Table, alpha: float) -> RatioEstimate:
    with np.errstate(all="ignore"):
        estimate = (t.a / t.product_total) / (t.c / t.other_total)
        # Each bracket is >= 0 in floating point too, so the sum never goes negative.
        se = np.sqrt((1 / t.a - 1 / t.product_total) + (1 / t.c - 1 / t.other_total))
    why = reasons(
        t.shape,
        (t.product_total == 0, "no reports for the product"),
        (t.other_total == 0, "no reports for the comparison group"),
        ((t.a == 0) & (t.c == 0), "the event is not reported at all"),
        (t.c == 0, "the event is never reported for the comparison group: PRR is infinite"),
        (t.a == 0, "the event is never reported for the product: PRR is 0"),
    )
    return _log_interval(_arr(estimate), _arr(se), why, alpha)


def _zero_cell_reasons(t: Table) -> StrArray:
    names = ("a", "b", "c", "d")
    texts = []
    for code in range(16):
        zero = [name for bit, name in enumerate(names) if code >> bit & 1]
        texts.append(
            "" if not zero else f"zero cell{'s' if len(zero) > 1 else ''}: {', '.join(zero)}"
        )
    code = (t.a == 0) * 1 + (t.b == 0) * 2 + (t.c == 0) * 4 + (t.d == 0) * 8
    return np.asarray(np.array(texts, dtype=np.str_)[code], np.str_)


def ror(
    a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, d: npt.ArrayLike, *, alpha: float = 0.05
) -> RatioEstimate:
    """Reporting odds ratio ad/(bc) with its CI; SE(ln ROR) = sqrt(1/a + 1/b + 1/c + 1/d).

    Any zero cell leaves the log-scale CI undefined; the estimate is then 0, inf or nan.
    """
    t = table(a, b, c, d)
    with np.errstate(all="ignore"):
        estimate = (t.a * t.d) / (t.b * t.c)
        se = np.sqrt(1 / t.a + 1 / t.b + 1 / t.c + 1 / t.d)
    return _log_interval(_arr(estimate), _arr(se), _zero_cell_reasons(t), alpha)


# ---------------------------------------------------------------- chi-square and Evans


@dataclass(frozen=True)
class ChiSquare:
    """Pearson's chi-square (1 df) for the 2x2 table, with and without Yates' correction.

    The Evans criteria use ``yates`` (see `EVANS_CHI_SQUARE`). Undefined (nan) when a row or
    column of the table is empty.
    """

    yates: FloatArray
    uncorrected: FloatArray
    p_yates: FloatArray
    p_uncorrected: FloatArray
    defined: BoolArray
    reason: StrArray


def chi_square(a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, d: npt.ArrayLike) -> ChiSquare:
    """Chi-square both ways; Yates' correction never overshoots (it stops at |O - E| = 0)."""
    return _chi_square(table(a, b, c, d))


def _chi_square(t: Table) -> ChiSquare:
    why = reasons(
        t.shape,
        (t.total == 0, "no reports at all"),
        (t.product_total == 0, "no reports for the product"),
        (t.other_total == 0, "no reports for the comparison group"),
        (t.event_total == 0, "the event is not reported at all"),
        (t.no_event_total == 0, "every report is of the event"),
    )
    with np.errstate(all="ignore"):
        n = t.total
        # |O - E| is the same in all four cells; working from it avoids forming ad - bc,
        # which loses precision when the counts are large.
        gap = np.abs(t.a - t.expected)
        inverse_expected = n * (
            1 / (t.product_total * t.event_total)
            + 1 / (t.product_total * t.no_event_total)
            + 1 / (t.other_total * t.event_total)
            + 1 / (t.other_total * t.no_event_total)
        )
        uncorrected = np.where(why == "", gap**2 * inverse_expected, np.nan)
        yates = np.where(why == "", np.maximum(gap - 0.5, 0.0) ** 2 * inverse_expected, np.nan)
    return ChiSquare(
        yates=_arr(yates),
        uncorrected=_arr(uncorrected),
        p_yates=_chi_square_1df_p(yates),
        p_uncorrected=_chi_square_1df_p(uncorrected),
        defined=np.asarray(why == ""),
        reason=why,
    )


def _chi_square_1df_p(x: FloatArray) -> FloatArray:
    # P(chi2_1 > x) = erfc(sqrt(x / 2)): the same number as stats.chi2.sf(x, 1), 20x faster.
    with np.errstate(invalid="ignore"):
        return _arr(special.erfc(np.sqrt(x / 2)))


@dataclass(frozen=True)
class EvansSignal:
    """Evans et al. 2001: PRR >= 2, Yates-corrected chi-square >= 4 and a >= 3.

    An undefined PRR or chi-square never makes a signal; an infinite PRR (the event reported
    only for this product) does, when the other two criteria hold.
    """

    signal: BoolArray
    prr: FloatArray
    chi_square: FloatArray
    cases: FloatArray
    chi_square_correction: str = EVANS_CHI_SQUARE


def evans(a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, d: npt.ArrayLike) -> EvansSignal:
    """Whether each table meets the Evans criteria (see `EvansSignal`)."""
    t = table(a, b, c, d)
    ratio = _prr(t, 0.05).estimate
    chi = _chi_square(t).yates
    with np.errstate(invalid="ignore"):
        signal = (ratio >= EVANS_MIN_PRR) & (chi >= EVANS_MIN_CHI_SQUARE) & (t.a >= EVANS_MIN_CASES)
    return EvansSignal(np.asarray(signal), ratio, chi, t.a)


# ---------------------------------------------------------------- information component


@dataclass(frozen=True)
class InformationComponent:
    """Shrunk IC = log2((a + 0.5)/(E + 0.5)) and Noren et al. 2013's approximate limits.

    IC025 = IC - 3.3 (a+0.5)^-1/2 - 2 (a+0.5)^-3/2 and IC975 = IC + 2.4 (a+0.5)^-1/2 -
    0.5 (a+0.5)^-3/2. Shrinkage keeps IC finite at a = 0; undefined only for an empty table.
    """

    ic: FloatArray
    ic025: FloatArray
    ic975: FloatArray
    expected: FloatArray
    defined: BoolArray
    reason: StrArray


def information_component(
    a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, d: npt.ArrayLike
) -> InformationComponent:
    """The shrunk observed-to-expected ratio on the log2 scale (see `InformationComponent`)."""
    t = table(a, b, c, d)
    why = reasons(t.shape, (t.total == 0, "no reports at all"))
    expected = t.expected
    shrunk = t.a + 0.5
    with np.errstate(all="ignore"):
        ic = np.log2(shrunk / (expected + 0.5))
        ic025 = ic - 3.3 * shrunk**-0.5 - 2.0 * shrunk**-1.5
        ic975 = ic + 2.4 * shrunk**-0.5 - 0.5 * shrunk**-1.5
    return InformationComponent(
        _arr(ic), _arr(ic025), _arr(ic975), expected, np.asarray(why == ""), why
    )


@dataclass(frozen=True)
class Bcpnn:
    """BCPNN information component, Gould 2003's normal approximation.

    E[IC] and Var[IC] are equations (A3) and (A4) of Gould (2003) with the uniform priors that
    pharmsignal uses; the interval is E[IC] -/+ z sqrt(Var). Undefined for an empty table.
    """

    expected_ic: FloatArray
    variance: FloatArray
    sd: FloatArray
    lower: FloatArray
    upper: FloatArray
    defined: BoolArray
    reason: StrArray


def bcpnn(
    a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, d: npt.ArrayLike, *, alpha: float = 0.05
) -> Bcpnn:
    """The BCPNN IC with its normal-approximation CI (see `Bcpnn`)."""
    t = table(a, b, c, d)
    z = _z(alpha)
    n = t.total
    p1, p2 = 1 + t.product_total, 1 + n - t.product_total
    q1, q2 = 1 + t.event_total, 1 + n - t.event_total
    r1 = 1 + t.a
    r2 = n - t.a - 1 + (2 + n) ** 2 / (q1 * p1)
    psi, trigamma = special.digamma, _trigamma
    expected_ic = (
        psi(r1) - psi(r1 + r2) - (psi(p1) - psi(p1 + p2) + psi(q1) - psi(q1 + q2))
    ) / _LN2
    variance = (
        trigamma(r1)
        - trigamma(r1 + r2)
        + trigamma(p1)
        - trigamma(p1 + p2)
        + trigamma(q1)
        - trigamma(q1 + q2)
    ) / _LN2**2
    why = reasons(t.shape, (n == 0, "no reports at all"))
    defined = np.asarray(why == "")
    expected_ic = _arr(np.where(defined, expected_ic, np.nan))
    variance = _arr(np.where(defined, variance, np.nan))
    sd = _arr(np.sqrt(variance))
    return Bcpnn(
        expected_ic,
        variance,
        sd,
        _arr(expected_ic - z * sd),
        _arr(expected_ic + z * sd),
        defined,
        why,
    )


def _trigamma(x: FloatArray) -> FloatArray:
    return np.asarray(special.polygamma(1, x), np.float64)


# ---------------------------------------------------------------- MGPS / EBGM


@dataclass(frozen=True)
class GammaMixturePrior:
    """DuMouchel's prior on the true reporting ratio: P Gamma(a1, b1) + (1 - P) Gamma(a2, b2).

    Gammas use the rate parametrisation (mean alpha/beta).
    """

    alpha1: float
    beta1: float
    alpha2: float
    beta2: float
    p: float

    def __post_init__(self) -> None:
        for name in ("alpha1", "beta1", "alpha2", "beta2"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise InvalidInput(name, "must be a positive number")
        _probability("p", self.p)

    def as_tuple(self) -> tuple[float, float, float, float, float]:
        return (self.alpha1, self.beta1, self.alpha2, self.beta2, self.p)


# Starting values: DuMouchel 1999's, then the other rows of the openEBGM vignette's grid.
DEFAULT_STARTS: Final[tuple[tuple[float, float, float, float, float], ...]] = (
    (0.2, 0.1, 2.0, 4.0, 1 / 3),
    (0.1, 0.1, 10.0, 10.0, 0.2),
    (0.3, 0.5, 6.0, 6.0, 0.5),
    (0.5, 0.3, 12.0, 12.0, 0.8),
    (0.2, 0.2, 5.0, 5.0, 0.4),
)
_LOG_BOUND: Final = float(np.log(1e6))  # alpha, beta in [1e-6, 1e6]; logit P in the same range
_PARAMETERS: Final = ("alpha1", "beta1", "alpha2", "beta2", "p")


def _log_nb(
    n: FloatArray,
    alpha: float,
    beta: float,
    e: FloatArray,
    log_n_factorial: FloatArray | None = None,
) -> FloatArray:
    """log P(N = n) for N ~ Poisson(lambda E), lambda ~ Gamma(alpha, beta): negative binomial."""
    log_n_factorial = special.gammaln(n + 1) if log_n_factorial is None else log_n_factorial
    with np.errstate(all="ignore"):
        return np.asarray(
            special.gammaln(alpha + n)
            - special.gammaln(alpha)
            - log_n_factorial
            - alpha * np.log1p(e / beta)
            + special.xlogy(n, e / (beta + e)),
            np.float64,
        )


def _log_nb_gradient(
    n: FloatArray, alpha: float, beta: float, e: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """d/d alpha and d/d beta of `_log_nb`."""
    d_alpha = special.digamma(alpha + n) - special.digamma(alpha) - np.log1p(e / beta)
    d_beta = (alpha * e - n * beta) / (beta * (beta + e))
    return np.asarray(d_alpha, np.float64), np.asarray(d_beta, np.float64)


@dataclass(frozen=True)
class _Counts:
    """The cells a likelihood is evaluated on, with what does not depend on the prior."""

    n: FloatArray
    e: FloatArray
    w: FloatArray
    log_n_factorial: FloatArray
    n_star: int | None
    truncation: Truncation


@dataclass(frozen=True)
class _Component:
    """One mixture component's per-cell log density and gradient, and its truncation."""

    log_f: FloatArray
    d_alpha: FloatArray
    d_beta: FloatArray
    log_s: FloatArray  # log P(N >= n_star); 0 without truncation
    ds_alpha: FloatArray  # d/d alpha of P(N >= n_star), not of its log
    ds_beta: FloatArray


def _component(cells: _Counts, alpha: float, beta: float) -> _Component:
    n, e, n_star = cells.n, cells.e, cells.n_star
    log_f = _log_nb(n, alpha, beta, e, cells.log_n_factorial)
    d_alpha, d_beta = _log_nb_gradient(n, alpha, beta, e)
    if not n_star:
        zero = np.zeros_like(e)
        return _Component(log_f, d_alpha, d_beta, zero, zero, zero)
    with np.errstate(all="ignore"):
        log_ratio = np.log1p(e / beta)  # -log P(N = 0) / alpha
        f0 = np.exp(-alpha * log_ratio)
        # dP(N >= n*)/dtheta = -sum_{j < n*} f_j dlog f_j/dtheta; j = 0 in closed form.
        ds_alpha = f0 * log_ratio
        ds_beta = -f0 * alpha * e / (beta * (beta + e))
        if n_star == 1:
            survival = -np.expm1(-alpha * log_ratio)  # 1 - f0 without cancellation
        else:
            # P(N >= n*) = I_{E/(beta+E)}(n*, alpha): no 1 - F cancellation when E is small.
            survival = special.betainc(float(n_star), alpha, e / (beta + e))
        for j in range(1, n_star):
            k = np.full_like(e, float(j))
            f_j = np.exp(_log_nb(k, alpha, beta, e))
            j_alpha, j_beta = _log_nb_gradient(k, alpha, beta, e)
            ds_alpha = ds_alpha - f_j * j_alpha
            ds_beta = ds_beta - f_j * j_beta
        log_s = np.log(survival)
    return _Component(log_f, d_alpha, d_beta, _arr(log_s), _arr(ds_alpha), _arr(ds_beta))


def _log_likelihood(
    theta: Sequence[float] | FloatArray, cells: _Counts
) -> tuple[float, FloatArray]:
    """Weighted log-likelihood of the counts and its gradient in (a1, b1, a2, b2, P)."""
    alpha1, beta1, alpha2, beta2, p = (float(x) for x in theta)
    one, two = _component(cells, alpha1, beta1), _component(cells, alpha2, beta2)
    w, truncated = cells.w, bool(cells.n_star)
    with np.errstate(all="ignore"):
        s1, s2 = np.exp(one.log_s), np.exp(two.log_s)
        m1, m2 = np.log(p) + one.log_f, np.log1p(-p) + two.log_f
        if cells.truncation == "component":
            # openEBGM's negLL/negLLsquash: each component is truncated on its own.
            m1, m2 = m1 - one.log_s, m2 - two.log_s
        cell = np.logaddexp(m1, m2)
        q = np.exp(m1 - cell)
        wq, wr = w * q, w * (1 - q)
        grad = np.array(
            [
                np.sum(wq * one.d_alpha),
                np.sum(wq * one.d_beta),
                np.sum(wr * two.d_alpha),
                np.sum(wr * two.d_beta),
                np.sum(wq / p - wr / (1 - p)),
            ]
        )
        if truncated and cells.truncation == "component":
            grad[:4] -= [
                np.sum(wq * one.ds_alpha / s1),
                np.sum(wq * one.ds_beta / s1),
                np.sum(wr * two.ds_alpha / s2),
                np.sum(wr * two.ds_beta / s2),
            ]
        elif truncated:
            # The exact conditional law of N given N >= n*: divide by the mixture's survival.
            survival = p * s1 + (1 - p) * s2
            cell = cell - np.log(survival)
            ws = w / survival
            grad -= [
                np.sum(ws * p * one.ds_alpha),
                np.sum(ws * p * one.ds_beta),
                np.sum(ws * (1 - p) * two.ds_alpha),
                np.sum(ws * (1 - p) * two.ds_beta),
                np.sum(ws * (s1 - s2)),
            ]
        return float(np.sum(w * cell)), np.asarray(grad, np.float64)


def mgps_log_likelihood(
    prior: GammaMixturePrior,
    n: npt.ArrayLike,
    e: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    n_star: int | None = 1,
    truncation: Truncation = "mixture",
) -> float:
    """Marginal log-likelihood of counts ``n`` with expected counts ``e`` under ``prior``.

    N is a negative binomial mixture (DuMouchel 1999, eq. 12). With ``n_star`` the cells with
    n >= n_star are modelled given N >= n_star: ``truncation="mixture"`` divides by the
    mixture's P(N >= n*) (the exact conditional law); ``"component"`` truncates each negative
    binomial on its own, as openEBGM's negLL does. ``n_star=None`` uses every cell as it is.
    """
    cells = _fit_cells(n, e, weights, n_star, truncation)
    return _log_likelihood(prior.as_tuple(), cells)[0]


def _fit_cells(
    n: npt.ArrayLike,
    e: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    n_star: int | None,
    truncation: Truncation,
) -> _Counts:
    """The cells that enter the likelihood, identical (n, E) pairs merged into one weight."""
    n_ = counts("n", n).ravel()
    e_ = amounts("e", e).ravel()
    w_ = np.ones_like(n_) if weights is None else amounts("weights", weights).ravel()
    if not (n_.shape == e_.shape == w_.shape):
        raise InvalidInput("n, e, weights", "must have the same length")
    if n_star is not None and (isinstance(n_star, bool) or n_star < 0):
        raise InvalidInput("n_star", "must be None or a whole number >= 0")
    if truncation not in ("mixture", "component"):
        raise InvalidInput("truncation", "must be 'mixture' or 'component'")
    keep = (e_ > 0) & (w_ > 0) & (n_ >= (n_star or 0))
    # Merging equal cells is exact (the likelihood is a weighted sum over cells) and, since
    # many cells share small counts and margins, it shortens every evaluation.
    pairs, index = np.unique(np.stack([n_[keep], e_[keep]]), axis=1, return_inverse=True)
    merged = _arr(np.bincount(index.ravel(), weights=w_[keep], minlength=pairs.shape[1]))
    return _Counts(pairs[0], pairs[1], merged, special.gammaln(pairs[0] + 1), n_star, truncation)


@dataclass(frozen=True)
class PriorFit:
    """The maximum-likelihood gamma-mixture prior and how the optimisation went.

    ``converged`` is the optimiser's verdict for the best start; ``starts_agreeing`` counts the
    converged starts that reached the same log-likelihood (within 1e-6 relative), a check
    against local optima. ``at_bounds`` names parameters that ended on a search bound.
    ``cells`` counts the cells that entered the fit (their total weight, if weighted).
    """

    prior: GammaMixturePrior | None
    log_likelihood: float
    converged: bool
    message: str
    cells: int
    starts_tried: int
    starts_converged: int
    starts_agreeing: int
    at_bounds: tuple[str, ...]


def _to_search(theta: Sequence[float]) -> FloatArray:
    alpha1, beta1, alpha2, beta2, p = theta
    return np.array(
        [np.log(alpha1), np.log(beta1), np.log(alpha2), np.log(beta2), special.logit(p)]
    )


def _from_search(phi: FloatArray) -> FloatArray:
    return np.concatenate([np.exp(phi[:4]), [special.expit(phi[4])]])


def _search_objective(cells: _Counts) -> Callable[[FloatArray], tuple[float, FloatArray]]:
    total = float(np.sum(cells.w))

    def objective(phi: FloatArray) -> tuple[float, FloatArray]:
        theta = _from_search(phi)
        value, grad = _log_likelihood(theta, cells)
        chain = np.concatenate([theta[:4], [theta[4] * (1 - theta[4])]])
        if not np.isfinite(value):
            return float("inf"), np.zeros(5)
        return -value / total, -grad * chain / total

    return objective


def fit_prior(
    n: npt.ArrayLike,
    e: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    n_star: int | None = 1,
    truncation: Truncation = "mixture",
    starts: Sequence[Sequence[float]] = DEFAULT_STARTS,
) -> PriorFit:
    """Fits (alpha1, beta1, alpha2, beta2, P) by maximum likelihood (see `mgps_log_likelihood`).

    L-BFGS-B with the analytic gradient, on log alpha, log beta and logit P bounded to
    [1e-6, 1e6] (P to [1e-6, 1 - 1e-6]), from each of ``starts``; the best converged start wins.
    Cells with E = 0, zero weight, or n below ``n_star`` are left out; fewer than six distinct
    (n, E) cells cannot identify five parameters. Component 1 is returned
    as the one with the larger prior mean. A fit that cannot be made returns ``prior=None``.
    """
    cells = _fit_cells(n, e, weights, n_star, truncation)
    if cells.n.size < len(_PARAMETERS) + 1:
        used = _total_weight(cells.w)
        return PriorFit(None, float("nan"), False, "too few cells to fit", used, 0, 0, 0, ())
    objective = _search_objective(cells)
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(_PARAMETERS)
    results = []
    # L-BFGS-B makes hundreds of tiny BLAS calls: with BLAS threads each one waits for its
    # threads, tens of times slower on a busy machine. One thread gives the same steps.
    with threadpool_limits(limits=1, user_api="blas"):
        for start in starts:
            phi0 = np.clip(
                _to_search(GammaMixturePrior(*start).as_tuple()), -_LOG_BOUND, _LOG_BOUND
            )
            with np.errstate(all="ignore"):
                results.append(
                    optimize.minimize(
                        objective,
                        phi0,
                        jac=True,
                        method="L-BFGS-B",
                        bounds=bounds,
                        options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
                    )
                )
    return _best_fit(results, cells.w)


def _total_weight(w: FloatArray) -> int:
    return round(float(np.sum(w)))


def _best_fit(results: Sequence[optimize.OptimizeResult], w: FloatArray) -> PriorFit:
    finite = [r for r in results if np.isfinite(r.fun)]
    if not finite:
        return PriorFit(
            None,
            float("nan"),
            False,
            "no start gave a finite likelihood",
            _total_weight(w),
            len(results),
            0,
            0,
            (),
        )
    converged = [r for r in finite if r.success]
    best = min(converged or finite, key=lambda r: float(r.fun))
    total = float(np.sum(w))
    agreeing = sum(abs(r.fun - best.fun) <= 1e-6 * max(1.0, abs(best.fun)) for r in converged)
    at_bounds = tuple(
        name for name, x in zip(_PARAMETERS, best.x, strict=True) if abs(x) >= _LOG_BOUND - 1e-6
    )
    theta = _from_search(np.asarray(best.x, np.float64))
    alpha1, beta1, alpha2, beta2, p = (float(x) for x in theta)
    if alpha1 / beta1 < alpha2 / beta2:
        alpha1, beta1, alpha2, beta2, p = alpha2, beta2, alpha1, beta1, 1 - p
    return PriorFit(
        prior=GammaMixturePrior(alpha1, beta1, alpha2, beta2, p),
        log_likelihood=-float(best.fun) * total,
        converged=bool(best.success),
        message=str(best.message),
        cells=_total_weight(w),
        starts_tried=len(results),
        starts_converged=len(converged),
        starts_agreeing=int(agreeing),
        at_bounds=at_bounds,
    )


@dataclass(frozen=True)
class Ebgm:
    """Empirical Bayes scores per cell (DuMouchel 1999).

    ``ebgm`` = exp(E[ln lambda | N]), ``eblog2`` = E[log2 lambda | N]; ``eb05``/``eb95`` are the
    posterior quantiles (at ``lower``/``upper``, default 5% and 95%); ``q`` is the posterior
    weight of component 1. Undefined (nan) where E = 0.
    """

    ebgm: FloatArray
    eb05: FloatArray
    eb95: FloatArray
    eblog2: FloatArray
    q: FloatArray
    defined: BoolArray
    reason: StrArray


@dataclass(frozen=True)
class _Posterior:
    q: FloatArray
    shape1: FloatArray
    rate1: FloatArray
    shape2: FloatArray
    rate2: FloatArray


def _posterior(n: FloatArray, e: FloatArray, prior: GammaMixturePrior) -> _Posterior:
    with np.errstate(all="ignore"):
        m1 = np.log(prior.p) + _log_nb(n, prior.alpha1, prior.beta1, e)
        m2 = np.log1p(-prior.p) + _log_nb(n, prior.alpha2, prior.beta2, e)
        q = np.exp(m1 - np.logaddexp(m1, m2))
    return _Posterior(q, prior.alpha1 + n, prior.beta1 + e, prior.alpha2 + n, prior.beta2 + e)


def _cells(n: npt.ArrayLike, e: npt.ArrayLike) -> tuple[FloatArray, FloatArray, StrArray]:
    n_, e_ = broadcast(n=counts("n", n), e=amounts("e", e))
    why = reasons(n_.shape, (e_ == 0, "expected count is 0 (no reports for the product or event)"))
    # A placeholder E keeps the arithmetic quiet; those cells are set to nan afterwards.
    return n_, np.where(why == "", e_, 1.0), why


def posterior_cdf(
    x: npt.ArrayLike, n: npt.ArrayLike, e: npt.ArrayLike, prior: GammaMixturePrior
) -> FloatArray:
    """P(lambda <= x | N = n) under the posterior mixture of gammas (nan where E = 0)."""
    n_, e_, why = _cells(n, e)
    x_, n_, e_ = broadcast(x=np.asarray(x, np.float64), n=n_, e=e_)
    post = _posterior(n_, e_, prior)
    with np.errstate(all="ignore"):
        cdf = post.q * special.gammainc(post.shape1, post.rate1 * np.maximum(x_, 0)) + (
            1 - post.q
        ) * special.gammainc(post.shape2, post.rate2 * np.maximum(x_, 0))
    return np.asarray(np.where(np.broadcast_to(why, cdf.shape) == "", cdf, np.nan), np.float64)


def posterior_quantile(
    probability: float, n: npt.ArrayLike, e: npt.ArrayLike, prior: GammaMixturePrior
) -> FloatArray:
    """The ``probability`` quantile of lambda | N = n, by root finding on the mixture CDF."""
    prob = _probability("probability", probability)
    n_, e_, why = _cells(n, e)
    quantile = _mixture_quantile(prob, _posterior(n_, e_, prior))
    return np.asarray(np.where(why == "", quantile, np.nan), np.float64)


def _mixture_quantile(prob: float, post: _Posterior) -> FloatArray:
    """Safeguarded Newton on log(lambda), bracketed by the two components' own quantiles.

    The mixture CDF is a weighted mean of the component CDFs, so its quantile lies between
    theirs; a Newton step leaving the bracket is replaced by bisection.
    """
    x1 = special.gammaincinv(post.shape1, prob) / post.rate1
    x2 = special.gammaincinv(post.shape2, prob) / post.rate2
    tiny = np.finfo(np.float64).tiny
    with np.errstate(all="ignore"):
        lo = np.log(np.maximum(np.minimum(x1, x2), tiny))
        hi = np.log(np.maximum(np.maximum(x1, x2), tiny))
        u = np.log(np.maximum(post.q * x1 + (1 - post.q) * x2, tiny))
    u = np.clip(u, lo, hi)
    active = np.flatnonzero((hi - lo) > 1e-13 * np.maximum(1.0, np.abs(hi)))
    flat = [
        np.ravel(np.broadcast_to(v, u.shape))
        for v in (post.q, post.shape1, post.rate1, post.shape2, post.rate2)
    ]
    # log Gamma(shape) does not change from one Newton step to the next: computed once.
    with np.errstate(all="ignore"):
        log_gamma = [special.gammaln(flat[1]), special.gammaln(flat[3])]
    u_flat, lo_flat, hi_flat = u.ravel().copy(), lo.ravel().copy(), hi.ravel().copy()
    for _ in range(200):
        if active.size == 0:
            break
        q, s1, r1, s2, r2 = (v[active] for v in flat)
        g1, g2 = log_gamma[0][active], log_gamma[1][active]
        uu, ll, hh = u_flat[active], lo_flat[active], hi_flat[active]
        with np.errstate(all="ignore"):
            x = np.exp(uu)
            f = q * special.gammainc(s1, r1 * x) + (1 - q) * special.gammainc(s2, r2 * x) - prob
            slope = q * np.exp(_log_gamma_density_times_x(s1, r1, x, g1)) + (1 - q) * np.exp(
                _log_gamma_density_times_x(s2, r2, x, g2)
            )
            ll = np.where(f < 0, uu, ll)
            hh = np.where(f > 0, uu, hh)
            step = uu - f / slope
        bisect = ~np.isfinite(step) | (step <= ll) | (step >= hh)
        new = np.where(f == 0, uu, np.where(bisect, (ll + hh) / 2, step))
        done = (np.abs(new - uu) <= 1e-14 * np.maximum(1.0, np.abs(uu))) | (hh - ll <= 1e-14)
        u_flat[active], lo_flat[active], hi_flat[active] = new, ll, hh
        active = active[~done]
    return np.asarray(np.exp(u_flat).reshape(u.shape), np.float64)


def _log_gamma_density_times_x(
    shape: FloatArray, rate: FloatArray, x: FloatArray, log_gamma_shape: FloatArray | None = None
) -> FloatArray:
    """log(f(x) * x) for a Gamma(shape, rate) density: the CDF's slope in log(x)."""
    log_gamma = special.gammaln(shape) if log_gamma_shape is None else log_gamma_shape
    return np.asarray(shape * np.log(rate * x) - rate * x - log_gamma, np.float64)


def ebgm(
    n: npt.ArrayLike,
    e: npt.ArrayLike,
    prior: GammaMixturePrior,
    *,
    lower: float = 0.05,
    upper: float = 0.95,
) -> Ebgm:
    """EBGM, EB05 and EB95 for counts ``n`` with expected counts ``e`` (see `Ebgm`)."""
    n_, e_, why = _cells(n, e)
    # Cells with equal (n, E) have equal scores, and many cells share small counts and
    # margins: each distinct pair is scored once (exact: every step is cell by cell).
    pairs, index = np.unique(np.stack([n_.ravel(), e_.ravel()]), axis=1, return_inverse=True)
    post = _posterior(pairs[0], pairs[1], prior)
    defined = np.asarray(why == "")
    with np.errstate(all="ignore"):
        log_mean = post.q * (special.digamma(post.shape1) - np.log(post.rate1)) + (1 - post.q) * (
            special.digamma(post.shape2) - np.log(post.rate2)
        )
    eb05 = _mixture_quantile(_probability("lower", lower), post)
    eb95 = _mixture_quantile(_probability("upper", upper), post)

    def masked(values: npt.ArrayLike) -> FloatArray:
        per_cell = np.asarray(values)[index.ravel()].reshape(n_.shape)
        return np.asarray(np.where(defined, per_cell, np.nan), np.float64)

    return Ebgm(
        ebgm=masked(np.exp(log_mean)),
        eb05=masked(eb05),
        eb95=masked(eb95),
        eblog2=masked(log_mean / _LN2),
        q=masked(post.q),
        defined=defined,
        reason=why,
    )


@dataclass(frozen=True)
class Mgps:
    """MGPS on a set of 2x2 tables: the prior used (fitted unless given) and the scores."""

    prior: GammaMixturePrior | None
    fit: PriorFit | None
    scores: Ebgm
    expected: FloatArray


def mgps(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    c: npt.ArrayLike,
    d: npt.ArrayLike,
    *,
    prior: GammaMixturePrior | None = None,
    n_star: int | None = 1,
    truncation: Truncation = "mixture",
) -> Mgps:
    """EBGM scores for tables that are all cells of one product-by-event count table.

    N = a and E = (a+b)(a+c)/N. Without ``prior`` one is fitted to these cells; if that fit
    fails every score is nan with the fit's message as the reason.
    """
    t = table(a, b, c, d)
    expected = np.where(t.total > 0, t.expected, 0.0)
    fit = None
    if prior is None:
        fit = fit_prior(t.a, expected, n_star=n_star, truncation=truncation)
        prior = fit.prior
    if prior is None:
        nan = np.full(t.shape, np.nan)
        why = np.full(t.shape, f"prior could not be fitted: {fit.message if fit else ''}", np.str_)
        scores = Ebgm(nan, nan, nan, nan, nan, np.zeros(t.shape, np.bool_), why)
        return Mgps(None, fit, scores, expected)
    return Mgps(prior, fit, ebgm(t.a, expected, prior), expected)
