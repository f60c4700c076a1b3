"""Simulation study (ADEMP, Morris, White & Crowther 2019) of the critics' question.

Aims: show that the split-body paired difference estimates the treatment effect without
bias and with nominal 95% coverage when diet and exercise change both sides alike,
and that the naive before/after change of the treated side does not.
Data-generating mechanism: `simulate_split_body` with 30 patients, a shared lifestyle
change of -2 cm (scaled by each patient's adherence, plus patient-to-patient spread),
true effect -1 cm and 0 cm, side noise SD 1 cm, patient SD 5 cm, 10% dropout, two
visits; 400 data sets per scenario at fixed seeds (the many-visit model: 5 visits, 150
data sets). Both methods are applied to the same data sets.
Estimand: the treated-minus-control change from the first to the last visit.
Methods: split_body_effect (paired t-test), naive_before_after, split_body_visits.
Performance: bias with its Monte-Carlo SE (SD / sqrt(nsim)); empirical SE against the
mean model SE; 95% CI coverage with MCSE sqrt(cov (1 - cov) / nsim). Accepted when
|bias| <= 2 MCSE and |coverage - 0.95| <= 2 MCSE. At effect 0 the sign-flip
permutation test must reject at 5% no more often than 5% + 2 MCSE.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from mesotrace.evidence import (
    Effect,
    naive_before_after,
    paired_changes,
    simulate_split_body,
    split_body_effect,
    split_body_visits,
)

LIFESTYLE = -2.0
NSIM = 400


@dataclass(frozen=True)
class Performance:
    truth: float
    estimates: np.ndarray
    model_se: np.ndarray
    covered: np.ndarray

    @property
    def nsim(self) -> int:
        return int(self.estimates.size)

    @property
    def bias(self) -> float:
        return float(self.estimates.mean() - self.truth)

    @property
    def bias_mcse(self) -> float:
        return float(self.estimates.std(ddof=1) / np.sqrt(self.nsim))

    @property
    def empirical_se(self) -> float:
        return float(self.estimates.std(ddof=1))

    @property
    def coverage(self) -> float:
        return float(self.covered.mean())

    @property
    def coverage_mcse(self) -> float:
        return float(np.sqrt(self.coverage * (1 - self.coverage) / self.nsim))

    def __str__(self) -> str:
        return (
            f"bias {self.bias:+.4f} (MCSE {self.bias_mcse:.4f}), empirical SE "
            f"{self.empirical_se:.4f} vs model SE {self.model_se.mean():.4f}, coverage "
            f"{self.coverage:.4f} (MCSE {self.coverage_mcse:.4f}), nsim {self.nsim}"
        )


SEEDS = {-1.0: 10_000, 0.0: 50_000}  # first seed of each scenario; data set i uses +i


@functools.cache
def data_sets(truth: float, nsim: int = NSIM, visits: int = 2) -> tuple[pd.DataFrame, ...]:
    return tuple(
        simulate_split_body(
            30,
            truth,
            LIFESTYLE,
            side_sd=1.0,
            patient_sd=5.0,
            dropout=0.1,
            visits=visits,
            seed=SEEDS[truth] + 100_000 * (visits > 2) + i,
        )
        for i in range(nsim)
    )


def study(truth: float, effects: list[Effect]) -> Performance:
    return Performance(
        truth=truth,
        estimates=np.array([e.estimate for e in effects]),
        model_se=np.array([e.se for e in effects]),
        covered=np.array([e.ci_low <= truth <= e.ci_high for e in effects]),
    )


def split_body(data: pd.DataFrame, permutations: int = 0, seed: int = 0) -> Effect:
    changes = paired_changes(data)
    return split_body_effect(
        changes.treated_change, changes.control_change, permutations=permutations, seed=seed
    )


def naive(data: pd.DataFrame) -> Effect:
    treated = data[data.side == "treated"].pivot(index="patient", columns="visit", values="value")
    return naive_before_after(treated[0], treated[treated.columns.max()])


def assert_acceptable(performance: Performance, label: str) -> None:
    print(f"{label}: {performance}")
    assert abs(performance.bias) <= 2 * performance.bias_mcse, f"{label}: {performance}"
    assert abs(performance.coverage - 0.95) <= 2 * performance.coverage_mcse, (
        f"{label}: {performance}"
    )


@pytest.mark.parametrize("truth", [-1.0, 0.0])
def test_split_body_difference_is_unbiased_with_nominal_coverage(truth: float) -> None:
    performance = study(truth, [split_body(data) for data in data_sets(truth)])
    assert_acceptable(performance, f"split-body, true effect {truth}")
    assert performance.model_se.mean() == pytest.approx(performance.empirical_se, rel=0.1)


@pytest.mark.parametrize("truth", [-1.0, 0.0])
def test_naive_before_after_credits_the_lifestyle_change_to_the_treatment(truth: float) -> None:
    performance = study(truth, [naive(data) for data in data_sets(truth)])
    print(f"naive before/after, true effect {truth}: {performance}")
    assert abs(performance.bias - LIFESTYLE) <= 2 * performance.bias_mcse, str(performance)
    assert abs(performance.bias) > 20 * performance.bias_mcse, str(performance)
    assert performance.coverage < 0.05, str(performance)


def test_many_visit_split_body_model_is_unbiased_with_nominal_coverage() -> None:
    performance = study(-1.0, [split_body_visits(d) for d in data_sets(-1.0, 150, visits=5)])
    assert_acceptable(performance, "split-body visits model, true effect -1.0")


def test_permutation_test_holds_its_level_when_there_is_no_effect() -> None:
    effects = [split_body(data, 999, seed=i) for i, data in enumerate(data_sets(0.0))]
    p_values = [e.permutation_p_value for e in effects]
    assert all(p is not None for p in p_values)
    rate = float(np.mean([p is not None and p <= 0.05 for p in p_values]))
    mcse = np.sqrt(0.05 * 0.95 / NSIM)
    print(f"permutation test at effect 0: rejection rate {rate:.4f} (MCSE {mcse:.4f})")
    assert rate <= 0.05 + 2 * mcse
