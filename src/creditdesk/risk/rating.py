"""The rating master scale: ten grades, 1 (best) to 10 (default), each a band of PD.

The bands widen as risk grows (roughly doubling), the way bank master scales do, so each
grade separates customers whose credit terms should differ. Grade 10 is default itself
(PD = 1): a defaulted customer, not a forecast. See docs/rating-scale.md.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def grade_of(
    pd: ArrayLike, defaulted: ArrayLike | None = None, bounds: Sequence[float] = UPPER_BOUNDS
) -> NDArray[np.int_]:
    """The grade of each PD (1..9); 10 where the customer has defaulted or PD is 1. ``bounds``
    are the upper PDs of grades 1..9: the master scale's, or a portfolio's own (``quantile_bounds``)."""
    p = np.asarray(pd, dtype=float)
    if ((p < 0) | (p > 1) | np.isnan(p)).any():
        raise ValueError("a probability of default lies from 0 to 1")
    grades = np.searchsorted(np.asarray(bounds), p, side="right") + 1
    grades = np.where(p >= 1, 10, np.minimum(grades, 9))
    if defaulted is not None:
        grades = np.where(np.asarray(defaulted, dtype=bool), 10, grades)
    return grades.astype(int)


def grade_distance(ours: ArrayLike, theirs: ArrayLike) -> NDArray[np.int_]:
    """How many grades apart two views are (bureau cross-checks flag 2 or more)."""
    distance: NDArray[np.int_] = np.abs(np.asarray(ours, dtype=int) - np.asarray(theirs, dtype=int))
    return distance


#: A scale on which one grade holds more than this share of a population does not separate it.
CONCENTRATION_LIMIT = 0.40


def quantile_bounds(pd: ArrayLike, grades: int = 9) -> tuple[float, ...]:
    """A portfolio's own scale: upper PDs that put about an equal share of ``pd`` in each of
    grades 1..``grades`` (the last bound is 1, so every PD below default has a grade)."""
    p = np.asarray(pd, dtype=float)
    cuts = np.unique(np.quantile(p, np.arange(1, grades) / grades))
    return (*(float(c) for c in cuts), 1.0)


def grade_shares(grades: ArrayLike) -> dict[int, float]:
    values, counts = np.unique(np.asarray(grades, dtype=int), return_counts=True)
    return {int(v): round(float(c) / counts.sum(), 4) for v, c in zip(values, counts, strict=True)}


def concentration_warning(grades: ArrayLike, scale: str = "master") -> str | None:
    """A sentence when one grade holds more than CONCENTRATION_LIMIT of the rows, else None."""
    shares = grade_shares(grades)
    grade, share = max(shares.items(), key=lambda item: item[1])
    if share <= CONCENTRATION_LIMIT:
        return None
    advice = (
        "fit with --scale quantile for this portfolio's own grades"
        if scale == "master"
        else "refit on more varied data"
    )
    return (
        f"grade {grade} holds {share:.0%} of the rows (more than {CONCENTRATION_LIMIT:.0%}): the {scale} scale "
        f"does not separate this population; {advice}"
    )
