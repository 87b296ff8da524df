"""Financial-statement features, point in time, with the Altman Z'' score for private firms.

A statement is known only once it has been filed: a statement for the period ending on
``period_end`` is used from ``period_end + publication_lag_days`` on, never before (that
would be information from after the scoring date). Of the statements known on the scoring
date, each customer's latest is used, with its age in days as a feature of its own.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

#: Altman (2000) Z'' for private and non-manufacturing firms: weights of X1..X4.
ALTMAN_Z2 = (6.56, 3.26, 6.72, 1.05)

FEATURES = (
    "current_ratio",
    "quick_ratio",
    "cash_ratio",
    "debt_ratio",
    "equity_ratio",
    "roa",
    "ebit_margin",
    "net_margin",
    "asset_turnover",
    "receivable_days",
    "inventory_days",
    "payable_days",
    "ocf_to_liabilities",
    "log_total_assets",
    "log_revenue",
    "wc_to_assets",
    "re_to_assets",
    "ebit_to_assets",
    "equity_to_liabilities",
    "altman_z2",
    "statement_age_days",
)


def _ratio(top: pd.Series, bottom: pd.Series) -> pd.Series:
    """Division that gives NaN, not infinity, where the denominator is zero or missing."""
    bottom = bottom.astype(float).where(bottom.astype(float) != 0)
    return top.astype(float) / bottom


def known_statements(statements: pd.DataFrame, as_of: date, publication_lag_days: int = 90) -> pd.DataFrame:
    """Each customer's latest statement filed on or before ``as_of``."""
    period_end = pd.to_datetime(statements["period_end"])
    filed = period_end + pd.Timedelta(days=publication_lag_days)
    known = statements.loc[filed <= pd.Timestamp(as_of)].copy()
    known["_period_end"] = period_end[known.index]
    known = known.sort_values(["customer_id", "_period_end"]).groupby("customer_id").tail(1)
    return known.set_index("customer_id")


def financial_features(statements: pd.DataFrame, as_of: date, publication_lag_days: int = 90) -> pd.DataFrame:
    """One row per customer with a known statement: liquidity, leverage, profitability,
    efficiency, size, cash flow and Altman Z''. Missing optional items give NaN."""
    s = known_statements(statements, as_of, publication_lag_days)

    def col(name: str) -> pd.Series:
        return s[name] if name in s else pd.Series(np.nan, index=s.index)

    ta, tl = col("total_assets"), col("total_liabilities")
    ca, cl = col("current_assets"), col("current_liabilities")
    revenue = col("revenue")
    out = pd.DataFrame(index=s.index)
    out["current_ratio"] = _ratio(ca, cl)
    out["quick_ratio"] = _ratio(col("cash").fillna(0) + col("receivables").fillna(0), cl)
    out["cash_ratio"] = _ratio(col("cash"), cl)
    out["debt_ratio"] = _ratio(tl, ta)
    out["equity_ratio"] = _ratio(col("equity"), ta)
    out["roa"] = _ratio(col("net_income"), ta)
    out["ebit_margin"] = _ratio(col("ebit"), revenue)
    out["net_margin"] = _ratio(col("net_income"), revenue)
    out["asset_turnover"] = _ratio(revenue, ta)
    out["receivable_days"] = _ratio(col("receivables") * 365, revenue)
    out["inventory_days"] = _ratio(col("inventory") * 365, revenue)
    out["payable_days"] = _ratio(col("payables") * 365, revenue)
    out["ocf_to_liabilities"] = _ratio(col("operating_cash_flow"), tl)
    out["log_total_assets"] = np.log1p(ta.astype(float).clip(lower=0))
    out["log_revenue"] = np.log1p(revenue.astype(float).clip(lower=0))
    x1, x2 = _ratio(ca - cl, ta), _ratio(col("retained_earnings"), ta)
    x3, x4 = _ratio(col("ebit"), ta), _ratio(col("equity"), tl)
    out["wc_to_assets"], out["re_to_assets"], out["ebit_to_assets"], out["equity_to_liabilities"] = x1, x2, x3, x4
    w1, w2, w3, w4 = ALTMAN_Z2
    out["altman_z2"] = w1 * x1 + w2 * x2 + w3 * x3 + w4 * x4
    out["statement_age_days"] = (pd.Timestamp(as_of) - s["_period_end"]).dt.days.astype(float)
    return out[list(FEATURES)]
