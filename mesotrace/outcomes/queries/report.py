"""The evidence report of a protocol or indication cohort: split-body effect, mixed model
adjusted for lifestyle and weight, naive estimate.

Reads the clinic's split-body plans on a protocol (or on every protocol of an
indication), builds the engine's long data (one row per course, side and visit, patients
under pseudonymous ids) and runs `mesotrace.evidence`. Input the engine cannot analyse
becomes a warning, never a crash.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mesotrace.audit import services as audit
from mesotrace.audit.models import AuditAction, ObjectType
from mesotrace.catalogue.models import Indication, Protocol
from mesotrace.core.inputs import plausible_days, plausible_times
from mesotrace.evidence import (
    Effect,
    EvidenceInputError,
    Message,
    naive_before_after,
    paired_changes,
    split_body_effect,
    split_body_visits,
)
from mesotrace.outcomes.models import LifestyleLog, Measurement, SplitBodyAllocation

if TYPE_CHECKING:
    from mesotrace.accounts.access import Actor
    from mesotrace.accounts.models import Clinic

OUTCOME = "thigh-circumference"
WEIGHT = "body-weight"
COVARIATES = (
    ("diet_adherence", gettext_noop("diet adherence")),
    ("exercise_minutes", gettext_noop("exercise minutes per week")),
    ("weight_change", gettext_noop("body weight change (kg)")),
)
MIN_PATIENTS = 3
WHY_THEY_DIFFER = gettext_noop(
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
    protocol_id: int  # the protocol, or for an indication cohort the indication's id
    protocol_name: str
    outcome: str
    patients: int = 0
    measurements: int = 0
    unblinded: int = 0
    split_body: Effect | None = None
    mixed: Effect | None = None
    naive: Effect | None = None
    warnings: list[str] = field(default_factory=list)
    explanation: str = field(default_factory=lambda: _(WHY_THEY_DIFFER))
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    covariates: list[str] = field(default_factory=list)  # what the mixed model adjusts for
    cohort: str = "protocol"


@dataclass
class IndicationReport:
    """An indication cohort: every protocol of the indication pooled, and each on its own."""

    indication_id: int
    indication_name: str
    pooled: EvidenceReport
    protocols: list[EvidenceReport] = field(default_factory=list)


def cohort_outcome(clinic: Clinic, protocol: Protocol) -> str:
    """The per-side measurement most recorded on the protocol's split-body plans."""
    return _common_outcome(clinic, [protocol.pk])


def _common_outcome(clinic: Clinic, protocol_ids: Sequence[int]) -> str:
    counts = (
        Measurement.objects.for_clinic(clinic)
        .filter(
            plan__split_body__isnull=False, plan__protocol_id__in=protocol_ids, type__sided=True
        )
        .values_list("type__slug", flat=True)
    )
    slugs = list(counts[:5000])
    return max(set(slugs), key=slugs.count) if slugs else OUTCOME


def cohort_frame(clinic: Clinic, protocol: Protocol, outcome: str = OUTCOME) -> pd.DataFrame:
    """Long data of the protocol's split-body plans: patient, side, time, value, lifestyle."""
    return _cohort_frame(clinic, [protocol.pk], outcome)


def _cohort_frame(clinic: Clinic, protocol_ids: Sequence[int], outcome: str) -> pd.DataFrame:
    allocations = {
        a.plan_id: a
        for a in SplitBodyAllocation.objects.for_clinic(clinic).filter(
            plan__protocol_id__in=protocol_ids
        )
    }
    rows = list(
        Measurement.objects.for_clinic(clinic)
        .filter(plan_id__in=list(allocations), type__slug=outcome)
        .filter(measured_at__range=plausible_times())
        .exclude(side="none")
        .values(
            "patient_id",
            "plan_id",
            "plan__protocol_id",
            "side",
            "measured_at",
            "value",
            "assessor_blinded",
        )
    )
    if not rows:
        return pd.DataFrame(columns=[*FRAME_COLUMNS, *LIFESTYLE_COLUMNS])
    frame = pd.DataFrame(rows).rename(columns={"plan__protocol_id": "protocol"})
    frame["side"] = [
        "treated" if s == allocations[p].treated_side else "control"
        for s, p in zip(frame["side"], frame["plan_id"], strict=True)
    ]
    frame["body_side"] = [r["side"] for r in rows]
    frame["day"] = _utc_days(frame["measured_at"])
    first = frame.groupby("plan_id")["day"].transform("min")
    last = frame.groupby("plan_id")["day"].transform("max")
    span = (last - first).dt.days.astype(float)
    span = span.where(span > 0)
    frame["time"] = ((frame["day"] - first).dt.days / span).fillna(0.0)
    frame["patient"] = _course_ids(frame)
    frame["blinded"] = frame["assessor_blinded"]
    return _with_lifestyle(clinic, frame[FRAME_COLUMNS])


FRAME_COLUMNS = [
    "patient",
    "side",
    "body_side",
    "time",
    "day",
    "value",
    "blinded",
    "patient_id",
    "plan_id",
    "protocol",
]
LIFESTYLE_COLUMNS = ["exercise_minutes", "diet_adherence", "weight_kg", "weight_change"]
# A lifestyle log or weight counts for a measurement taken within two weeks of it: closer
# than most course visits are to each other, so a visit seldom borrows its neighbour's.
LIFESTYLE_WINDOW = pd.Timedelta(days=14)


def _utc_days(values: pd.Series[Any]) -> pd.Series[Any]:
    return pd.to_datetime(values, utc=True).dt.normalize().astype("datetime64[ns, UTC]")


def _course_ids(frame: pd.DataFrame) -> list[str]:
    """One analysis unit per course: the patient's pseudonym, numbered if they had several."""
    courses = frame.groupby("patient_id")["plan_id"].transform("nunique")
    rank = frame.groupby("patient_id")["plan_id"].rank(method="dense").astype(int)
    return [
        pseudonym(int(p)) if n == 1 else f"{pseudonym(int(p))}-{r}"
        for p, n, r in zip(frame["patient_id"], courses, rank, strict=True)
    ]


def _nearest(frame: pd.DataFrame, logs: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each row's nearest log of the same patient within the window."""
    return pd.merge_asof(
        frame.sort_values("day"),
        logs.sort_values("day"),
        on="day",
        by="patient_id",
        direction="nearest",
        tolerance=LIFESTYLE_WINDOW,
    )


def _with_lifestyle(clinic: Clinic, frame: pd.DataFrame) -> pd.DataFrame:
    patient_ids = frame["patient_id"].unique().tolist()
    logs = pd.DataFrame(
        list(
            LifestyleLog.objects.for_clinic(clinic)
            .filter(patient_id__in=patient_ids, date__range=plausible_days())
            .values("patient_id", "date", "diet_adherence_percent", "exercise_minutes_per_week")
        ),
        columns=["patient_id", "date", "diet_adherence_percent", "exercise_minutes_per_week"],
    )
    logs["day"] = _utc_days(logs["date"])
    logs["patient_id"] = logs["patient_id"].astype("int64")
    merged = _nearest(frame, logs.drop(columns=["date"]))
    merged["exercise_minutes"] = merged["exercise_minutes_per_week"].astype(float)
    merged["diet_adherence"] = merged["diet_adherence_percent"].astype(float) / 100
    merged = _nearest(
        merged[[*frame.columns, "exercise_minutes", "diet_adherence"]],
        _weights(clinic, patient_ids),
    )
    merged = merged.sort_values(["plan_id", "day", "side"]).reset_index(drop=True)
    baseline = merged.groupby("plan_id")["weight_kg"].transform("first")
    merged["weight_change"] = merged["weight_kg"] - baseline
    return merged[[*frame.columns, *LIFESTYLE_COLUMNS]]


def _weights(clinic: Clinic, patient_ids: list[int]) -> pd.DataFrame:
    """Body weights (kg) by day: from lifestyle logs and from body-weight measurements."""
    sources = (
        LifestyleLog.objects.for_clinic(clinic)
        .filter(patient_id__in=patient_ids, weight_kg__isnull=False, date__range=plausible_days())
        .values_list("patient_id", "date", "weight_kg"),
        Measurement.objects.for_clinic(clinic)
        .filter(patient_id__in=patient_ids, type__slug=WEIGHT)
        .filter(measured_at__range=plausible_times())
        .values_list("patient_id", "measured_at", "value"),
    )
    logged, measured = (
        pd.DataFrame(list(rows), columns=["patient_id", "when", "weight_kg"]) for rows in sources
    )
    for frame in (logged, measured):
        frame["day"] = _utc_days(frame["when"])
    weights = pd.concat([f for f in (logged, measured) if not f.empty] or [logged])
    weights["weight_kg"] = weights["weight_kg"].astype(float)
    weights["patient_id"] = weights["patient_id"].astype("int64")
    daily: pd.DataFrame = weights.groupby(["patient_id", "day"], as_index=False)[
        ["weight_kg"]
    ].mean()
    return daily


def evidence_report(
    clinic: Clinic, protocol: Protocol, outcome: str | None = None
) -> EvidenceReport:
    outcome = outcome or cohort_outcome(clinic, protocol)
    frame = cohort_frame(clinic, protocol, outcome)
    report = EvidenceReport(protocol.pk, protocol.name, outcome, rows=frame)
    return _analyse(report, frame)


def indication_report(
    clinic: Clinic, indication: Indication, outcome: str | None = None
) -> IndicationReport:
    """Every protocol of the indication (from the catalogue) pooled, and each on its own.

    All use one outcome, the per-side measurement most recorded across the indication,
    so the forest plot compares like with like.
    """
    ids = list(
        Protocol.objects.visible_to(clinic)
        .filter(indication=indication)
        .order_by("name")
        .values_list("pk", "name")
    )
    outcome = outcome or _common_outcome(clinic, [pk for pk, _ in ids])
    frame = _cohort_frame(clinic, [pk for pk, _ in ids], outcome)
    pooled = EvidenceReport(
        indication.pk, indication.name, outcome, rows=frame, cohort="indication"
    )
    result = IndicationReport(indication.pk, indication.name, _analyse(pooled, frame))
    for pk, name in ids:
        part = frame[frame["protocol"] == pk]
        if not part.empty:
            result.protocols.append(
                _analyse(EvidenceReport(pk, name, outcome, rows=part), part.reset_index(drop=True))
            )
    return result


def _analyse(report: EvidenceReport, frame: pd.DataFrame) -> EvidenceReport:
    report.patients = int(frame["patient"].nunique()) if not frame.empty else 0
    report.measurements = len(frame)
    report.unblinded = int((~frame["blinded"].astype(bool)).sum()) if not frame.empty else 0
    if report.unblinded:
        report.warnings.append(
            _(
                "%(unblinded)s of %(measurements)s measurements were taken by an "
                "assessor who knew the treated side: their bias is not excluded."
            )
            % {"unblinded": report.unblinded, "measurements": report.measurements}
        )
    if report.patients < MIN_PATIENTS:
        report.warnings.append(
            _(
                "Too few patients: %(patients)s with split-body measurements; at least "
                "%(minimum)s are needed for any estimate."
            )
            % {"patients": report.patients, "minimum": MIN_PATIENTS}
        )
        return report
    report.split_body = _attempt(report, _("split-body"), lambda: _split(frame))
    report.naive = _attempt(report, _("naive"), lambda: _naive(frame))
    covariates = _covariates(report, frame)
    report.mixed = _attempt(report, _("mixed model"), lambda: _mixed(frame, covariates))
    return report


def _attempt(report: EvidenceReport, name: str, run: Any) -> Effect | None:
    try:
        effect: Effect = run()
    except (EvidenceInputError, ValueError, np.linalg.LinAlgError) as error:
        why = in_language(error.args[0]) if error.args else str(error)
        report.warnings.append(
            _("No %(estimate)s estimate: %(error)s") % {"estimate": name, "error": why}
        )
        return None
    if not all(math.isfinite(v) for v in (effect.estimate, effect.ci_low, effect.ci_high)):
        report.warnings.append(
            _("No %(estimate)s estimate: the model gave no finite value.") % {"estimate": name}
        )
        return None
    report.warnings.extend(
        _("%(estimate)s: %(warning)s") % {"estimate": name, "warning": in_language(w)}
        for w in effect.warnings
    )
    return effect


def in_language(text: object) -> str:
    """A sentence of the evidence engine (written in English) in the reader's language."""
    if not isinstance(text, Message):
        return str(text)
    values = {
        name: in_language(value) if isinstance(value, Message) else value
        for name, value in text.values.items()
    }
    return _(text.template) % values if values else _(text.template)


def _split(frame: pd.DataFrame) -> Effect:
    changes = paired_changes(frame)
    return split_body_effect(changes["treated_change"], changes["control_change"])


def _naive(frame: pd.DataFrame) -> Effect:
    treated = frame[frame["side"] == "treated"]
    first, last = treated["time"].min(), treated["time"].max()
    by_patient = treated.groupby(["patient", "time"])["value"].mean().unstack()
    return naive_before_after(by_patient.get(first), by_patient.get(last))


def _covariates(report: EvidenceReport, frame: pd.DataFrame) -> list[str]:
    """The lifestyle and weight columns the mixed model can adjust for, each explained.

    A covariate is used when every measurement has it, it varies, and it adds to what
    time and side already explain; otherwise the report says why it was left out.
    """
    used: list[str] = []
    for column, english in COVARIATES:
        words = _(english)
        known = int(frame[column].notna().sum())
        reason = None
        names = {"covariate": words, "known": known, "measurements": len(frame)}
        if known == 0:
            reason = _("no %(covariate)s recorded for this cohort") % names
        elif known < len(frame):
            reason = _("%(covariate)s known for only %(known)s of %(measurements)s measurements")
            reason %= names
        elif frame[column].nunique() < 2:
            reason = _("%(covariate)s is the same for every measurement") % names
        elif not _adds_rank(frame, [*used, column]):
            reason = _("%(covariate)s moves in step with time or with the other covariates")
            reason %= names
        if reason:
            report.warnings.append(
                _("Mixed model not adjusted for %(covariate)s: %(reason)s.")
                % {"covariate": words, "reason": reason}
            )
        else:
            used.append(column)
            report.covariates.append(words)
    return used


def _adds_rank(frame: pd.DataFrame, columns: list[str]) -> bool:
    treated = (frame["side"] == "treated").to_numpy(float)
    time = frame["time"].to_numpy(float)
    base = [np.ones(len(frame)), time, treated, time * treated]
    design = np.column_stack(base + [frame[c].to_numpy(float) for c in columns])
    return bool(np.linalg.matrix_rank(design) == design.shape[1])


def _mixed(frame: pd.DataFrame, covariates: list[str]) -> Effect:
    data = frame.drop(columns=["day"])
    return split_body_visits(data, covariates=covariates)


def evidence_statement(clinic: Clinic, protocol: Protocol) -> str | None:
    """One sentence the consent document quotes, or None when there is nothing to say."""
    report = evidence_report(clinic, protocol)
    effect = report.split_body
    if effect is None:
        return None
    significant = effect.ci_high < 0 or effect.ci_low > 0
    names = {
        "protocol": protocol.name,
        "patients": effect.n,
        "outcome": _outcome_words(report.outcome),
        "estimate": f"{effect.estimate:+.1f}",
        "low": f"{effect.ci_low:+.1f}",
        "high": f"{effect.ci_high:+.1f}",
    }
    if significant:
        return (
            _(
                "In this clinic's split-body records for %(protocol)s (%(patients)s patients, "
                "one side treated and the other left untreated as a control), the treated side's "
                "%(outcome)s changed by %(estimate)s cm relative to the untreated side "
                "(95%% CI %(low)s to %(high)s cm): a difference unlikely to be chance alone. "
                "Changes from diet and exercise act on both sides and are not counted."
            )
            % names
        )
    return (
        _(
            "In this clinic's split-body records for %(protocol)s (%(patients)s patients, "
            "one side treated and the other left untreated as a control), the treated side's "
            "%(outcome)s changed by %(estimate)s cm relative to the untreated side "
            "(95%% CI %(low)s to %(high)s cm): a difference this clinic's data cannot tell apart "
            "from no effect. Changes from diet and exercise act on both sides and are not counted."
        )
        % names
    )


def _outcome_words(slug: str) -> str:
    if slug == OUTCOME:
        return _("thigh circumference")
    return slug.replace("-", " ")


def cohorts(clinic: Clinic) -> tuple[list[Protocol], list[Indication]]:
    """The protocols with split-body plans here, and their indications, for the selector."""
    protocol_ids = set(
        SplitBodyAllocation.objects.for_clinic(clinic).values_list("plan__protocol_id", flat=True)
    )
    protocols = list(
        Protocol.objects.visible_to(clinic)
        .filter(pk__in=protocol_ids)
        .select_related("indication")
        .order_by("name")
    )
    return protocols, sorted({p.indication for p in protocols}, key=lambda i: i.name)


def record_export(actor: Actor, clinic: Clinic, report: EvidenceReport) -> None:
    """Audits that the report's rows left as a CSV file (a report, not one record)."""
    kind = (
        ObjectType.INDICATION_EVIDENCE_REPORT
        if report.cohort == "indication"
        else ObjectType.EVIDENCE_REPORT
    )
    audit.record(
        actor,
        AuditAction.EXPORT,
        kind,
        object_id=report.protocol_id,
        details={"rows": report.measurements, "patients": report.patients, "format": "csv"},
        clinic=clinic,
    )
