"""The open-source peers in the environment, as a team gets them from their documentation.

optbinning's Scorecard (its BinningProcess, text columns declared categorical) and LightGBM with
its native categorical splits (text columns as pandas categories), both with their defaults:
``model compare`` and the benchmark measure our models against what the toolkits give, not
against a tuned copy of our own method.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from creditdesk.risk.column_types import as_text, categorical_columns, fixed_categories


class OptbinningScorecard:
    def fit(self, X: pd.DataFrame, y: pd.Series) -> OptbinningScorecard:
        from optbinning import BinningProcess, Scorecard
        from sklearn.linear_model import LogisticRegression

        self.categories = categorical_columns(X)
        process = BinningProcess(list(X.columns), categorical_variables=self.categories)
        self.model = Scorecard(binning_process=process, estimator=LogisticRegression(max_iter=2000))
        self.model.fit(self._frame(X), y)
        return self

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:
        return X.assign(**{name: as_text(X[name]) for name in self.categories})

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.model.predict_proba(self._frame(X)))


class NativeLightGBM:
    def fit(self, X: pd.DataFrame, y: pd.Series) -> NativeLightGBM:
        from lightgbm import LGBMClassifier

        self.categories = {name: sorted(as_text(X[name]).dropna().unique()) for name in categorical_columns(X)}
        # One thread: the same trees on any machine, and fit times comparable with ours.
        self.model = LGBMClassifier(verbose=-1, random_state=0, n_jobs=1).fit(self._frame(X), y)
        return self

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:
        frame = X.assign(**{n: fixed_categories(X[n], c) for n, c in self.categories.items()})
        return frame.set_axis([f"f{i}" for i in range(X.shape[1])], axis=1)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.model.predict_proba(self._frame(X)))


#: key -> (the name a table shows, the peer, the package it needs)
PEERS: dict[str, tuple[str, Any, str]] = {
    "optbinning": ("optbinning Scorecard", OptbinningScorecard, "optbinning"),
    "lightgbm": ("LightGBM (native categories)", NativeLightGBM, "lightgbm"),
}


def available() -> dict[str, tuple[str, Any]]:
    """The peers whose packages are installed: key -> (shown name, peer)."""
    found: dict[str, tuple[str, Any]] = {}
    for key, (shown, peer, package) in PEERS.items():
        try:
            __import__(package)
        except ImportError:
            continue
        found[key] = (shown, peer)
    return found
