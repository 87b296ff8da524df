"""`creditdesk forecast cash|invoices|backtest` and their endpoints on demo portfolios."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import DemoServer, cli

pytestmark = pytest.mark.e2e


def test_the_cash_forecast_ties_to_the_ledger(demo_server: DemoServer, tmp_path: Path) -> None:
    shown = cli(demo_server.cwd, "forecast", "cash", "--json", db=demo_server.db)
    assert shown.returncode == 0, shown.stderr
    forecast = json.loads(shown.stdout)
    aged = json.loads(cli(demo_server.cwd, "report", "aging", "--json", db=demo_server.db).stdout)
    (same,) = [row for row in aged["currencies"] if row["currency"] == forecast["currency"]]
    assert forecast["open_receivables"] == same["total"]  # the forecast starts from the ledger
    rows = forecast["rows"]
    assert [row["week"] for row in rows] == list(range(1, 14))
    for row in rows:
        low, mid, high = Decimal(row["p10"]), Decimal(row["p50"]), Decimal(row["p90"])
        assert low <= mid <= high
        total = Decimal(row["expected"]) + Decimal(row["new_sales"])
        assert abs(total - Decimal(row["expected_total"])) <= Decimal("0.01")
    days = forecast["days"]
    assert len(days) == 91 and days[0]["date"] == rows[0]["week_start"]
    for week, row in enumerate(rows):  # the days add up to their week (to rounding)
        week_days = days[7 * week : 7 * week + 7]
        for name in ("expected", "due_date", "new_sales"):
            assert abs(sum(Decimal(d[name]) for d in week_days) - Decimal(row[name])) <= Decimal("0.05")
    expected = sum(Decimal(row["expected"]) for row in rows)
    assert Decimal(0) < expected <= Decimal(forecast["open_receivables"])
    assert sum(Decimal(row["due_date"]) for row in rows) <= Decimal(forecast["open_receivables"])

    weekly_in = Decimal(rows[0]["expected_total"])
    short = cli(
        demo_server.cwd,
        "forecast", "cash", "--json", "--opening-cash", "0", "--outflow-per-week", str(weekly_in * 3),
        db=demo_server.db,
    )  # fmt: skip
    funding = json.loads(short.stdout)["funding"]
    assert funding["weeks_below_floor"][0]["week"] == 1 and Decimal(funding["largest_gap"]) > 0
    rich = cli(demo_server.cwd, "forecast", "cash", "--json", "--opening-cash", "1000000000", db=demo_server.db)
    assert json.loads(rich.stdout)["funding"]["weeks_below_floor"] == []

    book = tmp_path / "cash.xlsx"
    written = cli(demo_server.cwd, "forecast", "cash", "--xlsx", str(book), "--opening-cash", "0", db=demo_server.db)
    assert written.returncode == 0, written.stderr
    sheets = load_workbook(book).sheetnames
    assert {
        f"inflows {forecast['currency']}",
        f"daily {forecast['currency']}",
        f"funding {forecast['currency']}",
    } <= set(sheets)

    bad = tmp_path / "outflows.csv"
    bad.write_text("date,amount\n2026-13-01,10\n")
    refused = cli(demo_server.cwd, "forecast", "cash", "--opening-cash", "0", "--outflows", str(bad), db=demo_server.db)
    assert refused.returncode == 65 and f"{bad}:2:1: BAD_DATE" in refused.stderr
    assert "Traceback" not in refused.stderr

    with demo_server.client("viewer") as viewer:
        body = viewer.get("/api/v1/forecast/cash").json()
        (mine,) = [d for d in body["currencies"] if d["currency"] == forecast["currency"]]
        assert mine["rows"] == rows  # one model, one seed: the same forecast
        problem = viewer.get("/api/v1/forecast/cash", params={"opening_cash": "1,000"})
        assert problem.status_code == 422 and problem.headers["content-type"] == "application/problem+json"
        assert viewer.get("/api/v1/forecast/cash", params={"format": "xlsx"}).content[:2] == b"PK"


def test_invoice_predictions_are_distributions_after_the_as_of(demo_server: DemoServer) -> None:
    as_of = demo_server.summary["as_of"]
    everything = json.loads(cli(demo_server.cwd, "forecast", "invoices", "--json", db=demo_server.db).stdout)
    customer = everything[0]["customer_id"]
    shown = cli(demo_server.cwd, "forecast", "invoices", "--customer", customer, "--json", db=demo_server.db)
    rows = json.loads(shown.stdout)
    assert rows and {row["customer_id"] for row in rows} == {customer}
    for row in everything:
        dates = [row["p10"], row["p50"], row["p90"]]
        known = [d for d in dates if d is not None]
        assert known == sorted(known) and all(d > as_of for d in known)  # never in the past
        assert 0 <= row["paid_within_13_weeks"] <= 1
    with demo_server.client("viewer") as viewer:
        api = viewer.get("/api/v1/forecast/invoices", params={"customer_id": customer}).json()["rows"]
        assert api == rows


def test_payment_dates_on_the_demo_beat_the_due_date(scored_demo: DemoServer) -> None:
    """Issue 6 on the demo portfolio: trained on what was known nine months back."""
    as_of = date.fromisoformat(str(scored_demo.summary["as_of"]))
    start, end = as_of - timedelta(days=273), as_of - timedelta(days=92)
    shown = cli(
        scored_demo.cwd,
        "forecast", "backtest", "--from", start.isoformat(), "--to", end.isoformat(), "--json",
        db=scored_demo.db,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    result = json.loads(shown.stdout)
    assert result["forecasts"] == 26 and result["invoices_scored"] > 10_000
    assert result["mae_days_model"] <= 0.75 * result["mae_days_due_date"]
    assert result["wape_model"] < result["wape_due_date"]
    assert 0.70 <= result["coverage_p10_p90"] <= 0.90
    backwards = cli(
        scored_demo.cwd, "forecast", "backtest", "--from", end.isoformat(), "--to", start.isoformat(), db=scored_demo.db
    )
    assert backwards.returncode == 65 and "Traceback" not in backwards.stderr
