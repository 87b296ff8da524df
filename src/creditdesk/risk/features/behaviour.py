"""What the limit monitor measures of each customer on a day, from the events dated up to it.

- ``days_overdue``: days past due of the oldest undisputed item still open;
- ``good_months``: whole calendar months just before the day in which no undisputed item was
  ever later than its due date plus the grace days (0 when one is that late now), counted back
  to the first month with an invoice;
- ``peak_receivable``: the highest receivables balance (invoices less the payments applied to
  them) since a window start, including the balance the window opened with;
- ``bureau_drop``: how many grades the latest report of a bureau fell below its report before.

Only rows dated on or before the day are read, so the same events give the same facts whatever
the wall clock says.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from creditdesk.risk.bureau_check import native_grades
from creditdesk.risk.features.payment import settlements

_MAX_MONTHS = 36


def _month_index(days: pd.Series) -> pd.Series:
    return days.dt.year * 12 + days.dt.month - 1


def days_overdue(
    invoices: pd.DataFrame, allocations: pd.DataFrame, as_of: date, payments: pd.DataFrame | None = None
) -> pd.Series:
    """Days past due of each customer's oldest undisputed open item. With ``payments``, cash
    received but not yet applied covers the oldest items first (a payment booked against the
    wrong invoice does not make a customer late)."""
    day = pd.Timestamp(as_of)
    inv = settlements(invoices, allocations, day)
    disputed = inv["disputed"].fillna(False).astype(bool) if "disputed" in inv else False
    late = inv.loc[inv["settled_on"].isna() & (inv["due_date"] < day) & ~disputed].sort_values("due_date")
    if payments is not None and len(late):
        received = payments.loc[pd.to_datetime(payments["payment_date"]) <= day].groupby("customer_id")["amount"]
        applied = allocations.loc[pd.to_datetime(allocations["applied_on"]) <= day].merge(
            invoices[["invoice_id", "customer_id"]], on="invoice_id"
        )
        unapplied = received.sum().sub(applied.groupby("customer_id")["amount"].sum(), fill_value=0.0).clip(lower=0)
        open_amount = late["amount"] - late["paid"]
        uncovered = open_amount.groupby(late["customer_id"]).cumsum() - late["customer_id"].map(unapplied).fillna(0.0)
        late = late.loc[uncovered > 0.01 * late["amount"]]
    return (day - late.groupby("customer_id")["due_date"].min()).dt.days.rename("days_overdue")


def good_months(invoices: pd.DataFrame, allocations: pd.DataFrame, as_of: date, grace_days: int) -> pd.Series:
    day = pd.Timestamp(as_of)
    inv = settlements(invoices, allocations, day)
    if "disputed" in inv:
        inv = inv.loc[~inv["disputed"].fillna(False).astype(bool)]
    late_from = inv["due_date"] + pd.Timedelta(days=grace_days + 1)
    late_until = inv["settled_on"].fillna(day + pd.Timedelta(days=1)) - pd.Timedelta(days=1)  # inclusive
    late = inv.loc[late_from <= late_until, ["customer_id"]].assign(first=late_from, last=late_until)
    current = int(day.year * 12 + day.month - 1)
    first_month = _month_index(inv.groupby("customer_id")["invoice_date"].min())
    # Each late item marks the months it was late in; month "current" is the one in progress.
    spans = late.assign(m0=_month_index(late["first"]), m1=_month_index(late["last"]).clip(upper=current))
    spans = spans.loc[spans["m1"] >= current - _MAX_MONTHS]
    counts = (spans["m1"] - spans["m0"] + 1).clip(lower=0).to_numpy()
    bad = pd.DataFrame(
        {
            "customer_id": np.repeat(spans["customer_id"].to_numpy(), counts),
            "month": np.repeat(spans["m0"].to_numpy(), counts) + _ranges(counts),
        }
    )
    latest_bad = bad.groupby("customer_id")["month"].max()
    result = pd.Series(0, index=first_month.index, dtype=int)
    for customer_id, start in first_month.items():
        last_bad = latest_bad.get(customer_id)
        if last_bad is not None and last_bad >= current:
            continue  # late right now
        floor = max(int(start), int(last_bad) + 1 if last_bad is not None else int(start))
        result[customer_id] = max(0, min(current - floor, _MAX_MONTHS))
    return result.rename("good_months")


def _ranges(counts: np.ndarray) -> np.ndarray:
    """0..n-1 for each n in ``counts``, concatenated."""
    if counts.sum() == 0:
        return np.zeros(0, dtype=int)
    ends = np.cumsum(counts)
    offsets: np.ndarray = np.arange(ends[-1]) - np.repeat(ends - counts, counts)
    return offsets


def peak_receivable(
    invoices: pd.DataFrame, allocations: pd.DataFrame, as_of: date, window_start: pd.Series
) -> pd.Series:
    """The highest end-of-day receivables balance from ``window_start`` (by customer) to ``as_of``."""
    day = pd.Timestamp(as_of)
    inv = invoices.assign(on=pd.to_datetime(invoices["invoice_date"]), delta=invoices["amount"].astype(float))
    inv = inv.loc[inv["on"] <= day, ["customer_id", "on", "delta"]]
    alloc = allocations.merge(invoices[["invoice_id", "customer_id"]], on="invoice_id")
    alloc = alloc.assign(on=pd.to_datetime(alloc["applied_on"]), delta=-alloc["amount"].astype(float))
    alloc = alloc.loc[alloc["on"] <= day, ["customer_id", "on", "delta"]]
    events = pd.concat([inv, alloc]).groupby(["customer_id", "on"], as_index=False)["delta"].sum()
    events = events.sort_values(["customer_id", "on"])
    events["balance"] = events.groupby("customer_id")["delta"].cumsum()
    start = pd.to_datetime(events["customer_id"].map(window_start))
    inside = events.loc[events["on"] >= start]
    opening = events.loc[events["on"] < start].groupby("customer_id")["balance"].last()
    peak = inside.groupby("customer_id")["balance"].max()
    return pd.concat([peak, opening], axis=1).max(axis=1).clip(lower=0).rename("peak_receivable")


def bureau_drops(reports: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Per customer: the largest drop of a bureau's latest report against its previous one
    (``bureau_drop``, in grades), with that ``provider`` and its ``report_date``."""
    columns = ["bureau_drop", "provider", "report_date"]
    if reports.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="customer_id"))
    r = reports.assign(report_date=pd.to_datetime(reports["report_date"]))
    # Stable: reports of one day keep their order, whatever else the table holds (a batch's bucket).
    r = r.loc[r["report_date"] <= pd.Timestamp(as_of)].sort_values("report_date", kind="stable")
    r = r.assign(grade=native_grades(r))
    last_two = r.groupby(["customer_id", "provider"]).tail(2)
    previous = last_two.groupby(["customer_id", "provider"])["grade"].transform("first")
    latest = last_two.groupby(["customer_id", "provider"]).tail(1).copy()
    counts = last_two.groupby(["customer_id", "provider"])["grade"].transform("size").loc[latest.index]
    latest["bureau_drop"] = (latest["grade"] - previous.loc[latest.index]).where(counts == 2).fillna(0)
    # Two bureaus down as far on the same day: the provider's name decides, never the rows' order.
    best = latest.sort_values(["bureau_drop", "report_date", "provider"]).groupby("customer_id").tail(1)
    frame = best.set_index("customer_id")[columns]
    frame["bureau_drop"] = frame["bureau_drop"].astype(int)
    return frame
