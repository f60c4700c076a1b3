"""fit_mixed refuses input it cannot analyse with a ValueError that names the problem,
and never answers with a silent NaN."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mesotrace.evidence import EvidenceInputError, fit_mixed


def visits(patients: int = 8, per_patient: int = 4, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    patient = np.repeat(np.arange(patients), per_patient)
    time = np.tile(np.arange(per_patient, dtype=float), patients)
    value = 60 + rng.normal(0, 2, patients)[patient] - 0.5 * time + rng.normal(0, 1, patient.size)
    return pd.DataFrame({"patient": patient, "time": time, "value": value})


def test_bad_input_errors_are_value_errors() -> None:
    assert issubclass(EvidenceInputError, ValueError)


def test_formula_naming_a_missing_column_says_which() -> None:
    with pytest.raises(EvidenceInputError, match=r"'tme'.*not a column"):
        fit_mixed(visits(), "value ~ tme", "patient")


def test_missing_group_column_says_which() -> None:
    with pytest.raises(EvidenceInputError, match=r"'pig' not in the data"):
        fit_mixed(visits(), "value ~ time", "pig")


def test_missing_value_is_refused_with_its_column_and_row() -> None:
    data = visits()
    data.loc[5, "value"] = np.nan
    with pytest.raises(EvidenceInputError, match=r"column 'value' has 1 missing .*rows 5\)"):
        fit_mixed(data, "value ~ time", "patient")


def test_missing_value_can_be_dropped_and_the_result_says_so() -> None:
    data = visits()
    data.loc[5, "time"] = np.nan
    result = fit_mixed(data, "value ~ time", "patient", missing="drop")
    assert result.nobs == len(data) - 1
    assert "1 row(s) with missing values were left out" in result.warnings


def test_missing_values_in_unused_columns_do_not_matter() -> None:
    data = visits().assign(feed=np.nan)
    assert fit_mixed(data, "value ~ time", "patient").nobs == len(data)


def test_infinite_value_is_refused() -> None:
    data = visits()
    data.loc[0, "time"] = np.inf
    with pytest.raises(EvidenceInputError, match=r"column 'time' has 1 missing or infinite"):
        fit_mixed(data, "value ~ time", "patient")


def test_one_group_is_too_few() -> None:
    data = visits().assign(patient=1)
    with pytest.raises(EvidenceInputError, match=r"at least 2 groups in 'patient'; the data has 1"):
        fit_mixed(data, "value ~ time", "patient")


def test_few_groups_fit_with_a_warning() -> None:
    result = fit_mixed(visits(patients=3), "value ~ time", "patient")
    assert np.isfinite(result.params).all()
    assert any("only 3 groups" in w for w in result.warnings)


def test_constant_outcome_has_nothing_to_explain() -> None:
    with pytest.raises(EvidenceInputError, match=r"no variance in the outcome 'value'"):
        fit_mixed(visits().assign(value=61.0), "value ~ time", "patient")


def test_collinear_covariate_is_named() -> None:
    data = visits().assign(weeks=lambda d: d.time * 7)
    with pytest.raises(EvidenceInputError, match=r"weeks.*collinear"):
        fit_mixed(data, "value ~ time + weeks", "patient")


def test_constant_covariate_is_named() -> None:
    with pytest.raises(EvidenceInputError, match=r"dose.*(collinear|all zero)"):
        fit_mixed(visits().assign(dose=2.0), "value ~ time + dose", "patient")


def test_more_coefficients_than_rows_is_refused() -> None:
    data = visits(patients=2, per_patient=1)
    with pytest.raises(EvidenceInputError, match=r"2 rows cannot estimate 2 coefficients"):
        fit_mixed(data, "value ~ time", "patient")


def test_formula_without_an_outcome_is_refused() -> None:
    with pytest.raises(EvidenceInputError, match=r"needs an outcome"):
        fit_mixed(visits(), "time", "patient")


def test_data_must_be_a_data_frame() -> None:
    with pytest.raises(EvidenceInputError, match=r"pandas DataFrame, not dict"):
        fit_mixed({"value": [1.0, 2.0]}, "value ~ 1", "patient")  # type: ignore[arg-type]


def test_empty_data_is_refused() -> None:
    with pytest.raises(EvidenceInputError, match=r"no rows"):
        fit_mixed(visits().iloc[:0], "value ~ time", "patient")


def test_fast_path_refuses_random_slopes() -> None:
    with pytest.raises(EvidenceInputError, match=r"fast path fits a random intercept only"):
        fit_mixed(visits(), "value ~ time", "patient", re_formula="1 + time", path="fast")


def test_model_without_random_effects_is_refused() -> None:
    with pytest.raises(EvidenceInputError, match=r"no random effects"):
        fit_mixed(visits(), "value ~ time", "patient", re_formula="0")


def test_no_between_patient_variation_gives_zero_not_nan() -> None:
    rng = np.random.default_rng(3)
    data = visits().assign(value=lambda d: 60 - 0.5 * d.time + rng.normal(0, 1, len(d)))
    for path in ("fast", "general"):
        result = fit_mixed(data, "value ~ time", "patient", path=path)
        assert np.isfinite(result.bse).all()
        assert np.isfinite(result.llf)
        variance = result.cov_re.iloc[0, 0]
        assert isinstance(variance, float)
        assert variance >= 0
        assert result.converged
