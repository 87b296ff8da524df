"""Payment-behaviour features from invoices and the payments applied to them, point in time.

Only invoices dated on or before the scoring date and only payments applied on or before it
are seen. An invoice is settled on the day its applied payments reach its amount; an invoice
still open on the scoring date counts with its days past due so far (a censored lateness:
at least that late), so a customer who stops paying does not look punctual.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

FEATURES = (
    "invoices_12m",
    "sales_12m",
    "sales_growth_6m",
    "tenure_days",
    "dbt_weighted_12m",
    "dbt_recent_90d",
    "dbt_older",
    "dbt_trend",
    "share_paid_late",
    "max_days_late",
    "share_partially_paid",
    "open_overdue_share",
    "oldest_overdue_days",
    "disputed_share",
)


def cash_only(
    invoices: pd.DataFrame, allocations: pd.DataFrame, *, written_off_unpaid: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The invoices and the cash applied to them, from allocations that may also be credit notes
    or write-offs (a ``kind`` column: payment, credit_note, write_off). A credit note lowers its
    invoice (one credited in full is left out); a write-off is no payment: with
    ``written_off_unpaid`` the item stays unpaid (a loss, for risk), otherwise it lowers the
    invoice like a credit note (nothing more is expected of it, for cash)."""
    if "kind" not in allocations:
        return invoices, allocations
    cash = allocations["kind"] == "payment"
    lowering = allocations["kind"] == "credit_note"
    if not written_off_unpaid:
        lowering |= allocations["kind"] == "write_off"
    credited = allocations.loc[lowering].groupby("invoice_id")["amount"].sum()
    amount = invoices["amount"] - invoices["invoice_id"].map(credited).fillna(0.0)
    kept = invoices.assign(amount=amount).loc[amount > 0.005]
    return kept, allocations.loc[cash & allocations["invoice_id"].isin(kept["invoice_id"])].drop(columns="kind")


#: Within :func:`shared_settlements`: the settlements worked out, by the frames' identity and day,
#: with the frames themselves (so no other frame can take a kept one's identity meanwhile).
_SETTLED: ContextVar[dict[tuple[int, int, pd.Timestamp], tuple[Any, Any, pd.DataFrame]] | None] = ContextVar(
    "settled", default=None
)


@contextmanager
def shared_settlements() -> Iterator[None]:
    """Within it, the settlements of the same invoice and allocation frames on the same day are
    worked out once: a batch's bucket asks for them four times (the payment features, the known
    defaults, the monitor's days overdue and good months), a second of work each time."""
    token = _SETTLED.set({})
    try:
        yield
    finally:
        _SETTLED.reset(token)


def settlements(invoices: pd.DataFrame, allocations: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per invoice known on ``as_of``: amount, paid so far, settlement date (NaT if open), payments."""
    kept = _SETTLED.get()
    if kept is None:
        return _settlements(invoices, allocations, as_of)
    key = (id(invoices), id(allocations), pd.Timestamp(as_of))
    if key not in kept:
        kept[key] = (invoices, allocations, _settlements(invoices, allocations, as_of))
    return kept[key][2].copy()  # the callers add columns of their own


def _settlements(invoices: pd.DataFrame, allocations: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    inv = invoices.loc[pd.to_datetime(invoices["invoice_date"]) <= as_of].copy()
    inv["invoice_date"] = pd.to_datetime(inv["invoice_date"])
    inv["due_date"] = pd.to_datetime(inv["due_date"])
    inv["amount"] = inv["amount"].astype(float)
    alloc = allocations.copy()
    alloc["applied_on"] = pd.to_datetime(alloc["applied_on"])
    alloc = alloc.loc[(alloc["applied_on"] <= as_of) & alloc["invoice_id"].isin(inv["invoice_id"])]
    alloc = alloc.sort_values(["invoice_id", "applied_on"])
    alloc["amount"] = alloc["amount"].astype(float)
    alloc["paid_so_far"] = alloc.groupby("invoice_id")["amount"].cumsum()
    alloc = alloc.merge(inv[["invoice_id", "amount"]].rename(columns={"amount": "invoice_amount"}), on="invoice_id")
    # Half a minor unit of tolerance: amounts are decimal money turned into floats here.
    settled = alloc.loc[alloc["paid_so_far"] >= alloc["invoice_amount"] - 0.005]
    settled_on = settled.groupby("invoice_id")["applied_on"].min()
    paid = alloc.groupby("invoice_id")["amount"].sum()
    count = alloc.groupby("invoice_id").size()
    inv = inv.set_index("invoice_id")
    inv["settled_on"] = settled_on.reindex(inv.index)
    inv["paid"] = paid.reindex(inv.index).fillna(0.0)
    inv["payments"] = count.reindex(inv.index).fillna(0).astype(int)
    return inv.reset_index()


def _weighted(values: pd.Series, weights: pd.Series, groups: pd.Series) -> pd.Series:
    frame = pd.DataFrame({"vw": values * weights, "w": weights, "g": groups})
    sums = frame.groupby("g")[["vw", "w"]].sum()
    return sums["vw"] / sums["w"].where(sums["w"] > 0)


def dispute_features(invoices: pd.DataFrame, disputes: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Per customer with an invoice in the year up to ``as_of``, point in time (only cases opened
    on or before it count, whatever became of them later):

    - ``disputed_share``: the disputed share of the amount invoiced in the year (a case's amount,
      at most its invoice's; an invoice flagged disputed without a case, as an import brings
      them, counts in full);
    - ``disputes_12m``: the number of cases opened in the year.

    ``disputes``: customer_id, invoice_id, opened_on, amount.
    """
    day = pd.Timestamp(as_of)
    inv = invoices.loc[pd.to_datetime(invoices["invoice_date"]) <= day].copy()
    inv["invoice_date"] = pd.to_datetime(inv["invoice_date"])
    inv["amount"] = inv["amount"].astype(float)
    year = inv.loc[inv["invoice_date"] > day - pd.Timedelta(days=365)]
    index = pd.Index(sorted(year["customer_id"].unique()), name="customer_id")
    opened = pd.to_datetime(disputes["opened_on"])
    known = disputes.loc[opened <= day]
    per_invoice = known.groupby("invoice_id")["amount"].sum().astype(float)
    disputed = year["invoice_id"].map(per_invoice)
    if "disputed" in year:
        flagged = year["disputed"].fillna(False).astype(bool) & disputed.isna()
        disputed = disputed.where(~flagged, year["amount"])
    disputed = disputed.fillna(0.0).clip(upper=year["amount"])
    sales = year.groupby("customer_id")["amount"].sum()
    out = pd.DataFrame(index=index)
    out["disputed_share"] = (disputed.groupby(year["customer_id"]).sum() / sales.where(sales > 0)).reindex(index)
    recent = known.loc[pd.to_datetime(known["opened_on"]) > day - pd.Timedelta(days=365)]
    out["disputes_12m"] = recent.groupby("customer_id").size().reindex(index).fillna(0).astype(float)
    return out


def payment_features(
    invoices: pd.DataFrame, allocations: pd.DataFrame, as_of: date, disputes: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per customer with an invoice on or before ``as_of``.

    ``invoices``: invoice_id, customer_id, invoice_date, due_date, amount [, disputed];
    ``allocations``: invoice_id, applied_on, amount (the payments applied to each invoice);
    ``disputes`` (dispute cases: customer_id, invoice_id, opened_on, amount): the disputed share
    is then the share of the amount invoiced, point in time (:func:`dispute_features`), not the
    share of invoices flagged today.
    """
    day = pd.Timestamp(as_of)
    inv = settlements(invoices, allocations, day)
    open_now = inv["settled_on"].isna()
    # Days beyond terms: at settlement for settled invoices, so far for open ones past due.
    end = inv["settled_on"].where(~open_now, day)
    inv["days_late"] = (end - inv["due_date"]).dt.days.clip(lower=0).astype(float)
    inv.loc[open_now & (inv["due_date"] >= day), "days_late"] = np.nan  # not due yet: no evidence
    last_year = inv["invoice_date"] > day - pd.Timedelta(days=365)
    recent = inv["invoice_date"] > day - pd.Timedelta(days=90)
    cid = inv["customer_id"]
    out = pd.DataFrame(index=pd.Index(sorted(cid.unique()), name="customer_id"))
    year = inv.loc[last_year]
    out["invoices_12m"] = year.groupby("customer_id").size().reindex(out.index).fillna(0)
    out["sales_12m"] = year.groupby("customer_id")["amount"].sum().reindex(out.index).fillna(0.0)
    half = inv["invoice_date"] > day - pd.Timedelta(days=182)
    last6 = inv.loc[half].groupby("customer_id")["amount"].sum()
    prior6 = inv.loc[last_year & ~half].groupby("customer_id")["amount"].sum()
    out["sales_growth_6m"] = (last6.reindex(out.index).fillna(0) / prior6.reindex(out.index)).replace(np.inf, np.nan)
    out["tenure_days"] = (day - inv.groupby("customer_id")["invoice_date"].min()).dt.days.astype(float)
    judged = inv["days_late"].notna()
    sel = judged & last_year
    out["dbt_weighted_12m"] = _weighted(inv.loc[sel, "days_late"], inv.loc[sel, "amount"], cid[sel])
    sel = judged & recent
    out["dbt_recent_90d"] = _weighted(inv.loc[sel, "days_late"], inv.loc[sel, "amount"], cid[sel])
    sel = judged & last_year & ~recent
    out["dbt_older"] = _weighted(inv.loc[sel, "days_late"], inv.loc[sel, "amount"], cid[sel])
    out["dbt_trend"] = out["dbt_recent_90d"] - out["dbt_older"]
    settled = inv.loc[~open_now]
    out["share_paid_late"] = (settled["days_late"] > 0).groupby(settled["customer_id"]).mean().reindex(out.index)
    out["max_days_late"] = inv.loc[judged].groupby("customer_id")["days_late"].max().reindex(out.index)
    out["share_partially_paid"] = (settled["payments"] > 1).groupby(settled["customer_id"]).mean().reindex(out.index)
    open_items = inv.loc[open_now].assign(open=lambda f: f["amount"] - f["paid"])
    overdue = open_items.loc[open_items["due_date"] < day]
    open_total = open_items.groupby("customer_id")["open"].sum()
    out["open_overdue_share"] = overdue.groupby("customer_id")["open"].sum().reindex(out.index).fillna(
        0.0
    ) / open_total.reindex(out.index).where(open_total.reindex(out.index) > 0)
    oldest = (day - overdue.groupby("customer_id")["due_date"].min()).dt.days.astype(float)
    out["oldest_overdue_days"] = oldest.reindex(out.index).fillna(0.0)
    if disputes is not None:
        out["disputed_share"] = dispute_features(invoices, disputes, as_of)["disputed_share"].reindex(out.index)
    elif "disputed" in inv:
        out["disputed_share"] = inv.loc[last_year].groupby("customer_id")["disputed"].mean().reindex(out.index)
    else:
        out["disputed_share"] = np.nan
    return out[list(FEATURES)].astype(float)


#: What stays unpaid of a late item after the unapplied cash must exceed this share of it for a
#: default (the EBA's materiality test); the simulation's validation counts defaults by it too.
MATERIALITY = 0.01


def default_dates(
    invoices: pd.DataFrame,
    allocations: pd.DataFrame,
    as_of: date,
    *,
    payments: pd.DataFrame | None = None,
    days_past_due: int = 90,
    materiality: float = MATERIALITY,
) -> pd.Series:
    """The day each customer first had an item ``days_past_due`` days past due and unpaid (the
    Basel default definition), as known on ``as_of``; customers without one are absent.

    With ``payments`` (customer_id, payment_date, amount), cash received but not applied to any
    invoice offsets the item first (a payment against the wrong invoice is not a default), and
    what stays unpaid must exceed ``materiality`` of the item, as the EBA materiality test asks.
    Disputed items are not defaults of the customer.
    """
    day = pd.Timestamp(as_of)
    inv = settlements(invoices, allocations, day)
    inv["defaulted_on"] = inv["due_date"] + pd.Timedelta(days=days_past_due)
    late = (inv["defaulted_on"] <= day) & ~(inv["settled_on"] <= inv["defaulted_on"])
    if "disputed" in inv:
        late &= ~inv["disputed"].astype(bool)
    events = inv.loc[late, ["invoice_id", "customer_id", "amount", "defaulted_on"]]
    if payments is not None and len(events):
        events = _net_of_unapplied(events, invoices, allocations, payments, day, materiality)
    return events.groupby("customer_id")["defaulted_on"].min().rename("defaulted_on")


def unapplied_cash(invoices: pd.DataFrame, allocations: pd.DataFrame, payments: pd.DataFrame, as_of: date) -> pd.Series:
    """Per customer, the cash received by ``as_of`` and not applied to any invoice by then, in
    minor units (none below nil: an allocation beyond the payments seen is no debt)."""
    day = pd.Timestamp(as_of)
    received = payments.loc[pd.to_datetime(payments["payment_date"]) <= day]
    received = received.groupby("customer_id")["amount_minor"].sum()
    applied = allocations.loc[pd.to_datetime(allocations["applied_on"]) <= day, ["invoice_id", "amount_minor"]]
    applied = applied.merge(invoices[["invoice_id", "customer_id"]], on="invoice_id")
    applied = applied.groupby("customer_id")["amount_minor"].sum()
    left = received.sub(applied, fill_value=0).clip(lower=0)
    return left[left > 0].astype("int64").rename("unapplied_minor")


def _cumulative_at(events: pd.DataFrame, flows: pd.DataFrame, key: str, when: str) -> pd.Series:
    """For each event, the sum of ``flows.amount`` with the same ``key`` dated on or before it."""
    if flows.empty:
        return pd.Series(0.0, index=events.index)
    flows = flows.assign(**{when: flows[when].astype("datetime64[ns]")}).sort_values(when)
    flows = flows.assign(total=flows.groupby(key)["amount"].cumsum())[[key, when, "total"]]
    ordered = events.reset_index()
    ordered = ordered.assign(defaulted_on=ordered["defaulted_on"].astype("datetime64[ns]")).sort_values("defaulted_on")
    merged = pd.merge_asof(ordered, flows, left_on="defaulted_on", right_on=when, by=key, direction="backward")
    return merged.set_index("index")["total"].reindex(events.index).fillna(0.0)


def _net_of_unapplied(
    events: pd.DataFrame,
    invoices: pd.DataFrame,
    allocations: pd.DataFrame,
    payments: pd.DataFrame,
    day: pd.Timestamp,
    materiality: float,
) -> pd.DataFrame:
    alloc = allocations.assign(
        applied_on=pd.to_datetime(allocations["applied_on"]), amount=allocations["amount"].astype(float)
    )
    alloc = alloc.loc[alloc["applied_on"] <= day]
    alloc = alloc.merge(invoices[["invoice_id", "customer_id"]], on="invoice_id")
    paid = payments.assign(
        payment_date=pd.to_datetime(payments["payment_date"]), amount=payments["amount"].astype(float)
    )
    paid = paid.loc[paid["payment_date"] <= day]
    item_paid = _cumulative_at(events, alloc, "invoice_id", "applied_on")
    unapplied = _cumulative_at(events, paid, "customer_id", "payment_date") - _cumulative_at(
        events, alloc, "customer_id", "applied_on"
    )
    unpaid = events["amount"] - item_paid - unapplied.clip(lower=0.0)
    return events.loc[unpaid > materiality * events["amount"]]
