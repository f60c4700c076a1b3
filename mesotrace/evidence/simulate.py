"""Split-body cohorts with a known truth, for proving the estimators and for demo data.

Each patient has a baseline circumference, a persistent left/right difference, a
lifestyle change (diet and exercise) that acts on both sides alike and scales with the
patient's adherence, and a treatment effect on the treated side only, both growing
linearly over the course (time 0 to 1). The truth is kept in `frame.attrs["truth"]`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mesotrace.evidence.design import EvidenceInputError

BASELINE_CM = 60.0  # thigh circumference at the first visit, population mean
SIDE_OFFSET_SD = 0.5  # persistent left/right difference within a patient (cm)
LIFESTYLE_SD = 0.5  # patient-to-patient spread of the lifestyle change beyond adherence (cm)


def simulate_split_body(
    n_patients: int,
    true_effect: float,
    lifestyle_change: float,
    side_sd: float,
    patient_sd: float,
    dropout: float,
    visits: int = 2,
    seed: int = 0,
) -> pd.DataFrame:
    """Long data: one row per patient, side and visit.

    Columns: patient, side ("treated"/"control"), body_side (the anatomical side the
    randomisation treated or spared), visit, time (0 .. 1), value (cm), diet_adherence
    (0.5 .. 1, per patient), exercise_minutes (per week, at that visit).
    true_effect: treated-minus-control change by the end of the course (cm).
    lifestyle_change: the mean change both sides share by the end (cm).
    side_sd: measurement noise of one side at one visit (cm). patient_sd: spread of
    baseline circumference between patients (cm). dropout: chance that a patient
    misses every visit from a random follow-up visit on.
    """
    _check(n_patients, side_sd, patient_sd, dropout, visits)
    rng = np.random.default_rng(seed)
    patients = np.arange(n_patients)
    adherence = rng.uniform(0.5, 1.0, n_patients)
    # Mean adherence is 0.75, so the mean lifestyle change is exactly lifestyle_change.
    lifestyle = lifestyle_change * adherence / 0.75 + rng.normal(0, LIFESTYLE_SD, n_patients)
    baseline = rng.normal(BASELINE_CM, patient_sd, n_patients)
    habit = rng.normal(60.0, 20.0, n_patients).clip(0)
    treated_is_left = rng.random(n_patients) < 0.5
    offsets = rng.normal(0, SIDE_OFFSET_SD, (n_patients, 2))
    last_visit = np.where(
        rng.random(n_patients) < dropout, rng.integers(1, visits, n_patients), visits
    )
    times = np.linspace(0.0, 1.0, visits)
    shape = (n_patients, visits, 2)  # patient, visit, side (treated, control)
    t = np.broadcast_to(times[None, :, None], shape)
    treated = np.broadcast_to(np.array([True, False])[None, None, :], shape)
    value = (
        baseline[:, None, None]
        + offsets[:, None, :]
        + lifestyle[:, None, None] * t
        + np.where(treated, true_effect * t, 0.0)
        + rng.normal(0, side_sd, shape)
    )
    after_start = (np.arange(visits) > 0)[None, :, None]
    exercise = habit[:, None, None] + 90.0 * adherence[:, None, None] * after_start
    exercise = np.broadcast_to(
        (exercise + rng.normal(0, 10, (n_patients, visits, 1))).clip(0), shape
    )
    patient = np.broadcast_to(patients[:, None, None], shape)
    left = treated == treated_is_left[:, None, None]
    kept = (np.arange(visits)[None, :, None] < last_visit[:, None, None]) & np.ones(shape, bool)
    frame = pd.DataFrame(
        {
            "patient": np.char.add("P", np.char.zfill((patient[kept] + 1).astype(str), 4)),
            "side": np.where(treated[kept], "treated", "control"),
            "body_side": np.where(left[kept], "left", "right"),
            "visit": np.broadcast_to(np.arange(visits)[None, :, None], shape)[kept],
            "time": t[kept],
            "value": value[kept],
            "diet_adherence": np.broadcast_to(adherence[:, None, None], shape)[kept],
            "exercise_minutes": exercise[kept],
        }
    )
    frame.attrs["truth"] = {
        "true_effect": true_effect,
        "lifestyle_change": lifestyle_change,
        "estimand": "treated-minus-control change from the first to the last visit (cm)",
        "naive_expected": true_effect + lifestyle_change,
        "seed": seed,
    }
    return frame


def _check(n_patients: int, side_sd: float, patient_sd: float, dropout: float, visits: int) -> None:
    if n_patients < 1:
        raise EvidenceInputError("n_patients must be at least 1")
    if visits < 2:
        raise EvidenceInputError("visits must be at least 2 (a change needs two)")
    if side_sd < 0 or patient_sd < 0:
        raise EvidenceInputError("side_sd and patient_sd are standard deviations: not negative")
    if not 0 <= dropout < 1:
        raise EvidenceInputError("dropout is a probability: 0 <= dropout < 1")
