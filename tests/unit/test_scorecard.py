"""The scorecard follows scikit-learn's conventions, scales points as stated, and ranks risk."""

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from creditdesk.risk.metrics import auc
from creditdesk.risk.scorecard import Binning, Scorecard


def sample(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    late = rng.gamma(2.0, 5.0, n)  # days beyond terms: more is riskier
    equity = rng.normal(0.4, 0.15, n)  # equity ratio: more is safer
    noise = rng.normal(0, 1, n)
    logit = -3.0 + 0.12 * late - 4.0 * (equity - 0.4)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"days_late": late, "equity_ratio": equity, "noise": noise}), y


def test_fit_returns_self_and_ranks_risk() -> None:
    X, y = sample()
    model = Scorecard()
    assert model.fit(X, y) is model
    test_X, test_y = sample(seed=1)
    pd_ = model.predict_proba(test_X)[:, 1]
    assert auc(test_y, pd_) > 0.75
    assert clone(model).get_params() == model.get_params()


def test_points_follow_the_pdo_scaling() -> None:
    X, y = sample()
    model = Scorecard(pdo=20, base_points=600, base_odds=50).fit(X, y)
    p = model.predict_proba(X.head(50))[:, 1]
    expected = 600 - 20 / math.log(2) * math.log(50) + 20 / math.log(2) * np.log((1 - p) / p)
    assert np.allclose(model.points(X.head(50)), expected)
    # Riskier customers score lower.
    assert np.corrcoef(model.points(X), model.predict_proba(X)[:, 1])[0, 1] < -0.9


def test_reasons_name_what_cost_the_most_points() -> None:
    X, y = sample()
    model = Scorecard().fit(X, y)
    risky = pd.DataFrame({"days_late": [60.0], "equity_ratio": [0.42], "noise": [0.0]})
    reasons = model.reasons(risky)
    assert reasons[0][0][0] == "days_late"
    table = model.points_table_
    assert set(table["feature"]) == {"days_late", "equity_ratio", "noise"}


def test_bad_parameters_are_named() -> None:
    X, y = sample(500)
    with pytest.raises(ValueError, match="The 'pdo' parameter must be a positive number; got -3"):
        Scorecard(pdo=-3).fit(X, y)


def test_the_binning_without_selection_statistics_gives_optbinnings_bins_and_woe() -> None:
    """``Binning`` skips the statistics optbinning computes to select variables: the WoE it gives
    must stay optbinning's own, release after release (a guard for an upgrade of optbinning)."""
    from optbinning import BinningProcess

    X, y = sample(1500)
    X = X.assign(segment=np.where(X["equity_ratio"] > 0.4, "a", "b"), code=(X["noise"] * 2).round().clip(-2, 2))
    names, kinds = list(X.columns), ["segment", "code"]
    ours = Binning(names, categorical_variables=kinds).fit(X, y)
    theirs = BinningProcess(names, categorical_variables=kinds).fit(X, y)
    pd.testing.assert_frame_equal(ours.transform(X, metric="woe"), theirs.transform(X, metric="woe"))
    assert ours.get_support().all() and ours.get_support().shape == (len(names),)
    selected = Binning(names, categorical_variables=kinds, selection_criteria={"iv": {"min": 0.5}}).fit(X, y)
    assert 0 < selected.get_support().sum() < len(names)  # asked to select, it still does
