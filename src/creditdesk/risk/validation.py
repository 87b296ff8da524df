"""A model's validation report: discrimination, accuracy, calibration by grade and stability.

One function, one report: what a model validator signs off before a model scores customers,
and what monitoring re-runs as the population drifts (PSI of the score and of each feature
between the training population and today's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, Protocol

import numpy as np
import pandas as pd

from creditdesk.risk.metrics import auc, brier, calibration_by_grade, category_psi, gini, ks, psi
from creditdesk.risk.rating import UPPER_BOUNDS, concentration_warning, grade_of, grade_shares


class ProbabilisticModel(Protocol):
    def predict_proba(self, X: pd.DataFrame) -> np.ndarray: ...


def validation_report(
    model: ProbabilisticModel,
    X_test: pd.DataFrame,
    y_test: Any,
    X_reference: pd.DataFrame | None = None,
    bounds: Sequence[float] = UPPER_BOUNDS,
    scale: str = "master",
) -> dict[str, Any]:
    """Metrics on a test sample; with ``X_reference`` (the training population), stability too.
    ``bounds`` are the upper PDs of the grades the model is read on (``scale`` names them)."""
    y = np.asarray(y_test).astype(int)
    pd_test = model.predict_proba(X_test)[:, 1]
    grades = grade_of(pd_test, bounds=bounds)
    report: dict[str, Any] = {
        "n": len(y),
        "defaults": int(y.sum()),
        "auc": auc(y, pd_test),
        "gini": gini(y, pd_test),
        "ks": ks(y, pd_test),
        "brier": brier(y, pd_test),
        "calibration": [asdict(row) for row in calibration_by_grade(y, pd_test, grades)],
    }
    report["grades_rejected"] = [row["grade"] for row in report["calibration"] if row["p_value"] < 0.05]
    report["grade_shares"] = grade_shares(grades)
    crowded = concentration_warning(grades, scale)
    report["warnings"] = [crowded] if crowded else []
    if X_reference is not None:
        report.update(stability_report(model, X_reference, X_test, pd_current=pd_test))
    return report


def stability_report(
    model: ProbabilisticModel,
    X_reference: pd.DataFrame,
    X_current: pd.DataFrame,
    pd_current: np.ndarray | None = None,
) -> dict[str, Any]:
    """PSI of the score and of each feature from the training population to today's (no labels
    needed: drift shows before the defaults do). Rule of thumb: below 0.1 stable, above 0.25 act."""
    pd_reference = model.predict_proba(X_reference)[:, 1]
    current = pd_current if pd_current is not None else model.predict_proba(X_current)[:, 1]
    return {
        "psi_score": psi(pd_reference, current),
        "psi_features": {
            str(name): _feature_psi(X_reference[name], X_current[name])
            for name in X_current.columns
            if X_reference[name].notna().any() and X_current[name].notna().any()
        },
    }


def _feature_psi(reference: pd.Series, current: pd.Series) -> float:
    if pd.api.types.is_numeric_dtype(reference) and pd.api.types.is_numeric_dtype(current):
        return psi(reference.dropna(), current.dropna())
    return category_psi(reference, current)  # a category, or a column read back from CSV as text
