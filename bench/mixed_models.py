"""Random-intercept mixed model on 1,000,000 rows / 100,000 patients: the engine's fast path
against statsmodels MixedLM and R's lme4 `lmer`, with the estimates compared.

statsmodels needs minutes at full size (about 150 s on 2 cores), so by default it is
timed on a subsample of whole patients (`--statsmodels-rows`, default 100,000) and its
full-size time is extrapolated linearly and labelled as such; `--full` also times it on
the full data. lme4 runs at full size when Rscript and lme4 are installed; the setup
installs Debian's r-cran-lme4 when apt-get is available (`--no-install` prevents it),
else lme4 is skipped, loudly. Standalone: `python -m bench.mixed_models [options]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bench.databases import banner
from mesotrace.evidence import fit_mixed

DEFAULT_ROWS = 1_000_000
ROWS_PER_PATIENT = 10
DEFAULT_STATSMODELS_ROWS = 100_000
FORMULA = "value ~ time + exercise"
TARGET_SPEEDUP = 50.0
TARGET_AGREEMENT = 1e-6
# lme4 stops its derivative-free optimiser earlier than statsmodels' gradient one; the
# validation tests hold it to 1e-4, and so does this comparison.
LME4_AGREEMENT = 1e-4
SEED = 20_240_601
# statsmodels' default gradient tolerance stops ~1e-4 short of the optimum on the variance
# (its log-likelihood is flat there); 1e-8 reaches it for about 10% more time. Both runs
# are shown on the subsample; the speed target is judged on the tight one.
STATSMODELS_GTOL = 1e-8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mixed-rows", type=int, default=DEFAULT_ROWS, help="rows (10 per patient on average)"
    )
    parser.add_argument(
        "--statsmodels-rows",
        type=int,
        default=DEFAULT_STATSMODELS_ROWS,
        help="subsample (whole patients) on which statsmodels is timed",
    )
    parser.add_argument(
        "--full", action="store_true", help="also time statsmodels on all rows (minutes)"
    )
    parser.add_argument(
        "--no-install", action="store_true", help="never apt-get install r-cran-lme4"
    )


@dataclass(frozen=True)
class Estimates:
    """What each program reports, in one shape, so they can be compared."""

    name: str
    seconds: float
    params: np.ndarray
    bse: np.ndarray
    scale: float
    group_var: float
    llf: float

    def values(self) -> dict[str, np.ndarray]:
        return {
            "fixed effects": self.params,
            "standard errors": self.bse,
            "residual variance": np.array([self.scale]),
            "patient variance": np.array([self.group_var]),
            "log-likelihood": np.array([self.llf]),
        }


def cohort(rows: int, seed: int = SEED) -> pd.DataFrame:
    """Circumference over visits: patient baseline, a time trend, exercise, noise."""
    rng = np.random.default_rng(seed)
    patients = max(2, rows // ROWS_PER_PATIENT)
    # Every patient has a first visit; the other visits fall at random, so group sizes vary.
    extra = rng.integers(0, patients, max(rows - patients, 0))
    patient = np.sort(np.concatenate([np.arange(patients), extra]))
    time_ = rng.uniform(0, 1, rows)
    exercise = rng.normal(120, 40, rows)
    baseline = rng.normal(60, 5, patients)
    value = baseline[patient] - 2.0 * time_ - 0.004 * exercise + rng.normal(0, 1.0, rows)
    return pd.DataFrame({"patient": patient, "time": time_, "exercise": exercise, "value": value})


def _fast(data: pd.DataFrame, repeats: int = 3) -> Estimates:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fit_mixed(data, FORMULA, "patient")
        times.append(time.perf_counter() - started)
    assert result is not None
    return Estimates(
        f"fast path (median of {repeats})",
        statistics.median(times),
        result.params.to_numpy(),
        result.bse.to_numpy(),
        result.scale,
        float(result.cov_re.to_numpy()[0, 0]),
        result.llf,
    )


def _statsmodels(data: pd.DataFrame, gtol: float | None = STATSMODELS_GTOL) -> Estimates:
    import statsmodels.formula.api as smf

    options = {} if gtol is None else {"gtol": gtol}
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm(FORMULA, data, groups=data["patient"]).fit(reml=True, **options)
    seconds = time.perf_counter() - started
    k = len(fit.fe_params)
    return Estimates(
        f"statsmodels MixedLM ({'default tolerance' if gtol is None else f'gtol={gtol:g}'})",
        seconds,
        np.asarray(fit.fe_params),
        np.asarray(fit.bse)[:k],
        float(fit.scale),
        float(np.asarray(fit.cov_re)[0, 0]),
        float(fit.llf),
    )


# --- R lme4 -----------------------------------------------------------------------------

R_SCRIPT = r"""
suppressMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d$patient <- factor(d$patient)
elapsed <- system.time(m <- lmer(value ~ time + exercise + (1 | patient), data = d, REML = TRUE))
vc <- as.data.frame(VarCorr(m))
out <- c(elapsed[["elapsed"]], fixef(m), sqrt(diag(as.matrix(vcov(m)))),
         sigma(m)^2, vc$vcov[vc$grp == "patient"], as.numeric(logLik(m)))
writeLines(format(out, digits = 17), args[2])
"""


def lme4_problem(install: bool) -> str | None:
    """None when Rscript with lme4 is ready, else why not; installs it when allowed."""
    if _lme4_loads():
        return None
    if not install:
        return "Rscript with lme4 is not installed (and --no-install was given)"
    if not shutil.which("apt-get") or os.geteuid() != 0:
        return "Rscript with lme4 is not installed, and apt-get (as root) is not available"
    print("setup: installing Debian's r-cran-lme4 with apt-get ...", flush=True)
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "r-cran-lme4"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=False)  # noqa: S607
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0 or not _lme4_loads():
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return f"apt-get install r-cran-lme4 failed: {tail[0]}"
    return None


def _lme4_loads() -> bool:
    rscript = shutil.which("Rscript")
    if not rscript:
        return False
    check = [rscript, "-e", "suppressMessages(library(lme4))"]
    return subprocess.run(check, capture_output=True, check=False).returncode == 0  # noqa: S603


def _lme4(data: pd.DataFrame) -> Estimates:
    with tempfile.TemporaryDirectory(prefix="mesotrace_lme4_") as folder:
        csv, script, out = Path(folder, "d.csv"), Path(folder, "fit.R"), Path(folder, "out.txt")
        data.to_csv(csv, index=False, float_format="%.17g")
        script.write_text(R_SCRIPT)
        rscript = shutil.which("Rscript") or "Rscript"
        subprocess.run([rscript, str(script), str(csv), str(out)], check=True)  # noqa: S603
        numbers = np.array([float(v) for v in out.read_text().split()])
    k = (numbers.size - 4) // 2
    return Estimates(
        "R lme4 lmer (time of lmer() only)",
        float(numbers[0]),
        numbers[1 : 1 + k],
        numbers[1 + k : 1 + 2 * k],
        float(numbers[1 + 2 * k]),
        float(numbers[2 + 2 * k]),
        float(numbers[3 + 2 * k]),
    )


# --- report -----------------------------------------------------------------------------


def max_relative(a: Estimates, b: Estimates) -> dict[str, float]:
    """Largest |a - b| / |b| per quantity."""
    out = {}
    for name, reference in b.values().items():
        mine = a.values()[name]
        out[name] = float(np.max(np.abs(mine - reference) / np.abs(reference)))
    return out


def _agreement(mine: Estimates, other: Estimates, target: float | None) -> bool:
    differences = max_relative(mine, other)
    print(f"  max relative difference, fast path vs {other.name}:")
    for name, value in differences.items():
        print(f"    {name:<20} {value:.1e}")
    estimates = ("fixed effects", "residual variance", "patient variance")
    worst = max(differences[name] for name in estimates)
    if target is None:
        print("  (for information: statsmodels' defaults, not the run the targets are judged on)")
        return True
    verdict = "met" if worst <= target else "NOT MET"
    print(f"  target: estimates (fixed effects, both variances) within {target:g}: {verdict}")
    return worst <= target


def _subsample(data: pd.DataFrame, rows: int) -> pd.DataFrame:
    """The first patients whose rows add up to about `rows` (whole patients only)."""
    cut = int(data["patient"].iloc[min(rows, len(data)) - 1])
    return data[data["patient"] < cut]


def _describe(data: pd.DataFrame) -> str:
    return f"{len(data):,} rows / {data['patient'].nunique():,} patients"


def run(options: argparse.Namespace) -> bool:
    rows = options.mixed_rows
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"model: {FORMULA} + (1 | patient), REML", flush=True)
    print(f"machine: {os.cpu_count()} cores, load average {load} (1, 5, 15 min)", flush=True)
    started = time.perf_counter()
    data = cohort(rows)
    print(f"generated {_describe(data)} in {time.perf_counter() - started:.1f} s", flush=True)
    ok = True

    print("\n--- fast path, full size", flush=True)
    fast = _fast(data)
    print(f"  {fast.name}: {fast.seconds:.3f} s", flush=True)

    small = _subsample(data, options.statsmodels_rows)
    print(f"\n--- statsmodels on a subsample of {_describe(small)} ...", flush=True)
    fast_small = _fast(small)
    sm_default = _statsmodels(small, gtol=None)
    print(
        f"  {sm_default.name}: {sm_default.seconds:.1f} s, fast path {fast_small.seconds:.3f} s:"
        f" {sm_default.seconds / fast_small.seconds:,.0f}x"
    )
    _agreement(fast_small, sm_default, None)
    sm_small = _statsmodels(small)
    ratio = sm_small.seconds / fast_small.seconds
    print(
        f"  {sm_small.name}: {sm_small.seconds:.1f} s, fast path {fast_small.seconds:.3f} s:"
        f" {ratio:,.0f}x"
    )
    ok &= _agreement(fast_small, sm_small, TARGET_AGREEMENT)
    extrapolated = sm_small.seconds * len(data) / len(small)
    print(
        f"  statsmodels at full size, EXTRAPOLATED linearly (not measured): {extrapolated:,.0f} s"
        f" = {extrapolated / fast.seconds:,.0f}x the fast path"
    )
    speedups = [ratio]

    if options.full:
        print(f"\n--- statsmodels at full size, {_describe(data)} (minutes) ...", flush=True)
        sm_full = _statsmodels(data)
        full_ratio = sm_full.seconds / fast.seconds
        print(
            f"  {sm_full.name}: {sm_full.seconds:.1f} s, fast path {fast.seconds:.3f} s:"
            f" {full_ratio:,.0f}x"
        )
        ok &= _agreement(fast, sm_full, TARGET_AGREEMENT)
        speedups.append(full_ratio)
    else:
        print("\n(statsmodels not run at full size; pass --full to measure it)")

    met = min(speedups) >= TARGET_SPEEDUP
    verdict = "met" if met else "NOT MET"
    print(f"\ntarget: at least {TARGET_SPEEDUP:.0f}x faster than statsmodels: {verdict}")
    ok &= met

    print(f"\n--- R lme4 at full size, {_describe(data)}", flush=True)
    problem = lme4_problem(install=not options.no_install)
    if problem:
        banner(f"LME4 SKIPPED: {problem}")
        return ok
    lme4 = _lme4(data)
    lme4_ratio = lme4.seconds / fast.seconds
    print(
        f"  {lme4.name}: {lme4.seconds:.2f} s; fast path {fast.seconds:.3f} s: {lme4_ratio:,.1f}x"
    )
    ok &= _agreement(fast, lme4, LME4_AGREEMENT)
    faster = lme4_ratio > 1
    print(f"target: faster than lme4: {'met' if faster else 'NOT MET'}")
    return ok and faster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    return 0 if run(parser.parse_args(argv)) else 1


if __name__ == "__main__":
    sys.exit(main())
