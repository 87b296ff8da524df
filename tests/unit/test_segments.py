"""Segment models route each customer to its segment's model, on that segment's features."""

import numpy as np
import pandas as pd

from creditdesk.risk.boosting import BoostedPD
from creditdesk.risk.segments import SegmentedPD


def portfolio(n: int = 6000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    history = (rng.random(n) < 0.7).astype(float)
    days_late = np.where(history > 0, rng.gamma(2.0, 5.0, n), np.nan)
    leverage = rng.normal(0.5, 0.15, n)
    logit = -3.0 + np.where(history > 0, 0.15 * np.nan_to_num(days_late) - 1.5, 0.0) + 5.0 * (leverage - 0.5)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"has_history": history, "days_late": days_late, "leverage": leverage}), y


def test_new_customers_are_scored_on_their_features_only() -> None:
    X, y = portfolio()
    model = SegmentedPD(base=BoostedPD(n_estimators=50), new_features=["leverage"])
    model.fit(X, y)
    assert model.columns_[False] == ["leverage"] and "days_late" in model.columns_[True]
    new = X.loc[X["has_history"] == 0].head(50)
    # A new customer's PD cannot move with a payment figure it cannot have.
    moved = new.assign(days_late=90.0)
    assert np.allclose(model.predict_proba(new), model.predict_proba(moved))
    old = X.loc[X["has_history"] == 1].head(50)
    assert not np.allclose(model.predict_proba(old), model.predict_proba(old.assign(days_late=90.0)))


def test_each_segment_is_calibrated_to_its_own_default_rate() -> None:
    X, y = portfolio(12000)
    model = SegmentedPD(base=BoostedPD(n_estimators=80), new_features=["leverage"])
    model.fit(X, y)
    test_X, test_y = portfolio(12000, seed=1)
    pd_ = model.predict_proba(test_X)[:, 1]
    for segment in (0.0, 1.0):
        rows = test_X["has_history"].to_numpy() == segment
        assert abs(pd_[rows].mean() - test_y[rows].mean()) < 0.02


def test_a_segment_without_enough_defaults_borrows_from_all_rows() -> None:
    X, y = portfolio(3000)
    y = np.where(X["has_history"].to_numpy() == 0, 0, y)  # no new customer ever defaults
    model = SegmentedPD(base=BoostedPD(n_estimators=30), new_features=["leverage"])
    model.fit(X, y)
    assert model.pooled_ == {True: False, False: True}
    assert np.isfinite(model.predict_proba(X)).all()
