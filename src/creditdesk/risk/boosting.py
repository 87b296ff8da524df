"""The gradient-boosting challenger (LightGBM), with monotone constraints and reason codes.

Where the direction of a feature's effect is known (more days late never makes a customer
safer), ``monotone`` fixes it: +1 for risk rising with the feature, -1 for falling. The
constraint keeps the model explainable and stops it from learning noise against economics.
Reasons come from each row's feature contributions to the log-odds of default (TreeSHAP,
``pred_contrib``): the largest positive contributions are what raise the risk most.

Text and pandas ``category`` columns are split on natively (LightGBM's categorical splits);
the categories are fixed at fitting, so one first seen at scoring reads as missing rather
than shifting the codes of the others. LightGBM sees the columns under neutral names, so a
column named after a one-hot category ("purpose: car [new]") is accepted as it is.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from creditdesk.risk.column_types import (
    as_text,
    categorical_columns,
    features_of,
    fixed_categories,
    frame_of,
    target_of,
)
from creditdesk.risk.explain import reasons_against_typical, typical_contributions


class BoostedPD(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    def __init__(
        self,
        *,
        n_estimators: int = 500,
        learning_rate: float = 0.03,
        num_leaves: int = 15,
        min_child_samples: int = 20,
        subsample: float = 0.8,
        colsample_bytree: float = 0.5,
        reg_lambda: float = 1.0,
        monotone: dict[str, int] | None = None,
        random_state: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.monotone = monotone
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: Any, sample_weight: Any = None) -> Self:
        frame = frame_of(X)
        monotone = self.monotone or {}
        unknown = sorted(set(monotone) - set(frame.columns))
        if unknown:
            raise ValueError(f"The 'monotone' parameter names features the data lack: {', '.join(unknown)}")
        bad = {name: sign for name, sign in monotone.items() if sign not in (-1, 0, 1)}
        if bad:
            raise ValueError(f"The 'monotone' parameter takes -1, 0 or 1 per feature; got {bad}")
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.classes_ = np.array([0, 1])
        categorical = categorical_columns(frame)
        constrained = sorted(name for name in categorical if monotone.get(name, 0))
        if constrained:
            raise ValueError(
                f"The 'monotone' parameter constrains {', '.join(constrained)}, which hold categories: a "
                "direction applies to numbers only; drop them from 'monotone' or give them as numbers"
            )
        self.categories_ = {name: sorted(as_text(frame[name]).dropna().unique()) for name in categorical}
        inputs = self._inputs(frame)
        self.estimator_ = self._booster(frame, monotone).fit(inputs, target_of(y), sample_weight=sample_weight)
        self.typical_contributions_ = typical_contributions(self.contributions, frame)
        return self

    def _inputs(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame as LightGBM reads it: categories fixed at fitting, neutral column names."""
        if not hasattr(self, "categories_"):
            return frame  # fitted by an earlier release: numbers only, under their own names
        inputs = frame.copy()
        for name, categories in self.categories_.items():
            inputs[name] = fixed_categories(frame[name], categories)
        return inputs.set_axis([f"f{index}" for index in range(frame.shape[1])], axis=1)

    def _booster(self, frame: pd.DataFrame, monotone: dict[str, int]) -> LGBMClassifier:
        return LGBMClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=self.subsample,
            subsample_freq=1,
            colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda,
            monotone_constraints=[monotone.get(name, 0) for name in frame.columns],
            monotone_constraints_method="advanced",
            random_state=self.random_state,
            n_jobs=1,  # deterministic, and a scoring server shares its cores
            verbose=-1,
        )

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "estimator_")
        return features_of(X, self.feature_names_in_)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        # Every core for predictions (they do not depend on the thread count; fitting does).
        return np.asarray(self.estimator_.predict_proba(self._inputs(self._frame(X)), num_threads=0))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's contribution to each row's log-odds of default (they sum, with the
        expected value, to the row's log-odds)."""
        frame = self._frame(X)
        raw = self.estimator_.predict(self._inputs(frame), pred_contrib=True, num_threads=0)
        return pd.DataFrame(np.asarray(raw)[:, :-1], columns=frame.columns, index=frame.index)

    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[list[tuple[str, float]]]:
        """Per row, the features that raise its risk most above the typical applicant's, largest first."""
        return reasons_against_typical(self.contributions(X), getattr(self, "typical_contributions_", None), top)
