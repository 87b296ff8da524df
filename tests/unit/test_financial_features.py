"""Financial features: hand-checked ratios, Altman Z'', and no statement from the future."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from creditdesk.risk.features.financial import FEATURES, financial_features


def statement(customer: str, period_end: str, **items: float) -> dict[str, object]:
    base = {
        "customer_id": customer,
        "period_end": period_end,
        "currency": "EUR",
        "revenue": 1000.0,
        "total_assets": 500.0,
        "total_liabilities": 300.0,
        "current_assets": 200.0,
        "current_liabilities": 100.0,
        "equity": 200.0,
        "net_income": 50.0,
        "ebit": 80.0,
        "retained_earnings": 40.0,
        "cash": 30.0,
        "receivables": 70.0,
        "inventory": 50.0,
        "payables": 60.0,
        "operating_cash_flow": 90.0,
    }
    return {**base, **items}


def test_ratios_and_altman_z2_by_hand() -> None:
    features = financial_features(pd.DataFrame([statement("A", "2025-12-31")]), date(2026, 6, 30))
    row = features.loc["A"]
    assert row["current_ratio"] == 2.0
    assert row["quick_ratio"] == 1.0
    assert row["debt_ratio"] == 0.6
    assert row["receivable_days"] == pytest.approx(70 * 365 / 1000)
    # X1 = 100/500, X2 = 40/500, X3 = 80/500, X4 = 200/300
    expected = 6.56 * 0.2 + 3.26 * 0.08 + 6.72 * 0.16 + 1.05 * (200 / 300)
    assert row["altman_z2"] == pytest.approx(expected)
    assert row["statement_age_days"] == 181
    assert list(features.columns) == list(FEATURES)


def test_zero_denominators_give_missing_values_not_infinity() -> None:
    features = financial_features(
        pd.DataFrame([statement("A", "2025-12-31", current_liabilities=0.0, revenue=0.0)]), date(2026, 6, 30)
    )
    assert np.isnan(features.loc["A", "current_ratio"]) and np.isnan(features.loc["A", "ebit_margin"])
    assert np.isfinite(features.to_numpy(dtype=float)[~np.isnan(features.to_numpy(dtype=float))]).all()


def test_no_statement_is_used_before_it_was_filed() -> None:
    old = statement("A", "2024-12-31", net_income=10.0)
    new = statement("A", "2025-12-31", net_income=-90.0)
    as_of = date(2026, 3, 1)  # the 2025 accounts are not filed yet (90 days after year end)
    before = financial_features(pd.DataFrame([old]), as_of)
    with_future = financial_features(pd.DataFrame([old, new]), as_of)
    pd.testing.assert_frame_equal(before, with_future)  # adding later data changes nothing
    after_filing = financial_features(pd.DataFrame([old, new]), date(2026, 4, 1))
    assert after_filing.loc["A", "roa"] == pytest.approx(-90 / 500)
    assert financial_features(pd.DataFrame([new]), as_of).empty
