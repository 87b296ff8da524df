"""The validation report: metrics agree with the metric functions; drift shows in the PSI."""

import pytest

from creditdesk.risk.metrics import auc
from creditdesk.risk.scorecard import Scorecard
from creditdesk.risk.validation import stability_report, validation_report
from tests.unit.test_scorecard import sample


def test_report_on_a_stable_and_on_a_shifted_population() -> None:
    X, y = sample(4000)
    model = Scorecard().fit(X, y)
    X_test, y_test = sample(3000, seed=2)
    report = validation_report(model, X_test, y_test, X_reference=X)
    assert report["auc"] == pytest.approx(auc(y_test, model.predict_proba(X_test)[:, 1]))
    assert report["gini"] == pytest.approx(2 * report["auc"] - 1)
    assert sum(row["count"] for row in report["calibration"]) == 3000 == report["n"]
    assert report["psi_score"] < 0.1 and max(report["psi_features"].values()) < 0.1
    shifted = X_test.assign(days_late=X_test["days_late"] * 2.5)
    drifted = validation_report(model, shifted, y_test, X_reference=X)
    assert drifted["psi_features"]["days_late"] > 0.25 and drifted["psi_score"] > 0.1
    assert drifted["psi_features"]["noise"] < 0.1


def test_stability_needs_no_labels_and_sees_a_shifted_population() -> None:
    X, y = sample(4000)
    model = Scorecard().fit(X, y)
    same = stability_report(model, X, sample(4000, seed=7)[0])
    shifted = stability_report(model, X, sample(4000, seed=7)[0].assign(days_late=lambda f: f["days_late"] * 2))
    assert same["psi_score"] < 0.1 and shifted["psi_score"] > 0.1
    assert shifted["psi_features"]["days_late"] > 0.25 > shifted["psi_features"]["equity_ratio"]
