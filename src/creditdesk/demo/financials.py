"""Financial statements: two years whose ratios follow the real healthy or bankrupt companies'
distributions (Polish company data), a customer drawn as distressed taking the bankrupt ones."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from creditdesk.demo.draws import uniform_ranks


def financial_statements(
    rng: np.random.Generator,
    cal: dict[str, Any],
    customer_ids: np.ndarray,
    quality: np.ndarray,
    annual_pd: np.ndarray,
    revenue: np.ndarray,
    terms: np.ndarray,
    as_of: date,
    currency: str,
) -> pd.DataFrame:
    """Two years of statements whose ratios follow the real healthy or bankrupt distributions."""
    n = len(customer_ids)
    percentiles = np.array(cal["percentiles"], dtype=float)
    # A customer drawn as distressed takes its ratios from the bankrupt companies' distribution.
    distressed = rng.random(n) < np.clip(annual_pd * 3, 0, 0.9)
    # Filing lag: the last closed fiscal year is filed three months after year end.
    last_year = as_of.year - 1 if as_of.month > 3 else as_of.year - 2
    frames = []
    for back, year in enumerate((last_year, last_year - 1)):
        ratio: dict[str, np.ndarray] = {}
        for name, quantiles in cal["ratios"].items():
            sign = -1.0 if name == "liabilities_to_assets" else 1.0
            latent = sign * 0.7 * quality + 0.71 * rng.standard_normal(n)
            u = uniform_ranks(latent) * 98 + 1
            healthy = np.interp(u, percentiles, quantiles["healthy"])
            bankrupt = np.interp(u, percentiles, quantiles["bankrupt"])
            ratio[name] = np.where(distressed, bankrupt, healthy)
        year_revenue = revenue / (1.05**back) * np.exp(rng.normal(0, 0.05, n))
        assets = year_revenue / np.clip(ratio["sales_to_assets"], 0.3, 6)
        liabilities = assets * np.clip(ratio["liabilities_to_assets"], 0.05, 1.6)
        current_assets = assets * np.clip(0.5 + 0.5 * ratio["working_capital_to_assets"], 0.1, 0.95)
        current_liabilities = np.minimum(current_assets / np.clip(ratio["current_ratio"], 0.2, 10), liabilities)
        cash = current_assets * rng.uniform(0.05, 0.3, n)
        inventory = current_assets * rng.uniform(0.1, 0.4, n)
        receivables = np.minimum(
            year_revenue * terms / 365 * rng.uniform(0.8, 1.3, n), current_assets - cash - inventory
        )
        net_income = assets * np.clip(ratio["net_income_to_assets"], -1, 1)
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": customer_ids,
                    "period_end": f"{year}-12-31",
                    "currency": currency,
                    "revenue": np.round(year_revenue, 0),
                    "total_assets": np.round(assets, 0),
                    "total_liabilities": np.round(liabilities, 0),
                    "current_assets": np.round(current_assets, 0),
                    "current_liabilities": np.round(current_liabilities, 0),
                    "equity": np.round(assets, 0) - np.round(liabilities, 0),
                    "net_income": np.round(net_income, 0),
                    "ebit": np.round(assets * np.clip(ratio["ebit_to_assets"], -1, 1), 0),
                    "retained_earnings": np.round(assets * np.clip(ratio["retained_earnings_to_assets"], -2, 1), 0),
                    "cash": np.round(cash, 0),
                    "inventory": np.round(inventory, 0),
                    "receivables": np.round(np.maximum(receivables, 0), 0),
                    "payables": np.round(current_liabilities * rng.uniform(0.3, 0.7, n), 0),
                    "operating_cash_flow": np.round(net_income + assets * rng.normal(0.03, 0.03, n), 0),
                }
            )
        )
    statements = pd.concat(frames, ignore_index=True)
    money = [c for c in statements.columns if c not in ("customer_id", "period_end", "currency")]
    statements[money] = statements[money].astype(np.int64)
    return statements
