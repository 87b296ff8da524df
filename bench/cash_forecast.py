"""Payment-date prediction and the cash forecast: python -m bench.cash_forecast [--customers N]

1. On the IBM receivables (../shared/datasets, skipped without it): trained on what was known on
   2013-07-01, a forecast every week to 2013-12-02, against the due-date method.
2. On the demo portfolio (``creditdesk demo --customers N``, 24 months to today, in a fresh
   SQLite database): `creditdesk forecast backtest` from 273 to 92 days before today, and the
   time of `creditdesk forecast cash --json`.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.timed_cli import timed_cli
from creditdesk.risk.cash_forecast import backtest
from creditdesk.risk.datasets import datasets_dir, ibm_ledger

FIGURES = ("mae_days_model", "mae_days_due_date", "wape_model", "wape_due_date", "coverage_p10_p90")


def ibm() -> dict[str, Any] | None:
    if not datasets_dir().exists():
        return None
    invoices, allocations = ibm_ledger(datasets_dir())
    started = time.perf_counter()
    metrics, _ = backtest(invoices, allocations, date(2013, 7, 1), date(2013, 12, 2))
    return {**{k: round(metrics[k], 4) for k in FIGURES}, "seconds": round(time.perf_counter() - started, 2)}


def demo(customers: int) -> dict[str, Any]:
    today = date.today()
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        db = f"sqlite:///{cwd / 'bench.db'}"
        timed_cli(db, cwd, "demo", "--customers", str(customers), "--no-serve", "--json")
        start, end = today - timedelta(days=273), today - timedelta(days=92)
        seconds, result = timed_cli(db, cwd, "forecast", "backtest", "--from", str(start), "--to", str(end), "--json")
        cash_seconds, cash = timed_cli(db, cwd, "forecast", "cash", "--json")
    return {
        "customers": customers,
        **{k: result[k] for k in FIGURES},
        "invoices_scored": result["invoices_scored"],
        "backtest_seconds": round(seconds, 1),
        "forecast_cash_seconds": round(cash_seconds, 1),
        "open_items": cash["open_items"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=2000)
    args = parser.parse_args(argv)
    print(json.dumps({"bench": "cash_forecast", "ibm": ibm(), "demo": demo(args.customers)}))


if __name__ == "__main__":
    main()
