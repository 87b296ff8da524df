"""What every table's draws share: day numbers, ids, rank transforms, a logit intercept."""

from __future__ import annotations

import numpy as np

EPOCH = np.datetime64("1970-01-01", "D")


def logit_solve(target: float, base: np.ndarray, lo: float = -20.0, hi: float = 20.0) -> float:
    """The intercept c with mean(sigmoid(c + base)) == target (bisection, monotone)."""
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.mean(1 / (1 + np.exp(-(mid + base)))) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def uniform_ranks(x: np.ndarray) -> np.ndarray:
    """Exact uniform marginals from a latent: rank / n (no distribution function needed)."""
    ranks = np.empty(len(x))
    ranks[np.argsort(x, kind="stable")] = np.arange(len(x))
    return (ranks + 0.5) / len(x)


def days(values: np.ndarray) -> np.ndarray:
    return values.astype("timedelta64[D]")


def to_dates(day_numbers: np.ndarray) -> np.ndarray:
    return EPOCH + days(day_numbers)


def ids(prefix: str, count: int, width: int = 6) -> np.ndarray:
    width = max(width, len(str(count)))
    return np.char.add(prefix, np.char.zfill(np.arange(1, count + 1).astype(str), width))
