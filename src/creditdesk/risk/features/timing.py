"""Per-invoice features for predicting when an invoice will be paid, point in time.

Each invoice known on the as-of date is described by what was known on its invoice date: the
customer's invoices settled before that day (how many days from the due date they were paid,
their spread, the share paid late, the last few), the customer's items overdue that day, and the
invoice itself (terms, size against the customer's usual, disputed). Its outcome is the number of
days from invoice to settlement, or, for an invoice still open on the as-of date, the days it
has stayed open so far: a censored observation.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from creditdesk.risk.features.payment import settlements

FEATURES = (
    "terms_days",
    "log_amount",
    "amount_vs_usual",
    "disputed",
    "prior_paid",
    "prior_delay_mean",
    "prior_delay_sd",
    "prior_late_share",
    "recent_delay_mean",
    "last_delay",
    "prior_days_to_pay_mean",
    "overdue_items",
)
RECENT = 3


def _before(invoices: pd.DataFrame, events: pd.DataFrame, when: str, columns: list[str]) -> pd.DataFrame:
    """For each invoice, the running totals ``columns`` of its customer's ``events`` dated
    strictly before its invoice date (zeros when there are none)."""
    left = invoices[["customer_id", "invoice_date"]].reset_index()
    left = left.assign(lookup=left["invoice_date"] - pd.Timedelta(days=1)).sort_values("lookup")
    if events.empty:
        return pd.DataFrame(0.0, index=invoices.index, columns=columns)
    right = events.sort_values(when)[["customer_id", when, *columns]]
    merged = pd.merge_asof(left, right, left_on="lookup", right_on=when, by="customer_id", direction="backward")
    return merged.set_index("index")[columns].reindex(invoices.index).fillna(0.0)


def timing_frame(invoices: pd.DataFrame, allocations: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """One row per invoice dated on or before ``as_of``: invoice_id, customer_id, invoice_date,
    due_date, amount, open_amount, age (days since invoice on ``as_of``), duration (days to
    settlement, or ``age`` while open), paid (settled on or before ``as_of``) and the features.

    ``invoices``: invoice_id, customer_id, invoice_date, due_date, amount [, disputed];
    ``allocations``: invoice_id, applied_on, amount (major units, floats: this is a model input).
    """
    day = pd.Timestamp(as_of)
    inv = settlements(invoices, allocations, day).sort_values(["invoice_date", "invoice_id"], kind="stable")
    inv = inv.reset_index(drop=True)
    for column in ("invoice_date", "due_date", "settled_on"):  # one resolution for the as-of joins
        inv[column] = inv[column].astype("datetime64[ns]")
    inv["disputed"] = inv["disputed"].astype(float) if "disputed" in inv else 0.0
    paid = inv["settled_on"].notna()
    inv["age"] = (day - inv["invoice_date"]).dt.days
    inv["duration"] = np.where(paid, (inv["settled_on"] - inv["invoice_date"]).dt.days, inv["age"])
    inv["open_amount"] = np.where(paid, 0.0, (inv["amount"] - inv["paid"]).clip(lower=0))
    inv["paid"] = paid

    # The customer's settlements in date order, with running sums to look up point in time.
    done = inv.loc[paid].sort_values(["customer_id", "settled_on", "invoice_id"])
    delay = (done["settled_on"] - done["due_date"]).dt.days.astype(float)
    to_pay = (done["settled_on"] - done["invoice_date"]).dt.days.astype(float)
    grouped = delay.groupby(done["customer_id"])
    events = pd.DataFrame(
        {
            "customer_id": done["customer_id"],
            "settled_on": done["settled_on"],
            "n": grouped.cumcount() + 1.0,
            "s_delay": grouped.cumsum(),
            "s_delay2": (delay**2).groupby(done["customer_id"]).cumsum(),
            "s_late": (delay > 0).astype(float).groupby(done["customer_id"]).cumsum(),
            "s_to_pay": to_pay.groupby(done["customer_id"]).cumsum(),
            "s_amount": done["amount"].groupby(done["customer_id"]).cumsum(),
            "last_delay": delay,
            "recent_delay": grouped.rolling(RECENT, min_periods=1).mean().droplevel(0),
        }
    )
    # Several settlements on one day: keep the day's last running totals.
    events = events.groupby(["customer_id", "settled_on"], as_index=False).last()
    sums = ["n", "s_delay", "s_delay2", "s_late", "s_to_pay", "s_amount", "last_delay", "recent_delay"]
    prior = _before(inv, events, "settled_on", sums)
    n = prior["n"].where(prior["n"] > 0)
    mean = prior["s_delay"] / n
    inv["prior_paid"] = prior["n"]
    inv["prior_delay_mean"] = mean
    inv["prior_delay_sd"] = np.sqrt((prior["s_delay2"] / n - mean**2).clip(lower=0))
    inv["prior_late_share"] = prior["s_late"] / n
    inv["recent_delay_mean"] = prior["recent_delay"].where(n.notna())
    inv["last_delay"] = prior["last_delay"].where(n.notna())
    inv["prior_days_to_pay_mean"] = prior["s_to_pay"] / n
    inv["amount_vs_usual"] = inv["amount"] / (prior["s_amount"] / n)
    inv["overdue_items"] = _overdue_items(inv)
    inv["terms_days"] = (inv["due_date"] - inv["invoice_date"]).dt.days.astype(float)
    inv["log_amount"] = np.log1p(inv["amount"].clip(lower=0))
    return inv


def _overdue_items(inv: pd.DataFrame) -> pd.Series:
    """The customer's items past due and unpaid on each invoice's date: +1 the day after an item
    falls due unpaid, -1 the day it is settled."""
    late = inv.loc[inv["settled_on"].isna() | (inv["settled_on"] > inv["due_date"])]
    starts = pd.DataFrame(
        {"customer_id": late["customer_id"], "day": late["due_date"] + pd.Timedelta(days=1), "d": 1.0}
    )
    ends = late.loc[late["settled_on"].notna()]
    ends = pd.DataFrame({"customer_id": ends["customer_id"], "day": ends["settled_on"], "d": -1.0})
    moves = pd.concat([starts, ends]).groupby(["customer_id", "day"], as_index=False)["d"].sum()
    moves = moves.sort_values(["customer_id", "day"])
    moves["count"] = moves.groupby("customer_id")["d"].cumsum()
    left = inv[["customer_id", "invoice_date"]].reset_index().sort_values("invoice_date")
    merged = pd.merge_asof(
        left, moves.sort_values("day"), left_on="invoice_date", right_on="day", by="customer_id", direction="backward"
    )
    return merged.set_index("index")["count"].reindex(inv.index).fillna(0.0)
