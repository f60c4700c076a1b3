"""The evidence report of a protocol cohort: split-body effect, mixed model, naive estimate.

Reads the clinic's split-body plans on a protocol, builds the engine's long data (one
row per patient, side and visit, patients under pseudonymous ids) and runs
`mesotrace.evidence`. Input the engine cannot analyse becomes a warning, never a crash.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.conf import settings

from mesotrace.evidence import (
    Effect,
    EvidenceInputError,
    naive_before_after,
    paired_changes,
    split_body_effect,
    split_body_visits,
)
from mesotrace.outcomes.models import LifestyleLog, Measurement, SplitBodyAllocation

if TYPE_CHECKING:
    from mesotrace.accounts.models import Clinic
    from mesotrace.catalogue.models import Protocol

OUTCOME = "thigh-circumference"
MIN_PATIENTS = 3
WHY_THEY_DIFFER = (
    "The naive before/after figure is the treated side's change alone, so it credits the "
    "treatment with everything else that happened during the course: diet, exercise and "
    "weight loss shrink both legs. The split-body figure subtracts the untreated side's "
    "change from the treated side's, in the same patient over the same weeks, so those "
    "shared lifestyle changes cancel and what is left is the effect of the injections."
)


def pseudonym(patient_id: int) -> str:
    """A stable pseudonymous id: a keyed hash, so a researcher never sees who it is."""
    key = settings.SECRET_KEY.encode()
    digest = hmac.new(key, f"patient:{patient_id}".encode(), hashlib.sha256).hexdigest()
    return f"S-{digest[:10]}"


@dataclass
class EvidenceReport:
    protocol_id: int
    protocol_name: str
    outcome: str
    patients: int = 0
    measurements: int = 0
    unblinded: int = 0
    split_body: Effect | None = None
    mixed: Effect | None = None
    naive: Effect | None = None
    warnings: list[str] = field(default_factory=list)
    explanation: str = WHY_THEY_DIFFER
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)


def cohort_outcome(clinic: Clinic, protocol: Protocol) -> str:
    """The per-side measurement most recorded on the protocol's split-body plans."""
    counts = (
        Measurement.objects.for_clinic(clinic)
        .filter(plan__split_body__isnull=False, plan__protocol=protocol, type__sided=True)
        .values_list("type__slug", flat=True)
    )
    slugs = list(counts[:5000])
    return max(set(slugs), key=slugs.count) if slugs else OUTCOME


def cohort_frame(clinic: Clinic, protocol: Protocol, outcome: str = OUTCOME) -> pd.DataFrame:
    """Long data of the protocol's split-body plans: patient, side, time, value, lifestyle."""
    allocations = {
        a.plan_id: a
        for a in SplitBodyAllocation.objects.for_clinic(clinic).filter(plan__protocol=protocol)
    }
    rows = list(
        Measurement.objects.for_clinic(clinic)
        .filter(plan_id__in=list(allocations), type__slug=outcome)
        .exclude(side="none")
        .values("patient_id", "plan_id", "side", "measured_at", "value", "assessor_blinded")
    )
    columns = ["patient", "side", "body_side", "time", "day", "value", "blinded", "patient_id"]
    if not rows:
        return pd.DataFrame(columns=[*columns, "exercise_minutes", "diet_adherence"])
    frame = pd.DataFrame(rows)
    frame["side"] = [
        "treated" if s == allocations[p].treated_side else "control"
        for s, p in zip(frame["side"], frame["plan_id"], strict=True)
    ]
    frame["body_side"] = [r["side"] for r in rows]
    days = pd.to_datetime(frame["measured_at"], utc=True).dt.normalize()
    frame["day"] = days.astype("datetime64[ns, UTC]")
    first = frame.groupby("patient_id")["day"].transform("min")
    last = frame.groupby("patient_id")["day"].transform("max")
    span = (last - first).dt.days.astype(float)
    span = span.where(span > 0)
    frame["time"] = ((frame["day"] - first).dt.days / span).fillna(0.0)
    frame["patient"] = frame["patient_id"].map(pseudonym)
    frame["blinded"] = frame["assessor_blinded"]
    return _with_lifestyle(clinic, frame[columns])


def _with_lifestyle(clinic: Clinic, frame: pd.DataFrame) -> pd.DataFrame:
    logs = pd.DataFrame(
        list(
            LifestyleLog.objects.for_clinic(clinic)
            .filter(patient_id__in=frame["patient_id"].unique().tolist())
            .values("patient_id", "date", "diet_adherence_percent", "exercise_minutes_per_week")
        )
    )
    if logs.empty:
        return frame.assign(exercise_minutes=np.nan, diet_adherence=np.nan)
    logs["day"] = pd.to_datetime(logs["date"]).dt.tz_localize("UTC").astype("datetime64[ns, UTC]")
    logs = logs.sort_values("day")
    merged = pd.merge_asof(
        frame.sort_values("day"), logs, on="day", by="patient_id", direction="nearest"
    )
    merged["exercise_minutes"] = merged["exercise_minutes_per_week"].astype(float)
    merged["diet_adherence"] = merged["diet_adherence_percent"].astype(float) / 100
    return merged[[*frame.columns, "exercise_minutes", "diet_adherence"]]


def evidence_report(
    clinic: Clinic, protocol: Protocol, outcome: str | None = None
) -> EvidenceReport:
    outcome = outcome or cohort_outcome(clinic, protocol)
    frame = cohort_frame(clinic, protocol, outcome)
    report = EvidenceReport(protocol.pk, protocol.name, outcome, rows=frame)
    report.patients = int(frame["patient"].nunique()) if not frame.empty else 0
    report.measurements = len(frame)
    report.unblinded = int((~frame["blinded"].astype(bool)).sum()) if not frame.empty else 0
    if report.unblinded:
        report.warnings.append(
            f"{report.unblinded} of {report.measurements} measurements were taken by an "
            "assessor who knew the treated side: their bias is not excluded."
        )
    if report.patients < MIN_PATIENTS:
        report.warnings.append(
            f"Too few patients: {report.patients} with split-body measurements; at least "
            f"{MIN_PATIENTS} are needed for any estimate."
        )
        return report
    report.split_body = _attempt(report, "split-body", lambda: _split(frame))
    report.naive = _attempt(report, "naive", lambda: _naive(frame))
    report.mixed = _attempt(report, "mixed model", lambda: _mixed(frame))
    return report


def _attempt(report: EvidenceReport, name: str, run: Any) -> Effect | None:
    try:
        effect: Effect = run()
    except (EvidenceInputError, ValueError, np.linalg.LinAlgError) as error:
        report.warnings.append(f"No {name} estimate: {error}")
        return None
    if not all(math.isfinite(v) for v in (effect.estimate, effect.ci_low, effect.ci_high)):
        report.warnings.append(f"No {name} estimate: the model gave no finite value.")
        return None
    report.warnings.extend(f"{name}: {w}" for w in effect.warnings)
    return effect


def _split(frame: pd.DataFrame) -> Effect:
    changes = paired_changes(frame)
    return split_body_effect(changes["treated_change"], changes["control_change"])


def _naive(frame: pd.DataFrame) -> Effect:
    treated = frame[frame["side"] == "treated"]
    first, last = treated["time"].min(), treated["time"].max()
    by_patient = treated.groupby(["patient", "time"])["value"].mean().unstack()
    return naive_before_after(by_patient.get(first), by_patient.get(last))


def _mixed(frame: pd.DataFrame) -> Effect:
    covariates = ["exercise_minutes"] if frame["exercise_minutes"].notna().all() else []
    data = frame.drop(columns=["day"])
    return split_body_visits(data, covariates=covariates)


def evidence_statement(clinic: Clinic, protocol: Protocol) -> str | None:
    """One sentence the consent document quotes, or None when there is nothing to say."""
    report = evidence_report(clinic, protocol)
    effect = report.split_body
    if effect is None:
        return None
    significant = effect.ci_high < 0 or effect.ci_low > 0
    verdict = (
        "a difference unlikely to be chance alone"
        if significant
        else "a difference this clinic's data cannot tell apart from no effect"
    )
    return (
        f"In this clinic's split-body records for {protocol.name} ({effect.n} patients, "
        f"one side treated and the other left untreated as a control), the treated side's "
        f"{_outcome_words(report.outcome)} changed by {effect.estimate:+.1f} cm relative to "
        f"the untreated side (95% CI {effect.ci_low:+.1f} to {effect.ci_high:+.1f} cm): "
        f"{verdict}. Changes from diet and exercise act on both sides and are not counted."
    )


def _outcome_words(slug: str) -> str:
    return slug.replace("-", " ")
