"""The boosted challenger: scikit-learn conventions, monotone constraints held, reasons."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from creditdesk.risk.boosting import BoostedPD
from creditdesk.risk.metrics import auc
from tests.unit.test_scorecard import sample


def test_ranks_risk_and_follows_sklearn_conventions() -> None:
    X, y = sample()
    model = BoostedPD(n_estimators=200, num_leaves=7)
    assert model.fit(X, y) is model
    test_X, test_y = sample(seed=1)
    # Within 0.03 of the AUC of the true model that drew the defaults.
    truth = -3.0 + 0.12 * test_X["days_late"] - 4.0 * (test_X["equity_ratio"] - 0.4)
    assert auc(test_y, model.predict_proba(test_X)[:, 1]) > auc(test_y, truth) - 0.03
    assert clone(model).get_params() == model.get_params()


def test_monotone_constraints_hold_everywhere() -> None:
    X, y = sample()
    model = BoostedPD(n_estimators=150, monotone={"days_late": 1, "equity_ratio": -1}).fit(X, y)
    grid = pd.DataFrame({"days_late": np.linspace(0, 80, 200), "equity_ratio": 0.3, "noise": 0.5})
    pd_late = model.predict_proba(grid)[:, 1]
    assert (np.diff(pd_late) >= -1e-12).all()
    grid = pd.DataFrame({"days_late": 10.0, "equity_ratio": np.linspace(0, 0.8, 200), "noise": -0.5})
    assert (np.diff(model.predict_proba(grid)[:, 1]) <= 1e-12).all()


def test_contributions_add_up_and_reasons_point_at_the_cause() -> None:
    X, y = sample()
    model = BoostedPD(n_estimators=150, monotone={"days_late": 1, "equity_ratio": -1}).fit(X, y)
    risky = pd.DataFrame({"days_late": [70.0], "equity_ratio": [0.4], "noise": [0.0]})
    assert model.reasons(risky)[0][0][0] == "days_late"
    raw = model.estimator_.predict(risky, pred_contrib=True)[0]
    logit = np.log(model.predict_proba(risky)[0, 1] / model.predict_proba(risky)[0, 0])
    assert raw.sum() == pytest.approx(logit, abs=1e-6)


def test_unknown_monotone_feature_is_named() -> None:
    X, y = sample(500)
    with pytest.raises(ValueError, match="lack: tenure"):
        BoostedPD(monotone={"tenure": 1}).fit(X, y)
