"""The real public datasets (../shared/datasets): read as their SOURCE.md says, and learnable."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from creditdesk.risk import datasets
from creditdesk.risk.cash_forecast import backtest
from creditdesk.risk.metrics import auc
from creditdesk.risk.scorecard import Scorecard
from creditdesk.risk.statement_model import POLISH_ATTRIBUTES, RATIOS, fit_statement_model, shipped_statement_model
from tests.conftest import needs_shared

pytestmark = needs_shared()


@pytest.mark.parametrize(
    ("name", "rows", "positives"),
    [
        ("taiwan", 30_000, 6_636),
        ("give_me_some_credit", 150_000, 10_026),
        ("polish_1year", 7_027, 271),
        ("polish_5year", 5_910, 410),
        ("slovak_sme", 13_039, 251),
        ("ibm_invoices", 2_466, 877),
    ],
)
def test_each_dataset_reads_to_its_published_shape(name: str, rows: int, positives: int) -> None:
    data = datasets.load(name)
    assert len(data.X) == len(data.y) == rows and int(data.y.sum()) == positives
    assert data.X.select_dtypes("number").shape[1] == data.X.shape[1]


def test_invoice_history_uses_only_invoices_settled_before() -> None:
    data = datasets.load("ibm_invoices")
    assert data.groups is not None and data.groups.nunique() == 100
    # Each customer's first invoice has no history; history never counts more invoices than came before.
    position = data.X.groupby(data.groups).cumcount()
    assert (data.X.loc[position == 0, "history_n"] == 0).all()
    assert (data.X["history_n"] <= position).all()
    assert data.X.loc[data.X["history_n"] == 0, "history_late_share"].isna().all()


def test_the_scorecard_learns_bankruptcy_from_the_slovak_ratios() -> None:
    data = datasets.load("slovak_sme")
    train_X, test_X, train_y, test_y = train_test_split(data.X, data.y, test_size=0.3, stratify=data.y, random_state=0)
    model = Scorecard().fit(train_X, train_y)
    pd_ = model.predict_proba(test_X)[:, 1]
    assert auc(test_y, pd_) > 0.9
    # Calibrated on average: the mean PD is near the 1.9 % bankruptcy rate.
    assert abs(float(np.mean(pd_)) - float(test_y.mean())) < 0.01


def test_the_shipped_statement_model_is_what_its_script_fits_on_the_polish_data() -> None:
    data = datasets.load("polish_5year")
    ratios = data.X[[POLISH_ATTRIBUTES[r] for r in RATIOS]].set_axis(list(RATIOS), axis=1)
    refitted = fit_statement_model(ratios, data.y, about={})
    shipped = shipped_statement_model()
    assert np.allclose(refitted.coef, shipped.coef, atol=1e-6)
    assert auc(data.y, shipped.predict_pd(ratios)) > 0.78


def test_payment_dates_on_the_ibm_receivables_beat_the_due_date() -> None:
    """Issue 6: trained on what was known on 2013-07-01, tested on what came after."""
    invoices, allocations = datasets.ibm_ledger(datasets.datasets_dir())
    metrics, _ = backtest(invoices, allocations, date(2013, 7, 1), date(2013, 12, 2))
    assert metrics["invoices_scored"] == 536
    assert metrics["mae_days_model"] <= 0.75 * metrics["mae_days_due_date"]
    assert metrics["wape_model"] < metrics["wape_due_date"]
    assert 0.70 <= metrics["coverage_p10_p90"] <= 0.90
