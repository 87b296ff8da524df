"""The demo generator's own expected sales per month, as a reference for `simulate validate`.

The demo's customers are drawn again from their seed (the same draws, in the same order, as
``make_portfolio``), and each month's expected invoiced sales are computed without drawing an order:
every customer's monthly purchases times the season, while it is alive (registered, not yet
defaulted), 2 % cancelled, invoiced 0 to 5 days after the order. The book's months are compared
with it: how far a month's sales fall from what the generator expected is what no forecast can
know.

    python -m bench.demo_expected_sales --db sqlite:////tmp/demo/demo.db --as-of 2026-06-30 \\
        --customers 2000 --months 24 --known-on 2025-11-30 --known-on 2025-12-31
"""

from __future__ import annotations

import argparse
import sqlite3
from datetime import date

import numpy as np
import pandas as pd

from creditdesk.demo.calibration import calibration
from creditdesk.demo.customers import Customers, draw_customers
from creditdesk.demo.draws import EPOCH
from creditdesk.demo.orders import CANCELLED_SHARE, INVOICE_LAG_DAYS, season_factor


def _day(value: str | date) -> int:
    return int((np.datetime64(value, "D") - EPOCH).astype(int))


def demo_customers(customers: int, months: int, as_of: date, seed: int) -> tuple[Customers, int]:
    """The demo's customers as ``make_portfolio`` draws them, and its first day."""
    rng = np.random.default_rng(seed)
    start_month = np.datetime64(as_of, "M") - np.timedelta64(months - 1, "M")
    start_day = int((start_month.astype("datetime64[D]") - EPOCH).astype(int))
    return draw_customers(rng, calibration(), customers, _day(as_of), start_day, "CNY"), start_day


def expected_sales(drawn: Customers, start_day: int, end_day: int, keep: np.ndarray) -> pd.Series:
    """Per month, the sales the generator expects of the customers ``keep`` selects (major units)."""
    days = np.arange(start_day, end_day + 1)
    month = (EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]")
    month_no = month.astype(int) % 12
    month_len = ((month + 1).astype("datetime64[D]") - month.astype("datetime64[D]")).astype(int)
    season = season_factor(month_no)
    registered, failed = drawn.registered_day[keep, None], drawn.default_day[keep, None]
    alive = (days >= registered) & (np.isnan(failed) | (days < np.nan_to_num(failed, nan=np.inf)))
    ordered = (drawn.monthly_purchases[keep, None] * alive).sum(axis=0) * season / month_len * (1 - CANCELLED_SHARE)
    invoiced = np.convolve(ordered, np.ones(INVOICE_LAG_DAYS) / INVOICE_LAG_DAYS)[: len(days)]
    return pd.Series(invoiced, index=pd.PeriodIndex(month, freq="M")).groupby(level=0).sum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="sqlite:///PATH of a demo built with the same figures")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 6, 30))
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--known-on", type=date.fromisoformat, action="append", default=[])
    args = parser.parse_args()
    drawn, start_day = demo_customers(args.customers, args.months, args.as_of, args.seed)
    with sqlite3.connect(args.db.removeprefix("sqlite:///")) as con:
        invoices = pd.read_sql("SELECT customer_id, invoice_date, amount_minor FROM invoices", con)
        ids = set(pd.read_sql("SELECT customer_id FROM customers", con)["customer_id"])
    if ids != set(drawn.customer_ids):
        raise SystemExit("the database is not the demo of these figures (its customers differ)")
    day = pd.to_datetime(invoices["invoice_date"])
    for known_on in args.known_on or [args.as_of]:
        invoiced = set(invoices.loc[day <= pd.Timestamp(known_on), "customer_id"])
        keep = np.array(
            [c in invoiced or drawn.registered_day[k] <= _day(known_on) for k, c in enumerate(drawn.customer_ids)]
        )
        ours = invoices["customer_id"].isin(set(drawn.customer_ids[keep])) & (day > pd.Timestamp(known_on))
        book = invoices.loc[ours].groupby(day[ours].dt.to_period("M"))["amount_minor"].sum() / 100
        expected = expected_sales(drawn, start_day, _day(args.as_of), keep)
        print(f"customers known on {known_on}: {int(keep.sum())}")
        print("  month     book (M)  expected (M)  book vs expected")
        for month, value in book.items():
            print(f"  {month}  {value / 1e6:9.1f}  {expected[month] / 1e6:12.1f}  {value / expected[month] - 1:+16.1%}")


if __name__ == "__main__":
    main()
