"""Profiled (RE)ML deviance of a linear mixed model, computed from per-group sums.

The model is y = X b + Z u + e with u ~ N(0, s2 Lambda Lambda') and e ~ N(0, s2 I), as
in lme4. Beta and s2 are profiled out, so the deviance depends only on the relative
covariance factor Lambda; for a given Lambda it is computed from sums per group
(Z'Z, Z'X, Z'y), never from the rows, so each evaluation costs O(groups), not O(rows).

Two paths share the formulas:
- `InterceptSums`: random intercept only. Lambda is one number, so each group is
  summarised by its size and means, and the optimum is a root of a one-dimensional
  derivative (exact, no finite differences).
- `GroupSums`: any per-group design (correlated intercepts and slopes, variance
  components), batched dense algebra over groups with an analytic gradient.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.intp]
LOG_2PI = float(np.log(2 * np.pi))


def group_sums(codes: IndexArray, ngroups: int, values: FloatArray) -> FloatArray:
    """Column sums of `values` (rows x k) per group: one bincount per column, no group loop."""
    out = np.empty((ngroups, values.shape[1]))
    for column in range(values.shape[1]):
        out[:, column] = np.bincount(codes, weights=values[:, column], minlength=ngroups)
    return out


def profiled_deviance(
    logdet_h: float, logdet_a: float, r2: float, nobs: int, p: int, reml: bool
) -> float:
    """-2 log-likelihood with beta and s2 profiled out (lme4's formulas)."""
    nu = nobs - p if reml else nobs
    return logdet_h + (logdet_a if reml else 0.0) + nu * (1.0 + LOG_2PI + float(np.log(r2 / nu)))


@dataclass(frozen=True)
class Solution:
    """Everything the result needs at one value of the covariance parameters."""

    beta: FloatArray
    a_inv: FloatArray  # (X' H^-1 X)^-1; cov(beta) = s2 * a_inv
    r2: float  # (y - X beta)' H^-1 (y - X beta)
    deviance: float
    random_effects: FloatArray  # conditional means of the correlated effects, per group


# --- random intercept only --------------------------------------------------------------


@dataclass(frozen=True)
class InterceptSums:
    """Within-group cross-products, plus group means summed by group size: all the
    fast path needs.

    X'H^-1X splits into the within-group part and sum_i w(n_i) xbar_i xbar_i' with
    w(n) = n / (1 + ratio n). The weight depends on the group size only, so the
    between-group sums are pooled per distinct size once, and each evaluation costs
    O(distinct sizes), not O(groups). Both parts are positive: nothing cancels when
    group means are large.
    """

    sizes: FloatArray  # n_i, per group
    x_means: FloatArray  # groups x p
    y_means: FloatArray  # groups
    size_values: FloatArray  # the distinct group sizes
    size_counts: FloatArray  # how many groups have each size
    between: FloatArray  # per distinct size: sum of [xbar, ybar][xbar, ybar]' (p+1 square)
    within: FloatArray  # (p+1) square: within-group cross-products of [X, y]
    nobs: int

    @classmethod
    def from_rows(
        cls, y: FloatArray, x: FloatArray, codes: IndexArray, ngroups: int
    ) -> InterceptSums:
        sizes = np.bincount(codes, minlength=ngroups).astype(np.float64)
        xy = np.column_stack([x, y])
        means = group_sums(codes, ngroups, xy) / sizes[:, None]
        centred = xy - means[codes]
        size_values, size_index, size_counts = np.unique(
            sizes, return_inverse=True, return_counts=True
        )
        k = xy.shape[1]
        outer = (means[:, :, None] * means[:, None, :]).reshape(ngroups, k * k)
        between = group_sums(size_index.astype(np.intp), size_values.size, outer)
        return cls(
            sizes=sizes,
            x_means=np.ascontiguousarray(means[:, :-1]),
            y_means=np.ascontiguousarray(means[:, -1]),
            size_values=size_values,
            size_counts=size_counts.astype(np.float64),
            between=between.reshape(-1, k, k),
            within=centred.T @ centred,
            nobs=int(y.shape[0]),
        )

    @property
    def p(self) -> int:
        return int(self.x_means.shape[1])

    def _weights(self, ratio: float) -> FloatArray:
        """n / (1 + ratio n) per distinct size: how much a group mean counts."""
        return self.size_values / (1.0 + ratio * self.size_values)

    def _normal_equations(self, ratio: float) -> tuple[FloatArray, FloatArray, float, FloatArray]:
        p = self.p
        full = self.within + np.einsum("s,sij->ij", self._weights(ratio), self.between)
        a = full[:p, :p]
        chol = np.linalg.cholesky(a)
        a_inv = np.linalg.inv(a)
        beta = a_inv @ full[:p, p]
        r2 = max(float(full[p, p] - full[:p, p] @ beta), np.finfo(float).tiny)
        return beta, a_inv, r2, chol

    def solve(self, ratio: float, reml: bool) -> Solution:
        beta, a_inv, r2, chol = self._normal_equations(ratio)
        logdet_h = float(self.size_counts @ np.log1p(ratio * self.size_values))
        logdet_a = 2.0 * float(np.log(np.diag(chol)).sum())
        deviance = profiled_deviance(logdet_h, logdet_a, r2, self.nobs, self.p, reml)
        shrink = ratio * self.sizes / (1.0 + ratio * self.sizes)
        effects = shrink * (self.y_means - self.x_means @ beta)
        return Solution(beta, a_inv, r2, deviance, effects[:, None])

    def derivative(self, ratio: float, reml: bool) -> float:
        """d deviance / d ratio, exact; by the envelope theorem beta's change drops out.

        d w / d ratio = -w^2, so with S = sum w^2 [xbar, ybar][xbar, ybar]':
        d log|H| = sum w, d r2 = -[-beta, 1]' S [-beta, 1], d log|A| = -tr(A^-1 S_xx).
        """
        p = self.p
        beta, a_inv, r2, _ = self._normal_equations(ratio)
        w = self._weights(ratio)
        squared = np.einsum("s,sij->ij", w * w, self.between)
        contrast = np.append(-beta, 1.0)
        nu = self.nobs - p if reml else self.nobs
        d = float(self.size_counts @ w) - nu * float(contrast @ squared @ contrast) / r2
        if reml:
            d -= float(np.sum(a_inv * squared[:p, :p]))
        return d


# --- any per-group design ---------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """How the free parameters fill Lambda: a lower-triangular block for the correlated
    effects, then one standard-deviation ratio per variance component (on its columns)."""

    q_re: int
    vc_widths: tuple[int, ...]

    @property
    def q(self) -> int:
        return self.q_re + sum(self.vc_widths)

    @property
    def n_theta(self) -> int:
        return self.q_re * (self.q_re + 1) // 2 + len(self.vc_widths)

    def tril(self) -> tuple[IndexArray, IndexArray]:
        return self._tril

    @cached_property
    def _tril(self) -> tuple[IndexArray, IndexArray]:
        rows, cols = np.tril_indices(self.q_re)
        return rows.astype(np.intp), cols.astype(np.intp)

    def vc_slices(self) -> list[slice]:
        out, start = [], self.q_re
        for width in self.vc_widths:
            out.append(slice(start, start + width))
            start += width
        return out

    def lam(self, theta: FloatArray) -> FloatArray:
        lam = np.zeros((self.q, self.q))
        rows, cols = self.tril()
        lam[rows, cols] = theta[: rows.size]
        for k, part in enumerate(self.vc_slices()):
            idx = np.arange(part.start, part.stop)
            lam[idx, idx] = theta[rows.size + k]
        return lam

    def lower_bounds(self) -> list[float | None]:
        rows, cols = self.tril()
        bounds: list[float | None] = [
            0.0 if r == c else None for r, c in zip(rows, cols, strict=True)
        ]
        return bounds + [0.0] * len(self.vc_widths)

    def diagonal(self) -> IndexArray:
        """Positions in theta of the parameters that are standard-deviation ratios (>= 0)."""
        rows, cols = self.tril()
        on_diagonal = np.flatnonzero(rows == cols)
        return np.concatenate([on_diagonal, rows.size + np.arange(len(self.vc_widths))])

    def start(self) -> FloatArray:
        rows, cols = self.tril()
        return np.concatenate([(rows == cols).astype(np.float64), np.ones(len(self.vc_widths))])

    def chain(self, d: FloatArray) -> FloatArray:
        """Gradient in theta from D, where d deviance / d Lambda[j, k] = D[k, j]."""
        rows, cols = self.tril()
        grad = list(d[cols, rows])
        for part in self.vc_slices():
            idx = np.arange(part.start, part.stop)
            grad.append(float(d[idx, idx].sum()))
        return np.asarray(grad, dtype=np.float64)


@dataclass(frozen=True)
class GroupSums:
    """Z'Z, Z'X and Z'y per group, with X'X, X'y and y'y: the general path's inputs."""

    ztz: FloatArray  # groups x q x q
    ztx: FloatArray  # groups x q x p
    zty: FloatArray  # groups x q
    xtx: FloatArray
    xty: FloatArray
    yty: float
    nobs: int

    @classmethod
    def from_rows(
        cls, y: FloatArray, x: FloatArray, z: FloatArray, codes: IndexArray, ngroups: int
    ) -> GroupSums:
        q, p = z.shape[1], x.shape[1]
        rows, cols = np.triu_indices(q)
        ztz = np.zeros((ngroups, q, q))
        ztz[:, rows, cols] = group_sums(codes, ngroups, z[:, rows] * z[:, cols])
        ztz[:, cols, rows] = ztz[:, rows, cols]
        zx = (z[:, :, None] * x[:, None, :]).reshape(-1, q * p)
        ztx = group_sums(codes, ngroups, zx).reshape(ngroups, q, p)
        zty = group_sums(codes, ngroups, z * y[:, None])
        return cls(ztz, ztx, zty, x.T @ x, x.T @ y, float(y @ y), int(y.shape[0]))

    @property
    def p(self) -> int:
        return int(self.xtx.shape[0])

    def _parts(self, lam: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """M = I + L'Z'ZL per group, L'[Z'X, Z'y], and M^-1 [L'Z'X, L'Z'y, L'Z'Z]."""
        lam_g = np.einsum("ji,gjk->gik", lam, self.ztz)  # Lambda' Z'Z
        m = lam_g @ lam + np.eye(lam.shape[0])
        rhs = np.concatenate(
            [np.einsum("ji,gjk->gik", lam, self.ztx), (self.zty @ lam)[:, :, None]], axis=2
        )
        s = np.linalg.solve(m, np.concatenate([rhs, lam_g], axis=2))  # one batched solve
        return m, rhs, s

    def solve(self, lam: FloatArray, reml: bool) -> Solution:
        return self._evaluate(lam, reml, with_gradient=False)[0]

    def deviance_and_gradient(self, lam: FloatArray, reml: bool) -> tuple[float, FloatArray]:
        solution, d = self._evaluate(lam, reml, with_gradient=True)
        assert d is not None
        return solution.deviance, d

    def _evaluate(
        self, lam: FloatArray, reml: bool, with_gradient: bool
    ) -> tuple[Solution, FloatArray | None]:
        p = self.p
        m, rhs, s = self._parts(lam)
        corr = np.einsum("gqi,gqj->ij", rhs, s[:, :, : p + 1])
        a = self.xtx - corr[:p, :p]
        b = self.xty - corr[:p, p]
        c = self.yty - corr[p, p]
        chol = np.linalg.cholesky(a)
        a_inv = np.linalg.inv(a)
        beta = a_inv @ b
        r2 = max(c - float(b @ beta), np.finfo(float).tiny)
        logdet_h = float(np.linalg.slogdet(m)[1].sum())
        logdet_a = 2.0 * float(np.log(np.diag(chol)).sum())
        deviance = profiled_deviance(logdet_h, logdet_a, r2, self.nobs, p, reml)
        u = s[:, :, p] - s[:, :, :p] @ beta  # M^-1 Lambda' Z'(y - X beta)
        solution = Solution(beta, a_inv, r2, deviance, u @ lam.T)
        if not with_gradient:
            return solution, None
        nu = self.nobs - p if reml else self.nobs
        g = self.zty - self.ztx @ beta
        zz_lam = self.ztz @ lam  # Z'Z Lambda
        r = np.einsum("gi,gj->ij", u, np.einsum("gjk,gk->gj", zz_lam, u) - g)
        d = 2.0 * s[:, :, p + 1 :].sum(axis=0) + (2.0 * nu / r2) * r
        if reml:
            v = s[:, :, :p]
            t = zz_lam @ v - self.ztx
            d += 2.0 * np.einsum("gip,pk,gjk->ij", v, a_inv, t)
        return solution, d
