"""Receivables analytics as of any date: ageing, DSO (and countback), best possible DSO, average
days delinquent, collection effectiveness, overdue ratio and turnover, for the portfolio or by
customer, segment or grade.

Receivables on a date are the invoices dated on or before it less what was applied to them on or
before it, so any past date is seen as it was then. Amounts stay integer minor units until they
are printed; a currency is never added to another, so every figure is per account currency.

Definitions (period: the ``period_days`` ending on the as-of date):
- DSO = receivables at the end / credit sales invoiced in the period × days in the period;
- countback DSO: the days of sales, counted back month by month from the as-of date, that the
  closing receivables amount to;
- best possible DSO = current receivables (not yet due) / credit sales × days;
- average days delinquent (ADD) = DSO − best possible DSO;
- CEI = (opening receivables + credit sales − closing receivables)
        / (opening receivables + credit sales − closing current receivables) × 100;
- overdue ratio = receivables past due / receivables; turnover = credit sales a year / average
  receivables.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from creditdesk.domain.money import Money

#: Days-past-due buckets: (label, first day, last day or None).
DEFAULT_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("current", -(10**6), 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-180", 91, 180),
    ("over 180", 181, None),
)
GROUPINGS = ("customer", "segment", "grade")
COUNTBACK_MONTHS = 36


@dataclass(frozen=True, slots=True)
class LedgerFrames:
    """Invoices (invoice_id, customer_id, currency, invoice_date, due_date, amount_minor, disputed),
    the payments applied to them (invoice_id, applied_on, amount_minor), and per customer its
    segment and grade (customer_id, segment, grade)."""

    invoices: pd.DataFrame
    allocations: pd.DataFrame
    customers: pd.DataFrame


def _items(frames: LedgerFrames, day: date) -> pd.DataFrame:
    """Every invoice dated on or before ``day`` with what was still open on it."""
    stamp = pd.Timestamp(day)
    inv = frames.invoices.loc[frames.invoices["invoice_date"] <= stamp]
    alloc = frames.allocations.loc[frames.allocations["applied_on"] <= stamp]
    paid = alloc.groupby("invoice_id")["amount_minor"].sum()
    open_minor = inv["amount_minor"] - inv["invoice_id"].map(paid).fillna(0).astype("int64")
    return inv.assign(open_minor=open_minor.clip(lower=0), days_past_due=(stamp - inv["due_date"]).dt.days)


def _group_keys(frames: LedgerFrames, items: pd.DataFrame, by: str | None) -> pd.Series:
    if by is None:
        return pd.Series("portfolio", index=items.index)
    if by == "customer":
        return items["customer_id"]
    lookup = frames.customers.set_index("customer_id")[by]
    return items["customer_id"].map(lookup).fillna("unscored" if by == "grade" else "none").astype(str)


def _money(minor: int, currency: str) -> str:
    return str(Money.from_minor(int(minor), currency).amount)


def ageing(
    frames: LedgerFrames,
    as_of: date,
    by: str | None = None,
    buckets: Sequence[tuple[str, int, int | None]] = DEFAULT_BUCKETS,
) -> list[dict[str, Any]]:
    """Open receivables by days past due, per currency (and group)."""
    items = _items(frames, as_of)
    items = items.loc[items["open_minor"] > 0]
    keys = _group_keys(frames, items, by)
    label = pd.Series(index=items.index, dtype=object)
    for name, low, high in buckets:
        inside = items["days_past_due"] >= low
        if high is not None:
            inside &= items["days_past_due"] <= high
        label[inside] = name
    table = items.assign(group=keys, bucket=label).pivot_table(
        index=["currency", "group"], columns="bucket", values="open_minor", aggfunc="sum", fill_value=0
    )
    rows = []
    for (currency, group), row in table.iterrows():
        amounts = {name: int(row.get(name, 0)) for name, _, _ in buckets}
        total = sum(amounts.values())
        rows.append(
            {
                "currency": currency,
                by or "scope": group,
                **{name: _money(minor, currency) for name, minor in amounts.items()},
                "total": _money(total, currency),
                "overdue": _money(total - amounts[buckets[0][0]], currency),
            }
        )
    return rows


def _month_lengths(as_of: date) -> list[int]:
    """Days of the month of ``as_of`` up to it, then of each whole month before it, newest first."""
    lengths, year, month = [as_of.day], as_of.year, as_of.month
    for _ in range(COUNTBACK_MONTHS - 1):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        lengths.append(calendar.monthrange(year, month)[1])
    return lengths


def countback_dso(receivables: int, monthly_sales: Sequence[tuple[int, int]]) -> float | None:
    """Days of the newest sales the receivables amount to: (sales, days) per month, newest first."""
    if receivables <= 0:
        return 0.0
    remaining, days = float(receivables), 0.0
    for sales, length in monthly_sales:
        if sales <= 0:
            days += length
            continue
        if remaining > sales:
            days += length
            remaining -= sales
        else:
            return days + remaining / sales * length
    return None  # older than the months counted back: not measurable


def _sums(frame: pd.DataFrame, keys: pd.Series, column: str, where: pd.Series | None = None) -> dict[Any, int]:
    chosen = frame if where is None else frame.loc[where]
    grouped = chosen.groupby([chosen["currency"], keys.loc[chosen.index]])[column].sum()
    return {key: int(value) for key, value in grouped.items()}


def dso(frames: LedgerFrames, as_of: date, period_days: int = 90, by: str | None = None) -> list[dict[str, Any]]:
    """DSO, countback DSO, best possible DSO, ADD, CEI, overdue ratio and turnover per currency
    (and group), for the ``period_days`` ending on ``as_of``."""
    start = as_of - timedelta(days=period_days)  # the opening is the end of this day
    closing, opening = _items(frames, as_of), _items(frames, start)
    inv = frames.invoices.loc[frames.invoices["invoice_date"] <= pd.Timestamp(as_of)]
    close_keys, inv_keys = _group_keys(frames, closing, by), _group_keys(frames, inv, by)
    receivables = _sums(closing, close_keys, "open_minor")
    current = _sums(closing, close_keys, "open_minor", closing["days_past_due"] <= 0)
    opening_ar = _sums(opening, _group_keys(frames, opening, by), "open_minor")
    sales = _sums(inv, inv_keys, "amount_minor", inv["invoice_date"] > pd.Timestamp(start))
    months_back = (as_of.year * 12 + as_of.month) - (inv["invoice_date"].dt.year * 12 + inv["invoice_date"].dt.month)
    recent = months_back < COUNTBACK_MONTHS
    monthly = (
        inv.loc[recent]
        .groupby([inv.loc[recent, "currency"], inv_keys.loc[recent], months_back.loc[recent]])["amount_minor"]
        .sum()
    )
    lengths = _month_lengths(as_of)
    rows = []
    for key in sorted(receivables):
        currency, group = key
        ar, now, sold, before = receivables[key], current.get(key, 0), sales.get(key, 0), opening_ar.get(key, 0)
        history = monthly.loc[key] if key in monthly.index.droplevel(2) else None
        months = [(int(history.get(k, 0)) if history is not None else 0, length) for k, length in enumerate(lengths)]
        collectible = before + sold - now
        dso_days = ar / sold * period_days if sold else None
        best = now / sold * period_days if sold else None
        average = (before + ar) / 2
        rows.append(
            {
                "currency": currency,
                by or "scope": group,
                "as_of": as_of.isoformat(),
                "period_days": period_days,
                "receivables": _money(ar, currency),
                "current_receivables": _money(now, currency),
                "opening_receivables": _money(before, currency),
                "credit_sales": _money(sold, currency),
                "dso": _round(dso_days),
                "countback_dso": _round(countback_dso(ar, months)),
                "best_possible_dso": _round(best),
                "add": _round(dso_days - best) if dso_days is not None and best is not None else None,
                "cei": _round((before + sold - ar) / collectible * 100) if collectible else None,
                "overdue_ratio": _round((ar - now) / ar, 4) if ar else None,
                "turnover": _round(sold * 365 / period_days / average) if average else None,
            }
        )
    return rows


def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), places)
