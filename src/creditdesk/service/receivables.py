"""Receivables analytics as of any date: ageing, DSO (and countback), best possible DSO, average
days delinquent, collection effectiveness, overdue ratio and turnover, for the portfolio or by
customer, segment or grade.

Receivables on a date are the invoices dated on or before it less what was applied to them on or
before it, so any past date is seen as it was then. Amounts stay integer minor units until they
are printed; a currency is never added to another, so every figure is per account currency.

Definitions (period: the ``period_days`` ending on the as-of date):
- credit sales = invoiced in the period less the credit notes issued in it (net sales);
- DSO = receivables at the end / credit sales × days in the period;
- countback DSO: the days of sales, counted back month by month from the as-of date, that the
  closing receivables amount to;
- best possible DSO = current receivables (not yet due) / credit sales × days;
- average days delinquent (ADD) = DSO − best possible DSO;
- CEI = (opening receivables + credit sales − closing receivables − written off)
        / (opening receivables + credit sales − closing current receivables) × 100
  (a write-off lowers the receivables without collecting them);
- overdue ratio = receivables past due / receivables; turnover = credit sales a year / average
  receivables; bad-debt ratio = written off in the period / credit sales.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from creditdesk.domain.money import Money
from creditdesk.service.errors import InvalidInput

#: Days-past-due buckets: (label, first day, last day or None).
DEFAULT_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("current", -(10**6), 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-180", 91, 180),
    ("over 180", 181, None),
)


def buckets_from(text: str) -> tuple[tuple[str, int, int | None], ...]:
    """Ageing buckets from the last days of each, e.g. "30,60,90,180": current, 1-30, 31-60,
    61-90, 91-180, over 180."""
    try:
        ends = [int(part) for part in text.split(",")]
    except ValueError:
        raise InvalidInput(f"buckets are whole days separated by commas, such as 30,60,90; got {text!r}") from None
    if not ends or ends[0] < 1 or any(b <= a for a, b in itertools.pairwise(ends)):
        raise InvalidInput(f"bucket ends must rise from 1 day or more, such as 30,60,90; got {text!r}")
    starts = [1, *(end + 1 for end in ends)]
    middle = [(f"{start}-{end}", start, end) for start, end in zip(starts, ends, strict=False)]
    return (DEFAULT_BUCKETS[0], *middle, (f"over {ends[-1]}", ends[-1] + 1, None))


COUNTBACK_MONTHS = 36


@dataclass(frozen=True, slots=True)
class LedgerFrames:
    """Invoices (invoice_id, customer_id, currency, invoice_date, due_date, amount_minor, disputed),
    the settlements applied to them (invoice_id, applied_on, amount_minor, kind: payment,
    credit_note or write_off), per customer its segment, limit and grade, and the credit notes and
    write-offs as issued (customer_id, currency, payment_date, amount_minor, kind)."""

    invoices: pd.DataFrame
    allocations: pd.DataFrame
    customers: pd.DataFrame  # customer_id, segment, limit_minor, grade, pd (the latest champion score's)
    adjustments: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["customer_id", "currency", "payment_date", "amount_minor", "kind"]
        )
    )
    # Credit insurance, guarantees and letters of credit (customer_id, kind, amount_minor,
    # currency, cover_share, valid_from, valid_to): what the ECL nets the loss given default of.
    cover: pd.DataFrame | None = None


def items_on(frames: LedgerFrames, day: date) -> pd.DataFrame:
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
    found = items["customer_id"].map(lookup).astype(object)  # a label column: text fills the gaps
    return found.fillna("unscored" if by == "grade" else "none").astype(str)


def _money(minor: int, currency: str) -> str:
    return str(Money.from_minor(int(minor), currency).amount)


def ageing(
    frames: LedgerFrames,
    as_of: date,
    by: str | None = None,
    buckets: Sequence[tuple[str, int, int | None]] = DEFAULT_BUCKETS,
) -> list[dict[str, Any]]:
    """Open receivables by days past due, per currency (and group)."""
    items = items_on(frames, as_of)
    items = items.loc[items["open_minor"] > 0]
    keys = _group_keys(frames, items, by)
    names = [name for name, _, _ in buckets]
    label = _bucket_index(items["days_past_due"], buckets).map(lambda index: names[index])
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
    closing, opening = items_on(frames, as_of), items_on(frames, start)
    inv = frames.invoices.loc[frames.invoices["invoice_date"] <= pd.Timestamp(as_of)]
    close_keys, inv_keys = _group_keys(frames, closing, by), _group_keys(frames, inv, by)
    receivables = _sums(closing, close_keys, "open_minor")
    current = _sums(closing, close_keys, "open_minor", closing["days_past_due"] <= 0)
    opening_ar = _sums(opening, _group_keys(frames, opening, by), "open_minor")
    invoiced = _sums(inv, inv_keys, "amount_minor", inv["invoice_date"] > pd.Timestamp(start))
    adj = frames.adjustments
    adj = adj.loc[(adj["payment_date"] > pd.Timestamp(start)) & (adj["payment_date"] <= pd.Timestamp(as_of))]
    adj_keys = _group_keys(frames, adj, by)
    credit_notes = _sums(adj, adj_keys, "amount_minor", adj["kind"] == "credit_note")
    written_off = _sums(adj, adj_keys, "amount_minor", adj["kind"] == "write_off")
    sales = {key: value - credit_notes.get(key, 0) for key, value in invoiced.items()}
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
        lost = written_off.get(key, 0)
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
                "credit_notes": _money(credit_notes.get(key, 0), currency),
                "written_off": _money(lost, currency),
                "dso": _round(dso_days),
                "countback_dso": _round(countback_dso(ar, months)),
                "best_possible_dso": _round(best),
                "add": _round(dso_days - best) if dso_days is not None and best is not None else None,
                "cei": _round((before + sold - ar - lost) / collectible * 100) if collectible else None,
                "overdue_ratio": _round((ar - now) / ar, 4) if ar else None,
                "turnover": _round(sold * 365 / period_days / average) if average else None,
                "bad_debt_ratio": _round(lost / sold, 4) if sold else None,
            }
        )
    return rows


CEI_FIELDS = ("opening_receivables", "credit_sales", "written_off", "receivables", "current_receivables", "cei")


def cei_only(rows: list[dict[str, Any]], by: str | None) -> list[dict[str, Any]]:
    """The collection-effectiveness part of :func:`dso`'s rows."""
    keep = ("currency", by or "scope", "as_of", "period_days", *CEI_FIELDS)
    return [{key: row[key] for key in keep} for row in rows]


TREND_FIELDS = (
    "receivables",
    "credit_sales",
    "dso",
    "best_possible_dso",
    "add",
    "cei",
    "overdue_ratio",
    "bad_debt_ratio",
)


def trends(
    frames: LedgerFrames, as_of: date, months: int = 12, period_days: int = 90, by: str | None = None
) -> list[dict[str, Any]]:
    """The DSO figures at each of the last ``months`` month-ends and on ``as_of``, oldest first:
    every point sees the ledger as it stood that day."""
    rows = []
    for day in _month_ends(as_of, months - 1):
        for row in dso(frames, day, period_days, by):
            rows.append({"currency": row["currency"], by or "scope": row[by or "scope"], "as_of": row["as_of"]}
                        | {name: row[name] for name in TREND_FIELDS})  # fmt: skip
    return rows


def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), places)


#: Monthly buckets for roll rates: each item ages one bucket a month unless paid.
ROLL_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("current", -(10**6), 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-120", 91, 120),
    ("121-150", 121, 150),
    ("151-180", 151, 180),
    ("over 180", 181, None),
)


def _bucket_index(days_past_due: pd.Series, buckets: Sequence[tuple[str, int, int | None]]) -> pd.Series:
    index = pd.Series(len(buckets) - 1, index=days_past_due.index)
    for position in range(len(buckets) - 1, -1, -1):
        _, low, high = buckets[position]
        inside = days_past_due >= low
        if high is not None:
            inside &= days_past_due <= high
        index[inside] = position
    return index


def _month_ends(as_of: date, months: int) -> list[date]:
    ends, day = [as_of], as_of.replace(day=1) - timedelta(days=1)
    for _ in range(months):
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return sorted(ends)


def provision_matrix(
    frames: LedgerFrames, as_of: date, currency: str, months: int = 12, forward_factor: float = 1.0
) -> dict[str, Any]:
    """The IFRS 9 simplified approach: roll rates between monthly ageing buckets, measured over
    the ``months`` month-ends before ``as_of`` (how much of a bucket's balance sits one bucket
    later a month on), chained into each bucket's loss rate (what over 180 days is taken as
    lost), scaled by a forward-looking factor and applied to the balances on ``as_of``."""
    inv = frames.invoices.loc[frames.invoices["currency"] == currency]
    mine = LedgerFrames(inv, frames.allocations, frames.customers, frames.adjustments)
    ends = _month_ends(as_of, months)
    moved = np.zeros(len(ROLL_BUCKETS))
    held = np.zeros(len(ROLL_BUCKETS))
    for start, end in itertools.pairwise(ends):
        before, after = items_on(mine, start), items_on(mine, end).set_index("invoice_id")
        before = before.loc[before["open_minor"] > 0]
        bucket = _bucket_index(before["days_past_due"], ROLL_BUCKETS)
        # Numbers even when nothing was open (an empty map of text ids would stay text).
        later = before["invoice_id"].map(after["open_minor"]).fillna(0).astype("int64")
        later_days = before["invoice_id"].map(after["days_past_due"]).fillna(-1).astype("int64")
        later_bucket = _bucket_index(later_days, ROLL_BUCKETS)
        rolled = later.where(later_bucket == np.minimum(bucket + 1, len(ROLL_BUCKETS) - 1), 0)
        for position in range(len(ROLL_BUCKETS) - 1):
            here = bucket == position
            held[position] += before.loc[here, "open_minor"].sum()
            moved[position] += rolled[here].sum()
    roll = np.divide(moved, held, out=np.zeros_like(moved), where=held > 0)
    roll[-1] = 1.0  # over 180 days: lost unless collected
    loss = np.array([np.prod(roll[position:]) for position in range(len(ROLL_BUCKETS))])
    items = items_on(mine, as_of)
    items = items.loc[items["open_minor"] > 0]
    balance = items.groupby(_bucket_index(items["days_past_due"], ROLL_BUCKETS))["open_minor"].sum()
    rows, total = [], 0.0
    for position, (name, _, _) in enumerate(ROLL_BUCKETS):
        amount = int(balance.get(position, 0))
        rate = min(1.0, float(loss[position]) * forward_factor)
        provision = amount * rate
        total += provision
        rows.append(
            {
                "bucket": name,
                "balance": _money(amount, currency),
                "roll_rate": _round(float(roll[position]), 4),
                "loss_rate": _round(rate, 4),
                "provision": _money(round(provision), currency),
            }
        )
    return {
        "currency": currency,
        "as_of": as_of.isoformat(),
        "months": months,
        "forward_factor": forward_factor,
        "matrix": rows,
        "provision": _money(round(total), currency),
    }


def covered_by(cover: pd.DataFrame | None, ead: pd.Series, currency: str, as_of: date) -> pd.Series:
    """Per customer of ``ead`` (minor units), what its cover valid on ``as_of`` in ``currency``
    bears: insurance ``cover_share × min(EAD, buyer limit)``, a guarantee or letter of credit
    ``min(EAD, amount)``; summed, at most the EAD."""
    if cover is None or cover.empty or ead.empty:
        return pd.Series(0.0, index=ead.index)
    day = pd.Timestamp(as_of)
    valid_to = pd.to_datetime(cover["valid_to"])
    rows = cover.loc[
        (cover["currency"] == currency)
        & (pd.to_datetime(cover["valid_from"]) <= day)
        & (valid_to.isna() | (valid_to >= day))
        & cover["customer_id"].isin(ead.index)
    ]
    if rows.empty:
        return pd.Series(0.0, index=ead.index)
    exposure = rows["customer_id"].map(ead).astype(float)
    capped = np.minimum(exposure, rows["amount_minor"].astype(float))
    share = pd.to_numeric(rows["cover_share"], errors="coerce").fillna(0.0)
    bears = capped.where(rows["kind"] != "insurance", capped * share)
    total = bears.groupby(rows["customer_id"]).sum().reindex(ead.index).fillna(0.0)
    return np.minimum(total, ead.astype(float))


def expected_losses(
    frames: LedgerFrames, as_of: date, currency: str, pds: pd.Series, lgd: float, fallback_pd: float
) -> pd.DataFrame:
    """PD × LGD × (EAD − covered) per customer: EAD the receivables on ``as_of``, PD its latest
    score (the fallback when unscored), 1 when an item is more than 90 days past due (in
    default); ``covered`` what the cover valid on ``as_of`` bears (service/cover.py): insurance
    its share of the EAD up to the buyer limit, a guarantee or letter of credit up to its amount."""
    items = items_on(frames, as_of)
    items = items.loc[(items["open_minor"] > 0) & (items["currency"] == currency)]
    per = items.groupby("customer_id").agg(ead=("open_minor", "sum"), worst=("days_past_due", "max"))
    pd_used = per.index.to_series().map(pds).fillna(fallback_pd).astype(float)
    per["pd"] = pd_used.where(per["worst"] <= 90, 1.0)
    per["covered"] = covered_by(frames.cover, per["ead"], currency, as_of)
    per["ecl"] = (per["ead"] - per["covered"]) * per["pd"] * lgd
    segment = frames.customers.set_index("customer_id")["segment"]
    per["segment"] = per.index.to_series().map(segment).fillna("none")
    return per


def reconcile_by_segment(
    frames: LedgerFrames, as_of: date, currency: str, matrix: dict[str, Any], per_customer: pd.DataFrame
) -> list[dict[str, Any]]:
    """Both views per segment: the matrix's loss rates applied to each segment's balances beside
    the sum of its customers' PD × LGD × EAD."""
    rates = {row["bucket"]: float(row["loss_rate"] or 0) for row in matrix["matrix"]}
    items = items_on(frames, as_of)
    items = items.loc[(items["open_minor"] > 0) & (items["currency"] == currency)]
    names = [name for name, _, _ in ROLL_BUCKETS]
    items = items.assign(rate=_bucket_index(items["days_past_due"], ROLL_BUCKETS).map(lambda i: rates[names[i]]))
    segment = frames.customers.set_index("customer_id")["segment"]
    items = items.assign(segment=items["customer_id"].map(segment).fillna("none"))
    by_matrix = (items["open_minor"] * items["rate"]).groupby(items["segment"]).sum()
    by_pd = per_customer.groupby("segment")["ecl"].sum()
    rows = []
    for name in sorted(set(by_matrix.index) | set(by_pd.index)):
        a, b = float(by_matrix.get(name, 0.0)), float(by_pd.get(name, 0.0))
        rows.append(
            {
                "segment": name,
                "provision_matrix": _money(round(a), currency),
                "pd_lgd_ead": _money(round(b), currency),
                "difference": _money(round(a - b), currency),
            }
        )
    return rows


def ecl_report(
    frames: LedgerFrames, as_of: date, months: int, forward_factor: float, lgd: float, fallback_pd: float
) -> list[dict[str, Any]]:
    """Per currency: the provision matrix, the PD × LGD × EAD total, and both by segment."""
    pds = frames.customers.set_index("customer_id")["pd"].dropna()
    reports = []
    for currency in sorted(frames.invoices["currency"].unique()):
        matrix = provision_matrix(frames, as_of, currency, months, forward_factor)
        per_customer = expected_losses(frames, as_of, currency, pds, lgd, fallback_pd)
        total = _money(round(per_customer["ecl"].sum()), currency)
        by_segment = reconcile_by_segment(frames, as_of, currency, matrix, per_customer)
        reports.append({**matrix, "pd_lgd_ead": total, "lgd": lgd, "by_segment": by_segment})
    return reports
