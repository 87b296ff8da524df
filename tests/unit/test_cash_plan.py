"""The cash plan: inflow from new sales, the funding gap and the outflows file, by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from creditdesk.adapters.outflows_file import OutflowsError, read_outflows
from creditdesk.service.cash_forecast import CashPlan, _new_sales_daily, funding_gap


def test_new_sales_are_paid_as_recent_invoices_were() -> None:
    # 10 a day invoiced from tomorrow; half paid one day after issue, half two days after.
    daily = _new_sales_daily(10.0, np.array([0.0, 0.5, 0.5]), 14)
    # Day 1: nothing; day 2: 5 (day 1's half); from day 3: 10 a day.
    assert daily[:4].tolist() == [0.0, 5.0, 10.0, 10.0] and daily.reshape(2, 7).sum(axis=1).tolist() == [55.0, 70.0]


def _table() -> pd.DataFrame:
    start = pd.Timestamp("2024-02-26")
    return pd.DataFrame(
        {
            "week": [1, 2, 3],
            "week_start": [start + pd.Timedelta(days=7 * w) for w in range(3)],
            "week_end": [start + pd.Timedelta(days=7 * w + 6) for w in range(3)],
            "expected": [100.0, 80.0, 50.0],
            "p10": [60.0, 40.0, 20.0],
            "new_sales": [0.0, 10.0, 30.0],
            "expected_total": [100.0, 90.0, 80.0],
        }
    )


def test_the_funding_gap_is_where_pessimistic_cash_falls_below_the_floor() -> None:
    plan = CashPlan(
        opening_cash=Decimal("50"),
        floor=Decimal("20"),
        outflow_per_week=Decimal("70"),
        outflows={date(2024, 3, 4): Decimal("25.50"), date(2024, 3, 31): Decimal("999")},
    )
    gap = funding_gap(_table(), plan, "EUR")
    rows = gap["rows"]
    assert [r["outflow"] for r in rows] == ["70", "95.50", "70"]
    # Expected: 50 + 100 - 70 = 80; + 90 - 95.50 = 74.50; + 80 - 70 = 84.50.
    assert [r["cash_expected"] for r in rows] == ["80.00", "74.50", "84.50"]
    # Pessimistic (P10 + new sales): 50 + 60 - 70 = 40; + 50 - 95.50 = -5.50; + 50 - 70 = -25.50.
    assert [r["cash_pessimistic"] for r in rows] == ["40.00", "-5.50", "-25.50"]
    assert gap["weeks_below_floor"] == [
        {"week": 2, "week_start": "2024-03-04", "below_floor_by": "25.50"},
        {"week": 3, "week_start": "2024-03-11", "below_floor_by": "45.50"},
    ]
    assert gap["largest_gap"] == "45.50"


def test_outflows_are_summed_per_day_in_the_plan_currency(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("date,amount,currency\n2024-03-01,100.50,EUR\n2024-03-01,9.50,EUR\n2024-03-02,7,USD\n\n")
    assert read_outflows(path, "EUR") == {date(2024, 3, 1): Decimal("110.00")}
    assert read_outflows(path) == {date(2024, 3, 1): Decimal("110.00"), date(2024, 3, 2): Decimal("7")}


def test_a_bad_outflows_file_names_every_bad_cell(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("date,amount\n2024-02-30,10\n2024-03-01,1,000\n2024-03-02,abc\n")
    with pytest.raises(OutflowsError) as caught:
        read_outflows(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:2:1: BAD_DATE expected a real calendar date, found '2024-02-30'",
        f"{path}:3:3: BAD_ROW expected 2 columns as in the header, found 3",
        f"{path}:4:2: BAD_AMOUNT expected a decimal amount such as 1234.56, found 'abc'",
    ]
    path.write_text("when,amount\n")
    with pytest.raises(OutflowsError, match="1 problem"):
        read_outflows(path)
