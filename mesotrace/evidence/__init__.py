"""The evidence engine: mixed models, split-body effect estimates and simulation.

Pure Python (numpy, scipy, pandas, patsy): nothing here imports Django, so it runs the
same in the app, in a notebook and in the benchmarks.
"""

from mesotrace.evidence import rates, signals
from mesotrace.evidence.design import EvidenceInputError, Message
from mesotrace.evidence.mixed import MixedResult, fit_mixed
from mesotrace.evidence.simulate import simulate_split_body
from mesotrace.evidence.split_body import (
    Columns,
    Effect,
    difference_in_differences,
    naive_before_after,
    paired_changes,
    split_body_effect,
    split_body_visits,
)

__all__ = [
    "Columns",
    "Effect",
    "EvidenceInputError",
    "Message",
    "MixedResult",
    "difference_in_differences",
    "fit_mixed",
    "naive_before_after",
    "paired_changes",
    "rates",
    "signals",
    "simulate_split_body",
    "split_body_effect",
    "split_body_visits",
]
