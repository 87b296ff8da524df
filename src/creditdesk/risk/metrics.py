"""Discrimination, accuracy, calibration and stability of probability-of-default models.

Wrappers over scikit-learn and SciPy where they already do the work, with the definitions
credit risk validation uses (Basel validation practice):

- AUC and Gini = 2 AUC - 1 (the accuracy ratio);
- KS: the largest distance between the score distributions of defaulters and non-defaulters;
- Brier score: the mean squared error of the predicted PD;
- calibration by grade: observed against predicted defaults per grade, with an exact binomial test;
- PSI: the population stability index of a score or feature between two samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.stats import binomtest
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve


def _arrays(y_true: ArrayLike, y_score: ArrayLike) -> tuple[NDArray[np.int_], NDArray[np.float64]]:
    y = np.asarray(y_true).astype(int)
    p = np.asarray(y_score, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError(f"y_true and y_score must be 1-d of the same length; got {y.shape} and {p.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must hold 0 (performing) and 1 (defaulted) only")
    if len(np.unique(y)) < 2:
        raise ValueError("y_true needs both defaulted and performing cases")
    return y, p


def auc(y_true: ArrayLike, y_score: ArrayLike) -> float:
    y, p = _arrays(y_true, y_score)
    return float(roc_auc_score(y, p))


def gini(y_true: ArrayLike, y_score: ArrayLike) -> float:
    return 2.0 * auc(y_true, y_score) - 1.0


def ks(y_true: ArrayLike, y_score: ArrayLike) -> float:
    y, p = _arrays(y_true, y_score)
    fpr, tpr, _ = roc_curve(y, p)
    return float(np.max(tpr - fpr))


def brier(y_true: ArrayLike, y_pd: ArrayLike) -> float:
    y, p = _arrays(y_true, y_pd)
    if ((p < 0) | (p > 1)).any():
        raise ValueError("a probability of default lies from 0 to 1")
    return float(brier_score_loss(y, p))


@dataclass(frozen=True, slots=True)
class GradeCalibration:
    grade: int
    count: int
    defaults: int
    mean_pd: float
    observed_rate: float
    p_value: float  # exact two-sided binomial test of the defaults against the mean PD

    @property
    def rejected(self) -> bool:
        """The grade's PD is off at the 5 % level."""
        return self.p_value < 0.05


def calibration_by_grade(y_true: ArrayLike, y_pd: ArrayLike, grades: ArrayLike) -> list[GradeCalibration]:
    y = np.asarray(y_true).astype(int)
    p = np.asarray(y_pd, dtype=float)
    g = np.asarray(grades).astype(int)
    rows = []
    for grade in np.unique(g):
        mask = g == grade
        count, defaults, mean_pd = int(mask.sum()), int(y[mask].sum()), float(p[mask].mean())
        test = binomtest(defaults, count, min(max(mean_pd, 1e-12), 1 - 1e-12))
        rows.append(GradeCalibration(int(grade), count, defaults, mean_pd, defaults / count, float(test.pvalue)))
    return rows


def psi(expected: ArrayLike, actual: ArrayLike, bins: int = 10) -> float:
    """Population stability index over the expected sample's quantile bins.

    Empty bins get half a case, so the index stays finite. Below 0.1 reads as stable,
    0.1 to 0.25 as a shift to watch, above 0.25 as a shift to act on.
    """
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if e.size == 0 or a.size == 0:
        raise ValueError("both samples need values")
    edges = np.unique(np.quantile(e, np.linspace(0, 1, bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    e_counts = np.histogram(e, edges)[0].astype(float)
    a_counts = np.histogram(a, edges)[0].astype(float)
    e_share = np.maximum(e_counts, 0.5) / e.size
    a_share = np.maximum(a_counts, 0.5) / a.size
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))


def category_psi(expected: ArrayLike, actual: ArrayLike) -> float:
    """Population stability index of a category column over its categories (missing is one)."""
    e = pd.Series(np.asarray(expected, dtype=object)).fillna("(missing)").astype(str)
    a = pd.Series(np.asarray(actual, dtype=object)).fillna("(missing)").astype(str)
    if e.empty or a.empty:
        raise ValueError("both samples need values")
    categories = sorted(set(e) | set(a))
    e_share = np.maximum(e.value_counts().reindex(categories, fill_value=0).to_numpy(float), 0.5) / e.size
    a_share = np.maximum(a.value_counts().reindex(categories, fill_value=0).to_numpy(float), 0.5) / a.size
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))
