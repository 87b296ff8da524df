"""The figures that tie the demo to reality, and a check of a generated portfolio against them.

They come from ``data/calibration.json``, derived from real datasets by
``scripts/calibrate_generator.py``: IBM receivables for payment behaviour, Polish company data
for financial ratios, Slovak SME data for default rates by industry.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from creditdesk.demo.portfolio import Portfolio


@cache
def calibration() -> dict[str, Any]:
    text = resources.files("creditdesk.demo").joinpath("data/calibration.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def truth_summary(portfolio: Portfolio) -> dict[str, float]:
    """Headline figures to check a generated portfolio against its calibration."""
    inv = portfolio.invoices
    pay = portfolio.payments.dropna(subset=["invoice_id"])
    last_pay = pay.groupby("invoice_id")["payment_date"].max()
    joined = inv.set_index("invoice_id").join(last_pay, how="inner")
    days_late = (pd.to_datetime(joined["payment_date"]) - pd.to_datetime(joined["due_date"])).dt.days
    late = days_late > 0
    disputed = joined["disputed"] == "true"
    return {
        "late_share": float(late.mean()),
        "mean_days_late_when_late": float(days_late[late].mean()),
        "late_share_disputed": float(late[disputed].mean()),
        "late_share_undisputed": float(late[~disputed].mean()),
        "default_rate": float(portfolio.truth["defaulted_on"].notna().mean()),
    }
