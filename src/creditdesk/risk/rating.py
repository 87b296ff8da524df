"""The rating master scale: ten grades, 1 (best) to 10 (default), each a band of PD.

The bands widen as risk grows (roughly doubling), the way bank master scales do, so each
grade separates customers whose credit terms should differ. Grade 10 is default itself
(PD = 1): a defaulted customer, not a forecast. See docs/rating-scale.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True, slots=True)
class Grade:
    grade: int
    pd_from: float  # inclusive
    pd_to: float  # exclusive (grade 9 includes everything below 1)

    @property
    def central_pd(self) -> float:
        """The geometric middle of the band: the PD a grade stands for in limits and losses."""
        if self.grade == 10:
            return 1.0
        return float(np.sqrt(max(self.pd_from, 0.0001) * self.pd_to))


# Upper PD bounds of grades 1..9; grade 10 is default.
UPPER_BOUNDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.12, 1.0)

MASTER_SCALE: tuple[Grade, ...] = (
    *(
        Grade(index + 1, lower, upper)
        for index, (lower, upper) in enumerate(zip((0.0, *UPPER_BOUNDS[:-1]), UPPER_BOUNDS, strict=True))
    ),
    Grade(10, 1.0, 1.0),
)

# The unscored are read as grade 9, the limit policy's view of a customer it knows nothing about.
UNSCORED_PD = MASTER_SCALE[8].central_pd


def grade_of(pd: ArrayLike, defaulted: ArrayLike | None = None) -> NDArray[np.int_]:
    """The grade of each PD (1..9); 10 where the customer has defaulted or PD is 1."""
    p = np.asarray(pd, dtype=float)
    if ((p < 0) | (p > 1) | np.isnan(p)).any():
        raise ValueError("a probability of default lies from 0 to 1")
    grades = np.searchsorted(np.asarray(UPPER_BOUNDS), p, side="right") + 1
    grades = np.minimum(grades, 10)
    if defaulted is not None:
        grades = np.where(np.asarray(defaulted, dtype=bool), 10, grades)
    return grades.astype(int)


def grade_distance(ours: ArrayLike, theirs: ArrayLike) -> NDArray[np.int_]:
    """How many grades apart two views are (bureau cross-checks flag 2 or more)."""
    distance: NDArray[np.int_] = np.abs(np.asarray(ours, dtype=int) - np.asarray(theirs, dtype=int))
    return distance
