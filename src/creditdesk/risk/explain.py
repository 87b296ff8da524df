"""Reason codes and the points scale shared by every model.

A reason is a feature that pushed a row's risk up, with how much (its term in the log-odds
of default). Points put any PD on the scorecard's scale: ``score = offset + factor × ln(odds
of not defaulting)``, ``factor = pdo / ln 2``, ``offset = base_points − factor × ln(base_odds)``,
so ``base_points`` stands for odds of ``base_odds`` to 1 and every ``pdo`` points double the odds.
"""

from __future__ import annotations

import math
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


def top_reasons(contributions: pd.DataFrame, top: int = 3) -> list[list[tuple[str, float]]]:
    """Per row, the features whose terms raise the log-odds of default most, largest first."""
    values = contributions.to_numpy()
    order = np.argsort(-values, axis=1)[:, :top]
    names = np.asarray(contributions.columns)
    return [[(str(names[j]), float(values[i, j])) for j in row if values[i, j] > 0] for i, row in enumerate(order)]
