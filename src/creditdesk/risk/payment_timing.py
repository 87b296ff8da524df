"""When will an invoice be paid? A discrete-time survival model of the days from invoice to
settlement, giving each open invoice a distribution over its payment day.

The days since the invoice are cut into short intervals (two days up to four months, then a
week). A gradient-boosted classifier (LightGBM) learns the hazard: the chance that an invoice
still open at the start of an interval is settled within it, from the invoice's features and
where the interval lies against the due date. Open invoices are censored observations: they
count as "not paid" for every interval they have fully lived through and say nothing after, so
slow payers still open on the training date are not lost (dropping them would make everyone
look punctual). Conditioning is exact: an invoice 20 days past due is predicted from the hazards
after day ``age``, so its distribution never puts money in the past.

Interface in scikit-learn's style, with the outcome as scikit-survival's structured array
(``event``, ``time``): ``fit(X, y)``, ``predict(X)`` (median days to payment from issue),
``predict_pmf(X, age, horizon)`` (daily probabilities) and ``predict_quantiles``.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from creditdesk.risk.boosting import BoostedPD
from creditdesk.risk.explain import fitting_without_reasons

#: Interval edges in days since the invoice; the last edge is the end of the modelled support.
EDGES = np.concatenate([np.arange(0, 120, 2), np.arange(120, 365, 7), [365]])
MAX_DAY = int(EDGES[-1])
OUTCOME = np.dtype([("event", bool), ("time", float)])


def outcomes(paid: Any, duration: Any) -> np.ndarray:
    """The structured outcome array: ``event`` (settled) and ``time`` (days to settlement, or
    days open so far)."""
    y = np.empty(len(paid), dtype=OUTCOME)
    y["event"] = np.asarray(paid, dtype=bool)
    y["time"] = np.asarray(duration, dtype=float)
    return y


def _person_periods(X: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per invoice and interval it was at risk in, labelled 1 where it was settled."""
    time, event = y["time"], y["event"]
    starts, ends = EDGES[:-1], EDGES[1:]
    # An interval counts if the invoice was open at its start and its outcome there is known:
    # settled within it, or seen open through its last day.
    at_risk = starts[None, :] <= time[:, None]
    settled_in = event[:, None] & at_risk & (time[:, None] < ends[None, :])
    lived_through = (ends[None, :] - 1) <= time[:, None]
    keep = at_risk & (settled_in | lived_through)
    rows, cols = np.nonzero(keep)
    return _with_interval(X, rows, starts[cols]), settled_in[rows, cols].astype(int)


def _with_interval(frame: pd.DataFrame, rows: np.ndarray, start: np.ndarray) -> pd.DataFrame:
    """The invoices' ``rows`` (repeated, one per interval) with the interval each row starts.
    Numbers and flags come as one block of floats (the booster reads them as floats either way):
    millions of rows built once, not copied again column by column."""
    start = start.astype(float)
    terms = frame["terms_days"].to_numpy(dtype=float)[rows] if "terms_days" in frame else np.zeros(len(rows))
    names = [*frame.columns, "interval_start", "start_vs_due"]
    if all(pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_bool_dtype(kind) for kind in frame.dtypes):
        width = frame.shape[1]
        grid = np.empty((len(rows), width + 2))
        np.take(frame.to_numpy(dtype=float), rows, axis=0, out=grid[:, :width])
        grid[:, width], grid[:, width + 1] = start, start - terms
        return pd.DataFrame(grid, columns=names, copy=False)
    return frame.iloc[rows].reset_index(drop=True).assign(interval_start=start, start_vs_due=start - terms)[names]


class PaymentTimeModel(BaseEstimator):  # type: ignore[misc]
    """``estimator``: the classifier of the interval hazards (default: a LightGBM booster).

    ``most_open_rows``: at most about this many of the intervals an invoice lived through unsettled
    are learnt from; beyond, a random share of them, each weighted by its inverse (case-control
    sampling: the weighted likelihood stays unbiased). They are some 95 % of the rows and carry
    little each: on the demo's 1.3M rows a quarter of them gives the same backtest at two fifths
    of the fitting time. A small ledger keeps them all (sampling costs it precision it cannot spare)."""

    def __init__(self, *, estimator: Any = None, most_open_rows: int | None = None) -> None:
        self.estimator = estimator
        self.most_open_rows = most_open_rows

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Self:
        frame = pd.DataFrame(X).reset_index(drop=True)
        if len(frame) != len(y):
            raise ValueError(f"X has {len(frame)} rows but y has {len(y)}")
        if self.most_open_rows is not None and self.most_open_rows < 1:
            raise ValueError(f"most_open_rows must be at least 1; got {self.most_open_rows}")
        rows, labels = _person_periods(frame, y)
        if labels.sum() == 0 or labels.sum() == len(labels):
            raise ValueError("the history needs both settled and open intervals to learn when invoices are paid")
        weights = None
        share = min(1.0, (self.most_open_rows or len(labels)) / int((labels == 0).sum()))
        if share < 1.0:
            # Seeded: the same ledger gives the same model on every engine and run.
            kept = (labels == 1) | (np.random.default_rng(0).random(len(labels)) < share)
            rows, labels = rows.loc[kept].reset_index(drop=True), labels[kept]
            weights = np.where(labels == 1, 1.0, 1.0 / share)
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        default = BoostedPD(n_estimators=120, learning_rate=0.1, min_child_samples=100, colsample_bytree=1.0)
        with fitting_without_reasons():  # hazards, never reasons
            estimator = clone(self.estimator if self.estimator is not None else default)
            self.estimator_ = estimator.fit(rows, labels, sample_weight=weights)
        return self

    def predict_hazards(self, X: pd.DataFrame) -> np.ndarray:
        """(invoices × MAX_DAY) chance of settlement on each day since the invoice, given it was
        open until then. Features describe the invoice date, so one invoice's hazards serve
        every later as-of date."""
        check_is_fitted(self, "estimator_")
        frame = pd.DataFrame(X)[list(self.feature_names_in_)].reset_index(drop=True)
        starts = EDGES[:-1]
        n, k = len(frame), len(starts)
        grid = _with_interval(frame, np.repeat(np.arange(n), k), np.tile(starts, n))
        interval = np.asarray(self.estimator_.predict_proba(grid))[:, 1].reshape(n, k)
        widths = np.diff(EDGES)
        daily = 1.0 - (1.0 - np.clip(interval, 0.0, 1.0 - 1e-12)) ** (1.0 / widths[None, :])
        return np.repeat(daily.astype(np.float32), widths, axis=1)

    def predict_pmf(self, X: pd.DataFrame, age: Any, horizon: int) -> np.ndarray:
        """Daily probabilities of settlement on days ``age + 1 … age + horizon`` since the invoice,
        for invoices known to be open through day ``age`` (-1: just issued). Row sums fall short
        of 1 by the chance of settlement later (or never)."""
        return payment_pmf(self.predict_hazards(X), age, horizon)

    def predict_quantiles(self, X: pd.DataFrame, age: Any, q: tuple[float, ...] = (0.1, 0.5, 0.9)) -> np.ndarray:
        """(invoices × len(q)) days since the invoice by which each share of the chance of
        settlement is reached; NaN where that lies beyond the modelled year."""
        return quantile_days(self.predict_pmf(X, age, MAX_DAY), age, q)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Median days from issue to settlement (NaN beyond the modelled year)."""
        median: np.ndarray = self.predict_quantiles(X, np.full(len(X), -1), (0.5,))[:, 0]
        return median


def payment_pmf(hazards: np.ndarray, age: Any, horizon: int) -> np.ndarray:
    """From daily hazards, the probabilities of settlement on days ``age + 1 … age + horizon``
    for invoices open through day ``age``: exact conditioning on having stayed open."""
    padded = np.pad(hazards, ((0, 0), (0, horizon + 1)))
    first = np.asarray(age, dtype=int).reshape(-1) + 1
    days = np.clip(first[:, None] + np.arange(horizon)[None, :], 0, padded.shape[1] - 1)
    window = np.take_along_axis(padded, days, axis=1).astype(float)
    survival = np.cumprod(1.0 - window, axis=1)
    before = np.hstack([np.ones((len(window), 1)), survival[:, :-1]])
    pmf: np.ndarray = before * window
    return pmf


def quantile_days(pmf: np.ndarray, age: Any, q: tuple[float, ...]) -> np.ndarray:
    """Days since the invoice at which the cumulative ``pmf`` (starting the day after ``age``)
    first reaches each level; NaN where it never does."""
    first = np.asarray(age, dtype=int).reshape(-1) + 1
    cumulative = np.cumsum(pmf, axis=1)
    out = np.full((len(pmf), len(q)), np.nan)
    for j, level in enumerate(q):
        reached = cumulative >= level
        found = reached.any(axis=1)
        out[found, j] = first[found] + reached[found].argmax(axis=1)
    return out
