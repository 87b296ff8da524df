"""Segment models: customers with payment history and new customers scored by different models.

A new customer has no invoices to learn from, so its model uses only what exists for it
(statements, bureau, group); an established customer's model adds its payment behaviour.
Each segment's model is calibrated on its own customers (the champion stacks and calibrates),
so the two PD scales meet in one calibrated PD per customer. A segment too small to fit
(fewer than ``min_defaults`` defaults or non-defaults) is scored by the model of all rows
restricted to its features.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from creditdesk.risk.champion import ChampionPD


class SegmentedPD(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    def __init__(
        self,
        *,
        base: Any = None,
        segment_column: str = "has_history",
        new_features: Sequence[str] = (),
        min_defaults: int = 20,
    ) -> None:
        self.base = base
        self.segment_column = segment_column
        self.new_features = new_features
        self.min_defaults = min_defaults

    def _columns(self, established: bool, frame: pd.DataFrame) -> list[str]:
        if established or not self.new_features:
            return [c for c in frame.columns if c != self.segment_column]
        return [c for c in self.new_features if c in frame.columns]

    def fit(self, X: pd.DataFrame, y: Any) -> Self:
        frame = pd.DataFrame(X)
        target = pd.Series(np.asarray(y).astype(int), index=frame.index)
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.classes_ = np.array([0, 1])
        self.models_: dict[bool, Any] = {}
        self.columns_: dict[bool, list[str]] = {}
        self.pooled_: dict[bool, bool] = {}
        established = frame[self.segment_column].to_numpy() > 0
        for segment in (True, False):
            rows = established == segment
            columns = self._columns(segment, frame)
            counts = np.bincount(target[rows], minlength=2)
            # Too few of either outcome in the segment: learn from every row, on its features.
            pooled = bool(counts.min() < self.min_defaults)
            chosen = np.ones(len(frame), dtype=bool) if pooled else rows
            self.models_[segment] = clone(self.base or ChampionPD()).fit(frame.loc[chosen, columns], target[chosen])
            self.columns_[segment], self.pooled_[segment] = columns, pooled
        return self

    def _route(self, X: pd.DataFrame) -> np.ndarray:
        established: np.ndarray = pd.DataFrame(X)[self.segment_column].to_numpy() > 0
        return established

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "models_")
        frame = pd.DataFrame(X)
        established = self._route(frame)
        default = np.zeros(len(frame))
        for segment in (True, False):
            rows = established == segment
            if rows.any():
                default[rows] = self.models_[segment].predict_proba(frame.loc[rows, self.columns_[segment]])[:, 1]
        return np.column_stack([1 - default, default])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[list[tuple[str, float]]]:
        frame = pd.DataFrame(X)
        established = self._route(frame)
        found: list[list[tuple[str, float]]] = [[] for _ in range(len(frame))]
        for segment in (True, False):
            rows = np.flatnonzero(established == segment)
            if len(rows):
                part = self.models_[segment].reasons(frame.iloc[rows][self.columns_[segment]], top=top)
                for position, reasons in zip(rows, part, strict=True):
                    found[position] = reasons
        return found
