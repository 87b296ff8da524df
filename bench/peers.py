"""The open-source peers our models are measured against, each behind fit/predict_proba.

Each is used as its documentation shows, with its defaults: the point is to compare with
what a team gets from the toolkit, not with what a tuned copy of our own method gets.
optbinning's Scorecard and LightGBM are ``creditdesk.risk.peers`` (``model compare`` runs them too).
toad and scorecardpy are benchmark-only dependencies (scorecardpy needs pandas < 3, hence
the separate benchmark environment that ``make bench`` builds).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

_MISSING = -999_999.0  # toad's chi-merge cannot order NaN: the usual toad practice is a sentinel


class Model(Protocol):
    def fit(self, X: pd.DataFrame, y: pd.Series) -> Any: ...

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray: ...


class ToadScorecard:
    """toad's tutorial pipeline: chi-merge bins (5 % minimum), WoE, logistic regression."""

    def fit(self, X: pd.DataFrame, y: pd.Series) -> ToadScorecard:
        import toad

        self.combiner = toad.transform.Combiner()
        self.combiner.fit(X.fillna(_MISSING), y, method="chi", min_samples=0.05)
        self.woe = toad.transform.WOETransformer()
        woe = self.woe.fit_transform(self.combiner.transform(X.fillna(_MISSING)), y)
        self.lr = LogisticRegression(max_iter=2000).fit(woe, y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        woe = self.woe.transform(self.combiner.transform(X.fillna(_MISSING)))
        return np.asarray(self.lr.predict_proba(woe))


class ScorecardpyScorecard:
    """scorecardpy's documented flow: woebin (tree method), woebin_ply, logistic regression."""

    def fit(self, X: pd.DataFrame, y: pd.Series) -> ScorecardpyScorecard:
        import scorecardpy as sc

        data = X.copy()
        data["target__"] = np.asarray(y)
        self.bins = sc.woebin(data, y="target__", print_info=False, no_cores=1)
        # woebin_ply leaves NaN where a value has no bin (a column woebin skipped): no evidence, WoE 0.
        woe = sc.woebin_ply(X, self.bins, print_info=False).fillna(0.0)
        self.columns = list(woe.columns)
        self.lr = LogisticRegression(max_iter=2000).fit(woe, y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        import scorecardpy as sc

        woe = sc.woebin_ply(X, self.bins, print_info=False)[self.columns].fillna(0.0)
        return np.asarray(self.lr.predict_proba(woe))


class DefaultHistGB:
    def fit(self, X: pd.DataFrame, y: pd.Series) -> DefaultHistGB:
        self.model = HistGradientBoostingClassifier(random_state=0).fit(X, y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.model.predict_proba(X))
