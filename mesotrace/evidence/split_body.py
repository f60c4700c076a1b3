"""Treatment or lifestyle? Effect estimates for split-body and parallel-group cohorts.

In a split-body course one side is treated and the other, chosen at random, is left as
a control; diet, exercise and weight loss act on both sides, so the treated-minus-control
change cancels them. The naive before/after change of the treated side does not, and is
kept only to show the difference. Every function returns an `Effect` whose `warnings`
say in plain words what weakens it; input that cannot be analysed at all raises
`EvidenceInputError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from mesotrace.evidence.design import (
    EvidenceInputError,
    FloatArray,
    Missing,
    _,
    check_full_rank,
)
from mesotrace.evidence.mixed import MixedResult, fit_mixed

EXACT_LIMIT = 16  # up to 2**16 = 65,536 sign flips are enumerated; beyond, sampled
FEW_PATIENTS = 10
SPILL_OVER = (
    "Assumes no spill-over: a compound absorbed systemically and reaching the control "
    "side would make the contrast underestimate the effect."
)
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Columns:
    """Where long data (one row per patient, side and time) keeps what the models read.

    `side` names the column that says which side a row measures (for parallel groups:
    which arm the patient is in); `treated` is the value in it that marks the treated one.
    """

    value: str = "value"
    time: str = "time"
    side: str = "side"
    patient: str = "patient"
    treated: str = "treated"


SIDES = Columns()
ARMS = Columns(side="arm")


@dataclass(frozen=True)
class Effect:
    """One effect estimate with its uncertainty, how it was computed, and its caveats."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: float | None  # degrees of freedom of the t reference; None: normal (Wald)
    n: int  # patients analysed
    method: str
    warnings: list[str] = field(default_factory=list)
    confidence: float = 0.95
    permutation_p_value: float | None = None
    permutation_method: str | None = None
    fit: MixedResult | None = None


# --- two time points: one change per side and patient ----------------------------------


def split_body_effect(
    treated_change: ArrayLike,
    control_change: ArrayLike,
    covariates: pd.DataFrame | Mapping[str, ArrayLike] | None = None,
    permutations: int = 10_000,
    *,
    seed: int = 20_240_601,
    confidence: float = 0.95,
) -> Effect:
    """The treated-minus-control change, D = treated change - control change, per patient.

    The inputs hold one value per patient, matched by position (NaN where missing).
    OLS of D on 1 + covariates (centred, so the intercept is the effect for an average
    patient); without covariates this is the paired t-test. The permutation p-value
    flips the side labels within patients (the sign of D): every one of the 2**n flips
    when n <= 16, else `permutations` random flips from a generator seeded with `seed`.
    permutations=0 skips it.
    """
    treated, control = (
        _vector(treated_change, "treated_change"),
        _vector(control_change, "control_change"),
    )
    if treated.size != control.size:
        raise EvidenceInputError(
            f"treated_change has {treated.size} patients but control_change has {control.size}"
        )
    extra = _covariate_frame(covariates, treated.size)
    warnings = _missing_notes(treated, control, extra)
    keep = np.isfinite(treated) & np.isfinite(control) & np.isfinite(extra.to_numpy()).all(axis=1)
    difference = treated[keep] - control[keep]
    design, names = _paired_design(extra.loc[keep], difference.size)
    estimate, se, df = _ols_intercept(difference, design)
    interval = _t_interval(estimate, se, df, confidence)
    permutation = _sign_flip_test(difference, design, permutations, seed)
    warnings += _few_patients(difference.size)
    adjusted = f", adjusted for {', '.join(names)} (centred)" if names else " (paired t-test)"
    method = (
        "Split-body paired difference: treated-side change minus control-side change "
        f"per patient, OLS on an intercept{adjusted}; lifestyle changes shared by both "
        f"sides cancel. {SPILL_OVER}"
    )
    effect = _effect(estimate, se, interval, float(df), int(difference.size), method, confidence)
    return replace(
        effect,
        warnings=warnings,
        permutation_p_value=permutation[0],
        permutation_method=permutation[1],
    )


def naive_before_after(
    treated_pre: ArrayLike, treated_post: ArrayLike, *, confidence: float = 0.95
) -> Effect:
    """The analysis the critics distrust: the treated side's mean change, paired t.

    It credits every change (diet, exercise, weight loss) to the treatment; it is here
    to be shown beside the split-body estimate, never instead of it.
    """
    pre, post = _vector(treated_pre, "treated_pre"), _vector(treated_post, "treated_post")
    if pre.size != post.size:
        raise EvidenceInputError(
            f"treated_pre has {pre.size} patients but treated_post has {post.size}"
        )
    warnings = []
    keep = np.isfinite(pre) & np.isfinite(post)
    if (~keep).any():
        warnings.append(
            _(
                "%(count)s patient(s) without both measurements were left out",
                count=int((~keep).sum()),
            )
        )
    change = post[keep] - pre[keep]
    estimate, se, df = _ols_intercept(change, np.ones((change.size, 1)), what="change")
    interval = _t_interval(estimate, se, df, confidence)
    method = (
        "Naive before/after: mean change of the treated side (after minus before), "
        "paired t-test. It credits every change, including diet, exercise and weight "
        "loss, to the treatment, so it is biased by the lifestyle change."
    )
    effect = _effect(estimate, se, interval, float(df), int(change.size), method, confidence)
    return replace(effect, warnings=warnings + _few_patients(change.size, permutation=False))


def _vector(values: ArrayLike, name: str) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise EvidenceInputError(f"{name} must be numbers: {error}") from error
    if array.ndim != 1:
        raise EvidenceInputError(f"{name} must be one value per patient (a flat list)")
    if np.isinf(array).any():
        raise EvidenceInputError(f"{name} contains an infinite value")
    return array


def _covariate_frame(
    covariates: pd.DataFrame | Mapping[str, ArrayLike] | None, n: int
) -> pd.DataFrame:
    if covariates is None:
        return pd.DataFrame(index=range(n))
    frame = pd.DataFrame(covariates).reset_index(drop=True)
    if frame.shape[0] != n:
        raise EvidenceInputError(f"covariates have {frame.shape[0]} rows for {n} patients")
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise EvidenceInputError(f"covariate {column!r} must be numeric")
    return frame.astype(np.float64)


def _missing_notes(treated: FloatArray, control: FloatArray, extra: pd.DataFrame) -> list[str]:
    has_treated, has_control = np.isfinite(treated), np.isfinite(control)
    notes: list[str] = []
    if count := int((~has_treated & ~has_control).sum()):
        notes.append(
            _(
                "%(count)s patient(s) have no follow-up on either side and were left out",
                count=count,
            )
        )
    if count := int((has_treated & ~has_control).sum()):
        notes.append(
            _(
                "%(count)s patient(s) have no control-side change (missing control measurement) "
                "and were left out",
                count=count,
            )
        )
    if count := int((~has_treated & has_control).sum()):
        notes.append(
            _(
                "%(count)s patient(s) have no treated-side change (missing treated measurement) "
                "and were left out",
                count=count,
            )
        )
    for column in extra.columns:
        if count := int(extra[column].isna().sum()):
            notes.append(
                _(
                    "%(count)s patient(s) have no %(column)s value and were left out",
                    count=count,
                    column=str(column),
                )
            )
    return notes


def _paired_design(extra: pd.DataFrame, n: int) -> tuple[FloatArray, list[str]]:
    names = [str(c) for c in extra.columns]
    for name in names:
        if extra[name].nunique() < 2 and n > 0:
            raise EvidenceInputError(
                _(
                    "covariate %(name)s has the same value for every patient analysed: it "
                    "cannot adjust anything; leave it out",
                    name=repr(name),
                )
            )
    values = extra.to_numpy(dtype=np.float64)
    design = np.column_stack([np.ones(n), values - values.mean(axis=0)]) if n else np.ones((0, 1))
    if n <= design.shape[1]:
        raise EvidenceInputError(
            _(
                "%(count)s patient(s) with both sides measured: at least %(needed)s are "
                "needed to estimate the effect and its uncertainty",
                count=n,
                needed=design.shape[1] + 1,
            )
        )
    check_full_rank(design, ["Intercept", *names], what="covariate")
    return design, names


def _ols_intercept(
    outcome: FloatArray, design: FloatArray, what: str = "treated-minus-control difference"
) -> tuple[float, float, int]:
    """Intercept, its standard error and the residual degrees of freedom."""
    n, p = design.shape
    if n <= p:
        raise EvidenceInputError(
            _(
                "%(count)s patient(s) with both measurements: at least %(needed)s are needed",
                count=n,
                needed=p + 1,
            )
        )
    if np.ptp(outcome) == 0:
        value = f"{outcome[0]:g}"
        raise EvidenceInputError(
            _(
                "every patient's change is the same (%(value)s): there is no spread to "
                "measure uncertainty from; check that values were not copied between sides",
                value=value,
            )
            if what == "change"
            else _(
                "every patient's treated-minus-control difference is the same (%(value)s): "
                "there is no spread to measure uncertainty from; check that values were not "
                "copied between sides",
                value=value,
            )
        )
    beta, *_rest = np.linalg.lstsq(design, outcome, rcond=None)
    residual = outcome - design @ beta
    df = n - p
    sigma2 = float(residual @ residual) / df
    if sigma2 <= 1e-24 * float(outcome @ outcome):
        raise EvidenceInputError(
            _("the covariates explain the differences exactly: no residual spread is left")
        )
    xtx_inv = np.linalg.inv(design.T @ design)
    return float(beta[0]), float(np.sqrt(sigma2 * xtx_inv[0, 0])), df


def _t_interval(
    estimate: float, se: float, df: float, confidence: float
) -> tuple[float, float, float]:
    _check_confidence(confidence)
    quantile = float(stats.t.ppf(0.5 + confidence / 2, df))
    p = float(2 * stats.t.sf(abs(estimate / se), df))
    return estimate - quantile * se, estimate + quantile * se, p


def _z_interval(estimate: float, se: float, confidence: float) -> tuple[float, float, float]:
    _check_confidence(confidence)
    quantile = float(stats.norm.ppf(0.5 + confidence / 2))
    p = float(2 * stats.norm.sf(abs(estimate / se)))
    return estimate - quantile * se, estimate + quantile * se, p


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise EvidenceInputError(f"confidence must be between 0 and 1, not {confidence}")


def _few_patients(n: int, permutation: bool = True) -> list[str]:
    if n >= FEW_PATIENTS:
        return []
    if permutation:
        return [
            _(
                "only %(count)s patient(s): the confidence interval is wide and leans on the "
                "changes being roughly normal; the permutation p-value does not",
                count=n,
            )
        ]
    return [
        _(
            "only %(count)s patient(s): the confidence interval is wide and leans on the "
            "changes being roughly normal",
            count=n,
        )
    ]


# --- the randomisation test -------------------------------------------------------------


def _sign_flip_test(
    difference: FloatArray, design: FloatArray, permutations: int, seed: int
) -> tuple[float | None, str | None]:
    """Two-sided p-value of the intercept's t statistic over side-label flips."""
    if permutations < 0:
        raise EvidenceInputError("permutations must be 0 (skip) or a positive count")
    if permutations == 0:
        return None, None
    n = difference.size
    observed = abs(_flip_t(difference[None, :], design)[0])
    threshold = observed * (1 - 1e-9)
    if n <= EXACT_LIMIT:
        total = 2**n
        hits = sum(
            int((np.abs(_flip_t(signs * difference, design)) >= threshold).sum())
            for signs in _all_signs(n)
        )
        return hits / total, f"exact: all {total:,} sign flips of the {n} patients' differences"
    rng = np.random.default_rng(seed)
    hits, left = 0, permutations
    chunk = max(1, 2_000_000 // n)
    while left:
        size = min(chunk, left)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(size, n))
        hits += int((np.abs(_flip_t(signs * difference, design)) >= threshold).sum())
        left -= size
    return (hits + 1) / (permutations + 1), (
        f"Monte Carlo: {permutations:,} random sign flips (seed {seed}); p = (hits + 1) / "
        f"(flips + 1)"
    )


def _all_signs(n: int) -> list[FloatArray]:
    """Every +-1 vector of length n, in blocks of at most 2**12 rows."""
    bits = np.arange(n)
    blocks = []
    for start in range(0, 2**n, 4096):
        numbers = np.arange(start, min(start + 4096, 2**n))[:, None]
        blocks.append((((numbers >> bits) & 1) * 2.0 - 1.0).astype(np.float64))
    return blocks


def _flip_t(outcomes: FloatArray, design: FloatArray) -> FloatArray:
    """The intercept's t statistic for each row of `outcomes` (flipped differences)."""
    n, p = design.shape
    xtx_inv = np.linalg.inv(design.T @ design)
    beta = outcomes @ (design @ xtx_inv)  # rows x p
    residual = outcomes - beta @ design.T
    se = np.sqrt((residual * residual).sum(axis=1) / (n - p) * xtx_inv[0, 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, beta[:, 0] / np.where(se > 0, se, 1.0), np.inf)
    return np.asarray(t, dtype=np.float64)


# --- many visits: mixed models ----------------------------------------------------------


def _term(name: str) -> str:
    return name if _PLAIN_NAME.match(name) else f'Q("{name}")'


def _formula(value: str, time: str, indicator: str, covariates: Sequence[str]) -> str:
    terms = [f"{_term(time)} * {indicator}", *covariates]
    return f"{_term(value)} ~ {' + '.join(terms)}"


def split_body_visits(
    data: pd.DataFrame,
    *,
    columns: Columns = SIDES,
    covariates: Sequence[str] = (),
    reml: bool = True,
    missing: Missing = "drop",
    confidence: float = 0.95,
) -> Effect:
    """Model 2: value ~ time * treated_side + covariates + (1|patient) + (1|patient:side).

    The time:treated_side coefficient is the treatment effect per unit of time (per
    whole course when time runs from 0 to 1). `covariates` are formula terms, e.g.
    ["exercise_minutes", "time:diet_adherence"]. Wald interval on the normal
    distribution, as the reference software reports.
    """
    value, time, side, patient = columns.value, columns.time, columns.side, columns.patient
    frame = _analysis_frame(data, [value, time, side, patient], covariates)
    sides = frame[side].dropna().unique()
    if columns.treated not in set(sides):
        raise EvidenceInputError(f"no row has {side} = {columns.treated!r} (found: {list(sides)})")
    if len(sides) > 2:
        raise EvidenceInputError(
            f"{side!r} must have two values, the treated side and the control; found {list(sides)}"
        )
    if len(sides) < 2:
        raise EvidenceInputError(
            _(
                "no control-side measurements: a split-body analysis needs the untreated side "
                "measured too"
            )
        )
    frame["treated_side"] = (frame[side] == columns.treated).astype(np.float64)
    _need_two_times(frame, time)
    warnings = _side_coverage(frame.dropna(subset=[value, time]), patient, time)
    fit = fit_mixed(
        frame,
        _formula(value, time, "treated_side", covariates),
        patient,
        vc_formula={"side": "0 + C(treated_side)"},
        reml=reml,
        missing=missing,
    )
    return _mixed_effect(
        fit,
        f"{_term(time)}:treated_side",
        warnings,
        confidence,
        "Split-body mixed model (many visits): value ~ time * treated_side + covariates "
        "+ (1|patient) + (1|patient:side), "
        f"{fit.method}; the time:treated_side coefficient is the effect per unit time. "
        f"Wald interval. {SPILL_OVER}",
    )


def difference_in_differences(
    data: pd.DataFrame,
    *,
    columns: Columns = ARMS,
    covariates: Sequence[str] = (),
    reml: bool = True,
    missing: Missing = "drop",
    confidence: float = 0.95,
) -> Effect:
    """Model 3, parallel groups: value ~ time * treated_arm + covariates + (1|patient).

    Treated patients (injections plus lifestyle plan) against lifestyle-only patients.
    Weaker than split-body: lifestyle differences between the groups are only adjusted
    for, through `covariates`, never cancelled.
    """
    value, time, arm, patient = columns.value, columns.time, columns.side, columns.patient
    frame = _analysis_frame(data, [value, time, arm, patient], covariates)
    arms = frame.groupby(patient, sort=False)[arm].nunique()
    if (arms > 1).any():
        raise EvidenceInputError(
            f"{int((arms > 1).sum())} patient(s) appear in both arms: for one patient with "
            "a treated and a control side use split_body_visits"
        )
    frame["treated_arm"] = (frame[arm] == columns.treated).astype(np.float64)
    per_arm = frame.groupby("treated_arm")[patient].nunique()
    if per_arm.get(1.0, 0) < 2 or per_arm.get(0.0, 0) < 2:
        raise EvidenceInputError(
            f"each arm needs at least 2 patients; treated {int(per_arm.get(1.0, 0))}, "
            f"lifestyle-only {int(per_arm.get(0.0, 0))}"
        )
    _need_two_times(frame, time)
    warnings: list[str] = [
        _("only %(count)s patient(s) in the treated arm", count=int(k))
        if a
        else _("only %(count)s patient(s) in the lifestyle-only arm", count=int(k))
        for a, k in per_arm.items()
        if k < FEW_PATIENTS
    ]
    fit = fit_mixed(
        frame,
        _formula(value, time, "treated_arm", covariates),
        patient,
        reml=reml,
        missing=missing,
    )
    adjusted = ", ".join(covariates) if covariates else "nothing (no covariates given)"
    return _mixed_effect(
        fit,
        f"{_term(time)}:treated_arm",
        warnings,
        confidence,
        "Parallel groups, difference in differences: value ~ time * treated_arm + "
        f"covariates + (1|patient), {fit.method}; lifestyle adjusted for {adjusted}. "
        "Weaker than split-body: lifestyle differences between the groups that the "
        "covariates do not capture bias the estimate. Wald interval.",
    )


def _analysis_frame(
    data: pd.DataFrame, columns: list[str], covariates: Sequence[str]
) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise EvidenceInputError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    absent = [c for c in columns if c not in data.columns]
    if absent:
        raise EvidenceInputError(
            f"column(s) {', '.join(map(repr, absent))} not in the data "
            f"(it has: {', '.join(map(str, data.columns))})"
        )
    if isinstance(covariates, str):
        raise EvidenceInputError("covariates must be a list of terms, e.g. ['exercise_minutes']")
    return data.copy()


def _need_two_times(frame: pd.DataFrame, time: str) -> None:
    if frame[time].nunique() < 2:
        raise EvidenceInputError(
            _(
                "all measurements are at one time (%(time)s = %(value)s): a change "
                "needs at least two",
                time=time,
                value=frame[time].iloc[0],
            )
        )


def _side_coverage(frame: pd.DataFrame, patient: str, time: str) -> list[str]:
    counts = frame.groupby([patient, "treated_side"])[time].nunique().unstack(fill_value=0)
    both = counts.reindex(columns=[0.0, 1.0], fill_value=0)
    usable = int(((both[0.0] >= 2) & (both[1.0] >= 2)).sum())
    notes: list[str] = []
    no_control = int((both[0.0] == 0).sum())
    if no_control:
        notes.append(
            _(
                "%(count)s patient(s) have no control-side measurements; they add nothing "
                "to the treated-versus-control comparison",
                count=no_control,
            )
        )
    if usable < 2:
        raise EvidenceInputError(
            _(
                "%(count)s patient(s) have both sides measured at two or more times; at least "
                "2 are needed",
                count=usable,
            )
        )
    if usable < FEW_PATIENTS:
        notes.append(
            _("only %(count)s patient(s) have both sides measured over time", count=usable)
        )
    return notes


def _mixed_effect(
    fit: MixedResult, name: str, warnings: list[str], confidence: float, method: str
) -> Effect:
    estimate, se = float(fit.params[name]), float(fit.bse[name])
    interval = _z_interval(estimate, se, confidence)
    effect = _effect(estimate, se, interval, None, fit.ngroups, method, confidence)
    return replace(effect, warnings=warnings + fit.warnings, fit=fit)


def _effect(
    estimate: float,
    se: float,
    interval: tuple[float, float, float],
    df: float | None,
    n: int,
    method: str,
    confidence: float,
) -> Effect:
    """An estimate with its standard error, its (low, high, p) interval and how it was made."""
    low, high, p = interval
    return Effect(estimate, se, low, high, p, df, n, method, confidence=confidence)


# --- from long data to one change per patient ------------------------------------------


def paired_changes(
    data: pd.DataFrame,
    *,
    columns: Columns = SIDES,
    covariates: Sequence[str] = (),
    start: float | None = None,
    end: float | None = None,
) -> pd.DataFrame:
    """Per patient: the treated and control change from `start` to `end` (default: the
    first and last time in the data), NaN where a measurement is missing, and the
    patient's mean of each covariate column. Feeds `split_body_effect`."""
    value, time, side, patient = columns.value, columns.time, columns.side, columns.patient
    frame = _analysis_frame(data, [value, time, side, patient, *covariates], ())
    first = frame[time].min() if start is None else start
    last = frame[time].max() if end is None else end
    codes, labels = pd.factorize(frame[patient])
    column = (frame[side].to_numpy() != columns.treated).astype(np.intp)  # 0 treated, 1 control
    times = frame[time].to_numpy()
    values = frame[value].to_numpy(dtype=np.float64)
    change = _side_means(codes, column, values, times == last, len(labels)) - _side_means(
        codes, column, values, times == first, len(labels)
    )
    out = pd.DataFrame(
        {"treated_change": change[:, 0], "control_change": change[:, 1]},
        index=pd.Index(labels, name=patient),
    )
    if covariates:
        out = out.join(frame.groupby(patient)[list(covariates)].mean())
    return out


def _side_means(
    codes: NDArray[np.intp],
    column: NDArray[np.intp],
    values: FloatArray,
    rows: NDArray[np.bool_],
    patients: int,
) -> FloatArray:
    """Mean value per patient (row) and side (column) over the chosen rows; NaN if none."""
    cell = codes[rows] * 2 + column[rows]
    sums = np.bincount(cell, weights=values[rows], minlength=2 * patients)
    counts = np.bincount(cell, minlength=2 * patients)
    means = np.full(2 * patients, np.nan)
    np.divide(sums, counts, out=means, where=counts > 0)
    return means.reshape(patients, 2)
