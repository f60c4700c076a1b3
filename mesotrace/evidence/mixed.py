"""Linear mixed models fitted by profiled (RE)ML, with results named like statsmodels'.

`fit_mixed` takes the fast path for a random intercept per group (a one-dimensional
root search over per-group sums, linear in rows) and the general path otherwise
(correlated intercepts and slopes, variance components). statsmodels and R's lme4 are
the references the tests compare both paths against; neither is called here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats
from threadpoolctl import threadpool_limits

from mesotrace.evidence.design import Design, EvidenceInputError, Missing, _, build_design
from mesotrace.evidence.likelihood import (
    FloatArray,
    GroupSums,
    InterceptSums,
    Layout,
    Solution,
)

Path = Literal["auto", "fast", "general"]
# The optimisers below make thousands of calls on matrices a few rows wide: BLAS threads
# only add hand-over latency there (2-3x slower on 2 busy cores), so they run on one.
# Ratios var(random effect) / residual variance tried before the root search, and how
# small a standard-deviation ratio must be to count as a variance on the boundary (zero).
RATIO_GRID = np.concatenate([[0.0], np.logspace(-8, 8, 49)])
BOUNDARY = 1e-5


@dataclass(frozen=True)
class Optimum:
    solution: Solution
    lam: FloatArray  # relative covariance factor at the optimum
    converged: bool
    evaluations: int
    message: str


@dataclass(frozen=True)
class MixedResult:
    """A fitted linear mixed model. `params` holds the fixed effects only (statsmodels'
    `fe_params`); the variance parameters are in `scale`, `cov_re` and `vcomp`.
    `random_effects`: each group's conditional mean (BLUP) of the correlated effects.
    `boundary`: the variances estimated as zero. `warnings`: plain-language caveats."""

    formula: str
    group: str
    reml: bool
    path: str  # "fast" (profiled random intercept, 1-D) or "general"
    params: pd.Series
    bse: pd.Series
    cov_fe: pd.DataFrame
    scale: float
    cov_re: pd.DataFrame
    vcomp: pd.Series
    llf: float
    converged: bool
    boundary: list[str]
    nobs: int
    ngroups: int
    group_sizes: tuple[int, float, int]  # smallest, mean, largest
    random_effects: pd.DataFrame
    evaluations: int
    warnings: list[str] = field(default_factory=list)

    @property
    def fe_params(self) -> pd.Series:
        return self.params

    @property
    def method(self) -> str:
        return "REML" if self.reml else "ML"

    @property
    def tvalues(self) -> pd.Series:
        return self.params / self.bse

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided Wald p-values on the normal distribution, as statsmodels and lme4 report."""
        return pd.Series(2 * stats.norm.sf(np.abs(self.tvalues)), index=self.params.index)

    @property
    def n_variance_params(self) -> int:
        k = self.cov_re.shape[0]
        return k * (k + 1) // 2 + len(self.vcomp) + 1

    @property
    def aic(self) -> float | None:
        """None under REML: REML likelihoods of different fixed effects do not compare."""
        return (
            None if self.reml else -2 * self.llf + 2 * (len(self.params) + self.n_variance_params)
        )

    @property
    def bic(self) -> float | None:
        k = len(self.params) + self.n_variance_params
        return None if self.reml else -2 * self.llf + np.log(self.nobs) * k

    def cov_params(self) -> pd.DataFrame:
        return self.cov_fe

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals for the fixed effects on the normal distribution (as statsmodels)."""
        z = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame(
            {"lower": self.params - z * self.bse, "upper": self.params + z * self.bse}
        )

    def summary(self) -> str:
        return _summary_text(self)


def fit_mixed(
    data: pd.DataFrame,
    formula: str,
    group: str,
    re_formula: str | None = None,
    vc_formula: Mapping[str, str] | None = None,
    reml: bool = True,
    *,
    missing: Missing = "raise",
    path: Path = "auto",
) -> MixedResult:
    """Fits `formula` with random effects per level of `group`.

    re_formula: correlated random effects, e.g. "1 + Time"; None means a random
    intercept, also when vc_formula is given (statsmodels then drops the intercept);
    "0" for none. vc_formula: independent variance components within each group, like
    statsmodels', e.g. {"side": "0 + C(side)"} for a random intercept per patient side.
    missing="drop" leaves out rows with missing values (and says so in `warnings`).
    path: "auto" takes the fast path whenever the model is a random intercept only.
    """
    design = build_design(data, formula, group, re_formula, vc_formula, missing)
    intercept_only = design.re_names == ["Group"] and not design.vc_names
    if path == "fast" and not intercept_only:
        raise EvidenceInputError(
            "the fast path fits a random intercept only: drop re_formula/vc_formula or "
            "use path='general'"
        )
    use_fast = path == "fast" or (path == "auto" and intercept_only)
    optimum = _fit_intercept(design, reml) if use_fast else _fit_general(design, reml)
    return _result(design, formula, group, reml, "fast" if use_fast else "general", optimum)


# --- fast path --------------------------------------------------------------------------


def _fit_intercept(design: Design, reml: bool) -> Optimum:
    sums = InterceptSums.from_rows(design.y, design.x, design.codes, design.ngroups)
    with threadpool_limits(limits=1, user_api="blas"):
        return _search_ratio(sums, reml)


def _search_ratio(sums: InterceptSums, reml: bool) -> Optimum:
    deviances = np.array([sums.solve(r, reml).deviance for r in RATIO_GRID])
    best = int(np.argmin(deviances))
    evaluations = RATIO_GRID.size
    ratio, converged, message = 0.0, True, "variance at the boundary (zero)"
    if best > 0 or sums.derivative(0.0, reml) < 0:
        ratio, converged, message, used = _root_near(sums, reml, best)
        evaluations += used
    lam = np.array([[np.sqrt(ratio)]])
    return Optimum(sums.solve(ratio, reml), lam, converged, evaluations, message)


def _root_near(sums: InterceptSums, reml: bool, best: int) -> tuple[float, bool, str, int]:
    """The zero of d deviance / d ratio between the grid neighbours of the best grid point."""
    low = RATIO_GRID[max(best - 1, 0)]
    high = RATIO_GRID[min(best + 1, RATIO_GRID.size - 1)]
    d_low, d_high = sums.derivative(low, reml), sums.derivative(high, reml)
    if d_low >= 0:
        return low, low == 0.0, "minimum at the lower grid edge", 2
    if d_high <= 0:
        return high, False, "minimum beyond the largest variance ratio tried", 2
    ratio, info = optimize.brentq(
        lambda r: sums.derivative(r, reml),
        low,
        high,
        xtol=1e-300,
        rtol=4 * np.finfo(float).eps,
        full_output=True,
    )
    return float(ratio), bool(info.converged), info.flag, 2 + int(info.function_calls)


# --- general path -----------------------------------------------------------------------


@dataclass(frozen=True)
class Centring:
    """Centres y and the non-constant fixed-effect columns when there is an intercept.

    The fit on centred data gives beta~; the original beta = T beta~ + shift * e_intercept.
    Centring changes no likelihood (det T = 1) but stops large means from swamping
    X'H^-1X in the general path's sums.
    """

    transform: FloatArray
    shift: float
    intercept: int | None

    @classmethod
    def of(cls, design: Design) -> tuple[Centring, FloatArray, FloatArray]:
        x, y = design.x, design.y
        constant = np.flatnonzero(np.all(x == 1.0, axis=0))
        if constant.size == 0:
            return cls(np.eye(x.shape[1]), 0.0, None), y, x
        j = int(constant[0])
        means = x.mean(axis=0)
        means[j] = 0.0
        transform = np.eye(x.shape[1])
        transform[j, :] -= means
        shift = float(y.mean())
        return cls(transform, shift, j), y - shift, x - means

    def undo(self, solution: Solution, q_re: int) -> Solution:
        beta = self.transform @ solution.beta
        if self.intercept is not None:
            beta[self.intercept] += self.shift
        a_inv = self.transform @ solution.a_inv @ self.transform.T
        effects = solution.random_effects[:, :q_re]
        return Solution(beta, a_inv, solution.r2, solution.deviance, effects)


def _fit_general(design: Design, reml: bool) -> Optimum:
    centring, y, x = Centring.of(design)
    z = np.column_stack([design.z_re, *design.z_vc])
    sums = GroupSums.from_rows(y, x, z, design.codes, design.ngroups)
    layout = Layout(design.z_re.shape[1], tuple(m.shape[1] for m in design.z_vc))

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        deviance, d = sums.deviance_and_gradient(layout.lam(theta), reml)
        return deviance, layout.chain(d)

    bounds = [(low, None) for low in layout.lower_bounds()]
    with threadpool_limits(limits=1, user_api="blas"):
        fits = [_minimise(objective, layout.start(), bounds)]
        if not fits[0].success or np.any(fits[0].x[layout.diagonal()] == 0.0):
            # On a boundary or unsure: a second start guards against a local optimum there.
            fits.append(_minimise(objective, 0.1 * layout.start(), bounds))
    best = min(fits, key=lambda f: float(f.fun))
    lam = layout.lam(np.asarray(best.x, dtype=np.float64))
    solution = centring.undo(sums.solve(lam, reml), layout.q_re)
    converged = bool(best.success) or _small_projected_gradient(best, bounds)
    return Optimum(solution, lam, converged, sum(int(f.nfev) for f in fits), str(best.message))


def _minimise(
    objective: Callable[[FloatArray], tuple[float, FloatArray]],
    start: FloatArray,
    bounds: list[tuple[float | None, None]],
) -> optimize.OptimizeResult:
    return optimize.minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000},
    )


def _small_projected_gradient(
    fit: optimize.OptimizeResult, bounds: list[tuple[float | None, None]]
) -> bool:
    """L-BFGS-B sometimes stops on 'abnormal termination in line search' at an optimum."""
    grad = np.asarray(fit.jac, dtype=np.float64).copy()
    for i, (low, _high) in enumerate(bounds):
        if low is not None and fit.x[i] <= low and grad[i] > 0:
            grad[i] = 0.0
    return bool(np.max(np.abs(grad)) < 1e-4)


# --- the result -------------------------------------------------------------------------


def _result(
    design: Design, formula: str, group: str, reml: bool, path: str, optimum: Optimum
) -> MixedResult:
    solution = optimum.solution
    p = design.x.shape[1]
    scale = solution.r2 / (design.nobs - p if reml else design.nobs)
    cov_fe = scale * solution.a_inv
    names = design.x_names
    q_re = len(design.re_names)
    lam_re = optimum.lam[:q_re, :q_re]
    vc_sd = [float(optimum.lam[s, s]) for s in _vc_first_columns(design)]
    boundary = [n for n, d in zip(design.re_names, np.diag(lam_re), strict=True) if d < BOUNDARY]
    boundary += [n for n, s in zip(design.vc_names, vc_sd, strict=True) if s < BOUNDARY]
    sizes = np.bincount(design.codes)
    return MixedResult(
        formula=formula,
        group=group,
        reml=reml,
        path=path,
        params=pd.Series(solution.beta, index=names, name="params"),
        bse=pd.Series(np.sqrt(np.diag(cov_fe)), index=names, name="bse"),
        cov_fe=pd.DataFrame(cov_fe, index=names, columns=names),
        scale=float(scale),
        cov_re=pd.DataFrame(
            scale * lam_re @ lam_re.T, index=design.re_names, columns=design.re_names
        ),
        vcomp=pd.Series([scale * s * s for s in vc_sd], index=design.vc_names, dtype=np.float64),
        llf=-0.5 * solution.deviance,
        converged=optimum.converged,
        boundary=boundary,
        nobs=design.nobs,
        ngroups=design.ngroups,
        group_sizes=(int(sizes.min()), float(sizes.mean()), int(sizes.max())),
        random_effects=pd.DataFrame(
            solution.random_effects, index=design.labels, columns=design.re_names
        ),
        evaluations=optimum.evaluations,
        warnings=_warnings(design, optimum, boundary),
    )


def _vc_first_columns(design: Design) -> list[int]:
    first, out = len(design.re_names), []
    for block in design.z_vc:
        out.append(first)
        first += block.shape[1]
    return out


def _warnings(design: Design, optimum: Optimum, boundary: list[str]) -> list[str]:
    notes: list[str] = []
    if design.dropped_rows:
        notes.append(
            _("%(count)s row(s) with missing values were left out", count=design.dropped_rows)
        )
    if design.ngroups < 5:
        notes.append(
            _(
                "only %(count)s groups: the random-effect variance is poorly determined",
                count=design.ngroups,
            )
        )
    if boundary:
        notes.append(
            _(
                "the variance of %(terms)s is estimated as zero (on the boundary): "
                "the data show no variation between groups beyond the residual noise",
                terms=", ".join(boundary),
            )
        )
    if not optimum.converged:
        notes.append(
            _(
                "the optimiser did not confirm convergence (%(reason)s)",
                reason=optimum.message,
            )
        )
    return notes


_PATHS = {
    "fast": "fast path: profiled random intercept",
    "general": "general path: profiled over the covariance factor",
}


def _summary_text(result: MixedResult) -> str:
    smallest, mean, largest = result.group_sizes
    ci = result.conf_int()
    width = 78
    lines = [
        f"Mixed linear model ({result.method}), {_PATHS[result.path]}".center(width),
        "=" * width,
        f"Model: {result.formula}",
        f"Groups: {result.group:<20} No. groups: {result.ngroups:<10,} "
        f"No. observations: {result.nobs:,}",
        f"Group size min/mean/max: {smallest} / {mean:.1f} / {largest}",
        f"Scale (residual variance): {result.scale:.6g}    Log-likelihood: {result.llf:.4f}",
        f"Converged: {'yes' if result.converged else 'NO'}",
        "-" * width,
        f"{'':<24}{'Coef.':>10}{'Std.Err.':>10}{'z':>9}{'P>|z|':>8}{'[0.025':>9}{'0.975]':>9}",
    ]
    for name in result.params.index:
        lines.append(
            f"{str(name)[:24]:<24}{result.params[name]:>10.4f}{result.bse[name]:>10.4f}"
            f"{result.tvalues[name]:>9.3f}{result.pvalues[name]:>8.3f}"
            f"{ci.loc[name, 'lower']:>9.3f}{ci.loc[name, 'upper']:>9.3f}"
        )
    for i, row in enumerate(result.cov_re.index):
        for col in result.cov_re.columns[: i + 1]:
            label = f"{row} Var" if row == col else f"{row} x {col} Cov"
            lines.append(f"{label[:24]:<24}{result.cov_re.loc[row, col]:>10.4f}")
    for name, value in result.vcomp.items():
        lines.append(f"{str(name)[:20] + ' Var':<24}{value:>10.4f}")
    lines.append("=" * width)
    lines.extend(f"Warning: {w}" for w in result.warnings)
    return "\n".join(lines)
