"""Turns a data frame and model formulas into the arrays a mixed model needs.

Bad input (a missing column, a missing value, one group, a constant outcome, collinear
columns) is refused here with an `EvidenceInputError` that names the problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd
import patsy
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.intp]
Missing = Literal["raise", "drop"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_QUOTED = re.compile(r"""Q\(\s*["'](.+?)["']\s*\)""")
_UNKNOWN_NAME = re.compile(r"name '([^']+)' is not defined")


class Message(str):
    """An English sentence that keeps its template and values, so the app above can show it
    in its reader's language (`gettext(message.template) % message.values`) while the engine
    stays free of Django. Made by `_`, the name message extraction looks for."""

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, **values: object) -> Message:
        made = super().__new__(cls, template % values if values else template)
        made.template, made.values = template, values
        return made


def _(template: str, **values: object) -> Message:
    """A sentence for a person, marked for translation: whole, with named placeholders."""
    return Message(template, **values)


class EvidenceInputError(ValueError):
    """Data the engine cannot analyse; the message says what is wrong and where."""


@dataclass(frozen=True)
class Design:
    """One model's arrays: outcome, fixed effects, groups and random-effect designs."""

    y: FloatArray
    x: FloatArray
    x_names: list[str]
    codes: IndexArray  # group number of each row, 0 .. ngroups - 1
    labels: pd.Index  # the group label of each group number
    z_re: FloatArray  # correlated random effects (intercept, slopes), one column each
    re_names: list[str]
    z_vc: list[FloatArray]  # per variance component: columns compacted within each group
    vc_names: list[str]
    dropped_rows: int

    @property
    def nobs(self) -> int:
        return int(self.y.shape[0])

    @property
    def ngroups(self) -> int:
        return len(self.labels)


def columns_in(formulas: Sequence[str], data: pd.DataFrame) -> list[str]:
    """The data columns that the formulas mention, in data order."""
    names: set[str] = set()
    for formula in formulas:
        names.update(_IDENTIFIER.findall(formula))
        names.update(_QUOTED.findall(formula))
    return [str(c) for c in data.columns if str(c) in names]


def _describe_rows(index: pd.Index) -> str:
    shown = ", ".join(str(i) for i in index[:5])
    return shown + (", ..." if len(index) > 5 else "")


def clean_rows(data: pd.DataFrame, columns: Sequence[str], missing: Missing) -> pd.DataFrame:
    """The rows to analyse: refuses (or drops, when asked) rows with missing values."""
    if not isinstance(data, pd.DataFrame):
        raise EvidenceInputError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if data.empty:
        raise EvidenceInputError("the data has no rows")
    absent = [c for c in columns if c not in data.columns]
    if absent:
        raise EvidenceInputError(
            f"column(s) {', '.join(map(repr, absent))} not in the data "
            f"(it has: {', '.join(map(str, data.columns))})"
        )
    used = data.loc[:, list(columns)]
    bad = used.isna()
    for column in used.columns:
        if pd.api.types.is_numeric_dtype(used[column]):
            bad[column] |= ~np.isfinite(used[column].to_numpy(dtype=np.float64))
    if not bad.to_numpy().any():
        return data
    if missing == "drop":
        return data.loc[~bad.any(axis=1)]
    column = str(bad.columns[bad.any(axis=0)][0])
    rows = data.index[bad[column].to_numpy()]
    raise EvidenceInputError(
        f"column {column!r} has {len(rows)} missing or infinite value(s) (rows "
        f"{_describe_rows(rows)}); fix them or pass missing='drop' to leave those rows out"
    )


def _patsy_error(formula: str, data: pd.DataFrame, error: Exception) -> EvidenceInputError:
    unknown = _UNKNOWN_NAME.search(str(error))
    if unknown:
        return EvidenceInputError(
            f"formula {formula!r} names {unknown.group(1)!r}, which is not a column "
            f"of the data (it has: {', '.join(map(str, data.columns))})"
        )
    return EvidenceInputError(f"formula {formula!r} cannot be used: {error}")


def _matrix(formula: str, data: pd.DataFrame) -> pd.DataFrame:
    try:
        frame: pd.DataFrame = patsy.dmatrix(
            formula, data, return_type="dataframe", NA_action="raise"
        )
    except patsy.PatsyError as error:
        raise _patsy_error(formula, data, error) from error
    return frame


def _fixed_part(formula: str, data: pd.DataFrame) -> tuple[FloatArray, pd.DataFrame]:
    """The outcome vector and the fixed-effect design of `outcome ~ terms`."""
    if "~" not in formula:
        raise EvidenceInputError(f"formula {formula!r} needs an outcome: 'outcome ~ terms'")
    try:
        outcome, fixed = patsy.dmatrices(formula, data, return_type="dataframe", NA_action="raise")
    except patsy.PatsyError as error:
        raise _patsy_error(formula, data, error) from error
    name = formula.split("~", 1)[0].strip()
    if outcome.shape[1] != 1:
        raise EvidenceInputError(f"outcome {name!r} must be one numeric column")
    y = outcome.to_numpy(dtype=np.float64)[:, 0]
    if np.ptp(y) == 0:
        raise EvidenceInputError(
            f"no variance in the outcome {name!r}: every value is {y[0]:g}, so there is "
            "nothing to explain"
        )
    return y, fixed


def check_full_rank(x: FloatArray, names: list[str], what: str = "fixed-effect column") -> None:
    """Refuses a design whose columns cannot all be estimated, naming the culprits."""
    if x.shape[0] <= x.shape[1]:
        raise EvidenceInputError(
            f"{x.shape[0]} rows cannot estimate {x.shape[1]} coefficients ({', '.join(names)})"
        )
    scale = np.sqrt((x * x).sum(axis=0))
    constant = [n for n, s in zip(names, scale, strict=True) if s == 0]
    if constant:
        raise EvidenceInputError(f"{what}(s) {', '.join(constant)} are all zero")
    r = cast(FloatArray, np.linalg.qr(x / scale, mode="r"))
    weak = np.abs(np.diag(r)) < 1e-9 * np.abs(r[0, 0])
    if weak.any():
        dependent = [n for n, w in zip(names, weak, strict=True) if w]
        raise EvidenceInputError(
            f"{what}(s) {', '.join(dependent)} repeat information already in "
            "the other columns (collinear, or no variation in the data): drop or recode them"
        )


def group_codes(values: pd.Series) -> tuple[IndexArray, pd.Index]:
    codes, labels = pd.factorize(values, sort=True)
    return codes.astype(np.intp), pd.Index(labels, name=values.name)


def _compact_within_groups(design: FloatArray, codes: IndexArray) -> FloatArray:
    """Keeps, per group, only the columns that are used in that group, packed to the left.

    A variance component such as "0 + C(cask)" has one column per level in the data, but
    each group (batch) uses a few; packing them keeps the per-group matrices small.
    Columns that are all zero in a group add nothing to its likelihood.
    """
    width = design.shape[1]
    rows, cols = np.nonzero(design)
    keys = codes[rows].astype(np.int64) * width + cols
    unique, inverse = np.unique(keys, return_inverse=True)
    group_of_key = unique // width
    first_of_group = np.searchsorted(group_of_key, group_of_key, side="left")
    slot = np.arange(unique.shape[0]) - first_of_group
    packed = np.zeros((design.shape[0], int(slot.max()) + 1 if slot.size else 0))
    packed[rows, slot[inverse]] = design[rows, cols]
    return packed


def _re_design(formula: str | None, data: pd.DataFrame) -> tuple[FloatArray, list[str]]:
    if formula is None or formula.strip() == "1":
        return np.ones((data.shape[0], 1)), ["Group"]
    if formula.strip() in ("0", "-1", "0 +", ""):
        return np.zeros((data.shape[0], 0)), []
    frame = _matrix(formula, data)
    names = ["Group" if c == "Intercept" else str(c) for c in frame.columns]
    return frame.to_numpy(dtype=np.float64), names


def build_design(
    data: pd.DataFrame,
    formula: str,
    group: str,
    re_formula: str | None,
    vc_formula: Mapping[str, str] | None,
    missing: Missing,
) -> Design:
    if not isinstance(data, pd.DataFrame):
        raise EvidenceInputError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    formulas = [formula, re_formula or "", *(vc_formula or {}).values()]
    columns = [group, *[c for c in columns_in(formulas, data) if c != group]]
    rows = clean_rows(data, columns, missing)
    y, fixed = _fixed_part(formula, rows)
    x = fixed.to_numpy(dtype=np.float64)
    x_names = [str(c) for c in fixed.columns]
    check_full_rank(x, x_names)
    codes, labels = group_codes(rows[group])
    if len(labels) < 2:
        raise EvidenceInputError(
            f"a mixed model needs at least 2 groups in {group!r}; the data has {len(labels)}"
        )
    z_re, re_names = _re_design(re_formula, rows)
    vc_names = sorted(vc_formula or {})
    z_vc = [_compact_within_groups(_vc_matrix(vc_formula, n, rows), codes) for n in vc_names]
    if not re_names and not vc_names:
        raise EvidenceInputError("the model has no random effects: give re_formula or vc_formula")
    return Design(
        y=y,
        x=x,
        x_names=x_names,
        codes=codes,
        labels=labels,
        z_re=z_re,
        re_names=re_names,
        z_vc=z_vc,
        vc_names=vc_names,
        dropped_rows=int(data.shape[0] - rows.shape[0]),
    )


def _vc_matrix(vc_formula: Mapping[str, str] | None, name: str, rows: pd.DataFrame) -> FloatArray:
    assert vc_formula is not None
    return _matrix(vc_formula[name], rows).to_numpy(dtype=np.float64)
