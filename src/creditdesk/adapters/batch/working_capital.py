"""The working-capital report from the batch: for the portfolio, from the DSO rows the buckets'
sums make; by segment and grade, from each customer's latest financial statement, grouped by the
segment it has and the grade the batch has just given it. The very functions the page calls
(service/working_capital.py), with the page's own figures (no inventory or payables entered, no
what-if), so the rows equal what it computes from the whole ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from creditdesk.service.working_capital import (
    CompanyFigures,
    WhatIf,
    customers_working_capital,
    latest_statements,
    working_capital_of,
)

_STATEMENT_COLUMNS = [
    *("customer_id", "period_end", "currency"),
    *("revenue_minor", "receivables_minor", "inventory_minor", "payables_minor"),
]


def _no_what_if(currency: str) -> Decimal:
    raise AssertionError(f"the page's working capital has no what-if ({currency})")


def customers_by_group(folder: Path, grades: pd.Series) -> pd.DataFrame:
    """customer_id, segment and grade (as text, as the ledger's frames give it) of every customer."""
    customers = pq.read_table(folder / "inputs" / "customers.parquet", columns=["customer_id", "segment"]).to_pandas()
    return customers.assign(grade=customers["customer_id"].map(grades.dropna().astype(int).astype(str)))


def wcr_views(folder: Path, as_of: date, period_days: int, portfolio_dso: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The working-capital views (name, by, rows) the pages keep: the portfolio's and by segment
    and grade."""
    views = [
        {
            "name": "wcr",
            "by": None,
            "rows": working_capital_of(portfolio_dso, as_of, CompanyFigures(), WhatIf(), period_days, _no_what_if),
        }
    ]
    statements = pq.read_table(folder / "inputs" / "statements.parquet", columns=_STATEMENT_COLUMNS).to_pandas()
    statements = latest_statements(statements.loc[pd.to_datetime(statements["period_end"]) <= pd.Timestamp(as_of)])
    scores = pq.read_table(folder / "outputs" / "scores", columns=["customer_id", "grade"]).to_pandas()
    customers = customers_by_group(folder, scores.set_index("customer_id")["grade"])
    for by in ("segment", "grade"):
        views.append({"name": "wcr", "by": by, "rows": customers_working_capital(statements, customers, by)})
    return views
