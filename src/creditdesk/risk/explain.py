"""Reason codes and the points scale shared by every model.

A reason is a feature that pushed a row's risk up against the typical applicant, with how
much: its term in the log-odds of default minus the median of that term over the training
rows. Measured against the median, a feature is a reason for at most half the population (those
strictly worse than typical on it), so a feature whose best bin is tiny, or whose commonest
value is a little worse than the mean, is not everyone's reason.

Points put any PD on the scorecard's scale: ``score = offset + factor × ln(odds of not
defaulting)``, ``factor = pdo / ln 2``, ``offset = base_points − factor × ln(base_odds)``,
so ``base_points`` stands for odds of ``base_odds`` to 1 and every ``pdo`` points double the odds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True, slots=True)
class PointsScale:
    pdo: float = 20.0
    base_points: float = 600.0
    base_odds: float = 50.0

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_points - self.factor * math.log(self.base_odds)

    def score(self, pd_: ArrayLike) -> NDArray[np.float64]:
        p = np.clip(np.asarray(pd_, dtype=float), 1e-9, 1 - 1e-9)
        points: NDArray[np.float64] = self.offset + self.factor * np.log((1 - p) / p)
        return points


#: The typical terms are medians over at most this many training rows (a fixed sample beyond it):
#: a median of 2,000 rows is within about 3 % of a standard deviation of the population's, and
#: TreeSHAP over every row would cost a large book's fit seconds to minutes.
TYPICAL_ROWS = 2_000


_NO_REASONS: ContextVar[bool] = ContextVar("no_reasons", default=False)


@contextmanager
def fitting_without_reasons() -> Iterator[None]:
    """Fits whose models never give reasons (a champion's members, cross-validation folds, a
    hold-out model) skip the typical terms: computing them costs a TreeSHAP pass per fit."""
    token = _NO_REASONS.set(True)
    try:
        yield
    finally:
        _NO_REASONS.reset(token)


def typical_contributions(
    contributions_of: Callable[[pd.DataFrame], pd.DataFrame], X: pd.DataFrame
) -> pd.DataFrame | None:
    """Each feature's terms over the training rows: the typical applicant's (the median, row
    ``typical``) and a safer one's (the lower quartile, row ``better``). None when fitting without
    reasons: the raw terms are used then."""
    if _NO_REASONS.get():
        return None
    sample = X if len(X) <= TYPICAL_ROWS else X.sample(TYPICAL_ROWS, random_state=0)
    terms = contributions_of(sample)
    return pd.DataFrame({"typical": terms.median(), "better": terms.quantile(0.25)}).T


def reasons_against_typical(
    contributions: pd.DataFrame, typical: pd.DataFrame | None, top: int = 3, leave_out: Sequence[str] = ()
) -> list[list[tuple[str, float]]]:
    """Per row, the features that raise its risk most above the typical applicant's, largest
    first; never a feature in ``leave_out`` (a protected attribute is never a reason). A row
    typical or better on every feature is measured against the safer quartile instead, so a
    declined typical applicant still hears why. A model fitted by an earlier release has no
    typical terms: its raw terms are used."""
    terms = contributions.drop(columns=[c for c in leave_out if c in contributions.columns])
    if typical is None:
        return top_reasons(terms, top)
    reference = typical.reindex(columns=terms.columns).fillna(0.0)
    reasons = top_reasons(terms - reference.loc["typical"], top)
    bare = [row for row, found in enumerate(reasons) if not found]
    if bare:
        for row, found in zip(bare, top_reasons(terms.iloc[bare] - reference.loc["better"], top), strict=True):
            reasons[row] = found
    return reasons


def top_reasons(contributions: pd.DataFrame, top: int = 3) -> list[list[tuple[str, float]]]:
    """Per row, the features whose terms raise the log-odds of default most, largest first."""
    values = contributions.to_numpy()
    order = np.argsort(-values, axis=1)[:, :top]
    names = np.asarray(contributions.columns)
    return [[(str(names[j]), float(values[i, j])) for j in row if values[i, j] > 0] for i, row in enumerate(order)]
