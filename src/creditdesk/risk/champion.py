"""The champion: the scorecard and boosted models stacked in log-odds, and calibrated.

The members err differently: the scorecard is smooth and monotone per feature; the slow,
shallow, column-sampling booster finds many weak interactions; the fast, wider one finds a few
strong ones. A logistic regression on the members' out-of-fold log-odds learns how much to
trust each on this data (a weak scorecard gets little weight) and calibrates the result in the
same step, so a PD of 5 % means about 5 in 100 default, which the rating scale and the limit
methods rely on. Reasons add each member's per-feature log-odds terms with the weights the
stacker learned. ``gbms`` sets the boosters (by default the two above; one small booster
scores a large portfolio several times faster).
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from creditdesk.risk.boosting import BoostedPD
from creditdesk.risk.column_types import features_of, frame_of, target_of
from creditdesk.risk.explain import fitting_without_reasons, reasons_against_typical, typical_contributions
from creditdesk.risk.scorecard import Scorecard

_EPS = 1e-6
#: The second booster: LightGBM's own defaults (fast, 31 leaves, every row and column).
WIDE_BOOSTER = BoostedPD(
    n_estimators=100, learning_rate=0.1, num_leaves=31, subsample=1.0, colsample_bytree=1.0, reg_lambda=0.0
)


class ChampionPD(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    def __init__(
        self,
        *,
        scorecard: Scorecard | None = None,
        gbms: tuple[BoostedPD, ...] | None = None,
        calibration_folds: int = 3,
        random_state: int = 0,
    ) -> None:
        self.scorecard = scorecard
        self.gbms = gbms
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def _members(self) -> list[Any]:
        gbms = self.gbms if self.gbms is not None else (BoostedPD(), WIDE_BOOSTER)
        return [clone(self.scorecard or Scorecard()), *(clone(g) for g in gbms)]

    @staticmethod
    def _log_odds(members: list[Any], X: pd.DataFrame) -> np.ndarray:
        return np.column_stack([logit(np.clip(m.predict_proba(X)[:, 1], _EPS, 1 - _EPS)) for m in members])

    def fit(self, X: pd.DataFrame, y: Any) -> Self:
        if self.calibration_folds < 2:
            raise ValueError(f"The 'calibration_folds' parameter must be at least 2; got {self.calibration_folds}")
        frame = frame_of(X)
        target = pd.Series(target_of(y), index=frame.index)
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.classes_ = np.array([0, 1])
        out_of_fold = np.zeros((len(frame), len(self._members())))
        folds = StratifiedKFold(self.calibration_folds, shuffle=True, random_state=self.random_state)
        # The members give no reasons of their own: the champion measures its terms against typical.
        with fitting_without_reasons():
            for train, test in folds.split(frame, target):
                members = [m.fit(frame.iloc[train], target.iloc[train]) for m in self._members()]
                out_of_fold[test] = self._log_odds(members, frame.iloc[test])
            self.members_ = [m.fit(frame, target) for m in self._members()]
        self.stacker_ = LogisticRegression(C=1e6).fit(out_of_fold, target)
        self.typical_contributions_ = typical_contributions(self.contributions, frame)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "stacker_")
        frame = features_of(X, self.feature_names_in_)
        log_odds = self._log_odds(self.members_, frame)
        default = expit(self.stacker_.intercept_[0] + log_odds @ self.stacker_.coef_[0])
        return np.column_stack([1 - default, default])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's term in the calibrated log-odds of default."""
        frame = features_of(X, self.feature_names_in_)
        terms = [w * m.contributions(frame) for w, m in zip(self.stacker_.coef_[0], self.members_, strict=True)]
        stacked: pd.DataFrame = sum(terms[1:], terms[0])
        return stacked

    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[list[tuple[str, float]]]:
        """Per row, the features that raise its risk most above the typical applicant's, largest first."""
        return reasons_against_typical(self.contributions(X), getattr(self, "typical_contributions_", None), top)
