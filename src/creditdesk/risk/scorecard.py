"""A points scorecard: optimal monotonic binning, weight of evidence, logistic regression.

scikit-learn conventions: hyper-parameters in ``__init__`` and nothing else there; ``fit``
returns ``self``; what is learned ends in ``_``. Binning is optbinning's (a mixed-integer
optimisation per feature, with a monotonic event-rate trend where the data allow it).

Points follow the usual scaling: ``score = offset + factor * ln(odds of not defaulting)``
with ``factor = pdo / ln 2`` and ``offset = base_points - factor * ln(base_odds)``, so
``base_points`` stands for odds of ``base_odds`` to 1 and every ``pdo`` points double the
odds. Each feature's bin carries its share of the points, so a customer's score is the sum
of its row in ``points_table_``.

Text and pandas ``category`` columns are binned as categories: categories rarer than
``rare_category_share`` are grouped into one bin, and a category first seen at scoring gets
the average risk (WoE 0), never an exception. A row's reasons are the features where it
scored furthest below the typical (median) applicant's points for that feature, so a feature
whose best bin holds a few dozen rows does not become everyone's reason.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from optbinning import BinningProcess
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from creditdesk.risk.column_types import as_text, categorical_columns, features_of, frame_of, target_of
from creditdesk.risk.explain import PointsScale, reasons_against_typical, typical_contributions


class Binning(BinningProcess):  # type: ignore[misc]
    """optbinning's BinningProcess without the per-variable statistics it computes for variable
    selection (IV, Gini, quality score, with their tests): a scorecard selects no variables, and
    those statistics were a quarter of a champion's training. The bins and WoE are the same."""

    def _binning_selection_criteria(self) -> None:
        if self.selection_criteria is not None:
            super()._binning_selection_criteria()
            return
        self._support = np.full(self._n_variables, True, dtype=bool)


class Scorecard(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    def __init__(
        self,
        *,
        pdo: float = 20.0,
        base_points: float = 600.0,
        base_odds: float = 50.0,
        max_n_bins: int | None = 10,
        min_bin_size: float | None = 0.02,
        monotonic_trend: str | None = "auto_asc_desc",
        C: float = 1.0,
        max_codes: int = 12,
        max_n_prebins: int = 50,
        min_prebin_size: float = 0.02,
        rare_category_share: float = 0.02,
    ) -> None:
        self.pdo = pdo
        self.base_points = base_points
        self.base_odds = base_odds
        self.max_n_bins = max_n_bins
        self.min_bin_size = min_bin_size
        self.monotonic_trend = monotonic_trend
        self.C = C
        self.max_codes = max_codes
        self.max_n_prebins = max_n_prebins
        self.min_prebin_size = min_prebin_size
        self.rare_category_share = rare_category_share

    def _check_params(self) -> None:
        for name in ("pdo", "base_odds", "C"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"The {name!r} parameter must be a positive number; got {value}")
        if self.min_bin_size is not None and not 0 < self.min_bin_size < 0.5:
            raise ValueError(f"The 'min_bin_size' parameter must lie between 0 and 0.5; got {self.min_bin_size}")
        if not 0 <= self.rare_category_share < 0.5:
            raise ValueError(
                f"The 'rare_category_share' parameter must lie from 0 to 0.5; got {self.rare_category_share}"
            )

    def fit(self, X: pd.DataFrame, y: Any) -> Self:
        self._check_params()
        frame = frame_of(X)
        target = target_of(y)
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.classes_ = np.array([0, 1])
        self.categories_ = categorical_columns(frame)
        frame = self._frame(frame)
        # A feature with fewer than two known values carries no evidence: it gets no bins.
        self.features_ = [name for name in frame.columns if frame[name].dropna().nunique() >= 2]
        if not self.features_:
            raise ValueError("no feature has two or more distinct values to bin")
        frame = frame[self.features_]
        grouped = [name for name in frame.columns if name in self.categories_ or self._is_code(frame[name])]
        # Rare text categories share one bin; numeric codes keep every code, as they always have.
        params = {
            name: {"cat_cutoff": self._cutoff(frame[name])}
            if name in self.categories_
            else {}
            if name in grouped
            else {"monotonic_trend": self.monotonic_trend}
            for name in frame.columns
        }
        self.binning_process_ = Binning(
            self.features_,
            categorical_variables=grouped,
            max_n_bins=self.max_n_bins,
            min_bin_size=self.min_bin_size,
            max_n_prebins=self.max_n_prebins,
            min_prebin_size=self.min_prebin_size,
            binning_fit_params=params,
        ).fit(frame, target)
        woe = self._woe(frame)
        self.estimator_ = LogisticRegression(C=self.C, max_iter=2000).fit(woe, target)
        scale = PointsScale(self.pdo, self.base_points, self.base_odds)
        self.factor_, self.offset_ = scale.factor, scale.offset
        self.points_table_ = self._points_table()
        self.typical_contributions_ = typical_contributions(self.contributions, frame)
        return self

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:
        """The columns as the binning reads them: categories as plain strings, numbers as they are."""
        frame = pd.DataFrame(X).copy()
        for name in getattr(self, "categories_", ()):  # an earlier release's model: numbers only
            frame[name] = as_text(frame[name])
        return frame

    def _cutoff(self, column: pd.Series) -> float | None:
        """The share under which categories are pooled; none when fewer than two categories reach
        it (a column of many rare values: every value is a prebin, merged by risk instead)."""
        shares = column.value_counts(normalize=True)
        return self.rare_category_share if (shares >= self.rare_category_share).sum() >= 2 else None

    def _is_code(self, column: pd.Series) -> bool:
        """A few integer values (a status code, a class): binned as categories, grouped by risk."""
        values = column.dropna().to_numpy(dtype=float)
        return 2 < len(np.unique(values)) <= self.max_codes and bool(np.all(np.mod(values, 1) == 0))

    def _woe(self, X: pd.DataFrame) -> pd.DataFrame:
        frame = self._frame(features_of(X, self.features_))
        # A missing value gets its own bin's WoE; optbinning's default (WoE 0, the average risk)
        # throws away that missing data is itself a signal (a firm that files no cash-flow figure).
        woe = self.binning_process_.transform(
            frame, metric="woe", metric_missing="empirical", metric_special="empirical"
        )
        return pd.DataFrame(woe, columns=frame.columns, index=frame.index)

    def _points_table(self) -> pd.DataFrame:
        """Points of every bin of every feature (intercept and offset spread evenly)."""
        n = len(self.features_)
        intercept = float(self.estimator_.intercept_[0])
        rows = []
        for coef, name in zip(self.estimator_.coef_[0], self.features_, strict=True):
            table = self.binning_process_.get_binned_variable(name).binning_table.build()
            table = table.loc[~table.index.isin(["Totals"])]
            for label, woe in zip(table["Bin"], table["WoE"], strict=True):
                # ln(odds good) = -(b0 + sum b_j * woe_j); optbinning's WoE is ln(good share / bad share).
                points = self.offset_ / n - self.factor_ * (intercept / n + coef * float(woe))
                rows.append({"feature": name, "bin": str(label), "woe": float(woe), "points": points})
        return pd.DataFrame(rows)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        frame = features_of(X, self.feature_names_in_)
        proba: np.ndarray = self.estimator_.predict_proba(self._woe(frame))
        return proba

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def feature_points(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each row's points per binned feature; their sum is the score."""
        check_is_fitted(self, "estimator_")
        woe = self._woe(X)
        n = len(self.features_)
        intercept = float(self.estimator_.intercept_[0])
        coefs = pd.Series(self.estimator_.coef_[0], index=woe.columns)
        return self.offset_ / n - self.factor_ * (intercept / n + woe.mul(coefs, axis=1))

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's term in each row's log-odds of default (coefficient × WoE; 0 unbinned)."""
        check_is_fitted(self, "estimator_")
        woe = self._woe(X)
        terms = woe.mul(pd.Series(self.estimator_.coef_[0], index=woe.columns), axis=1)
        return terms.reindex(columns=list(self.feature_names_in_), fill_value=0.0)

    def points(self, X: pd.DataFrame) -> np.ndarray:
        """The score: higher is safer; ``pdo`` more points double the odds of not defaulting."""
        total: np.ndarray = self.feature_points(X).sum(axis=1).to_numpy()
        return total

    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[list[tuple[str, float]]]:
        """Per row, the features where it scored furthest below the typical applicant's points,
        largest first, in log-odds of default (points divided by ``factor_``), as every model
        reports them."""
        return reasons_against_typical(self.contributions(X), getattr(self, "typical_contributions_", None), top)
