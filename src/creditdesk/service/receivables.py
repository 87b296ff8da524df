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
import math
from collections.abc import Iterable, Sequence
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

#: A report's additive parts in integer minor units (or counts), by a key such as
#: (currency, group, bucket): the sums of two sets of customers are the sums of their union, so
#: the nightly batch computes them a bucket of customers at a time and adds them up
#: (adapters/batch/reports.py); the rows are then made from the total exactly as from one ledger.
Sums = dict[tuple[Any, ...], int]


def add_sums(parts: Iterable[Sums]) -> Sums:
    total: Sums = {}
    for part in parts:
        for key, value in part.items():
            total[key] = total.get(key, 0) + value
    return total


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
    # The open items of the last few days asked, when given a dict: the batch asks every report
    # of the same days in turn (callers never change what ``items_on`` returns).
    memo: dict[date, pd.DataFrame] | None = field(default=None, compare=False, repr=False)


MEMO_DAYS = 2  # a day and its period's opening; a month-end and the next


def items_on(frames: LedgerFrames, day: date) -> pd.DataFrame:
    """Every invoice dated on or before ``day`` with what was still open on it."""
    memo = frames.memo
    if memo is not None and day in memo:
        return memo[day]
    stamp = pd.Timestamp(day)
    alloc = frames.allocations
    rows = _invoice_rows(frames)
    counted = (alloc["applied_on"] <= stamp).to_numpy() & (rows >= 0)  # applied by the day, to a known invoice
    paid = np.zeros(len(frames.invoices), dtype="int64")
    np.add.at(paid, rows[counted], alloc["amount_minor"].to_numpy("int64")[counted])  # exact, and unordered
    dated = (frames.invoices["invoice_date"] <= stamp).to_numpy()
    inv = frames.invoices.loc[dated]
    open_minor = np.clip(inv["amount_minor"].to_numpy("int64") - paid[dated], 0, None)
    items = inv.assign(open_minor=open_minor, days_past_due=(stamp - inv["due_date"]).dt.days)
    if memo is not None:
        memo[day] = items
        while len(memo) > MEMO_DAYS:
            del memo[next(iter(memo))]
    return items


def _invoice_rows(frames: LedgerFrames) -> np.ndarray:
    """The row of each allocation's invoice in ``frames.invoices`` (-1: not there). The batch's
    invoice ids are their rows (0, 1, 2 …): then the ids are the rows, with no lookup."""
    ids, given = frames.invoices["invoice_id"], frames.allocations["invoice_id"]
    if ids.dtype.kind == "i" and given.dtype.kind == "i" and len(ids):
        values = ids.to_numpy()
        if values[0] == 0 and bool((np.diff(values) == 1).all()):
            found: np.ndarray = given.to_numpy("int64")
            return np.where((found >= 0) & (found < len(values)), found, -1)
    rows: np.ndarray = pd.Index(ids).get_indexer(given)
    return rows


def _customer_groups(frames: LedgerFrames, ids: pd.Index, by: str | None) -> tuple[np.ndarray, np.ndarray]:
    """The group of each customer of ``ids`` by ``by`` (portfolio, customer, segment or grade), as
    codes into the groups' labels: a million rows group by integers, not by their text."""
    if by is None:
        return np.zeros(len(ids), dtype="int64"), np.array(["portfolio"], dtype=object)
    if by == "customer":
        codes, labels = pd.factorize(ids)
        return codes, np.asarray(labels, dtype=object)
    customers = frames.customers
    gap = "unscored" if by == "grade" else "none"  # a label column: text fills the gaps
    named = customers[by].astype(object).fillna(gap).astype(str).to_numpy()
    codes, labels = pd.factorize(np.append(named, gap))  # the last: a customer not in the table
    at = pd.Index(customers["customer_id"]).get_indexer(ids)
    return codes[np.where(at >= 0, at, len(named))], np.asarray(labels, dtype=object)


def _per_customer(frame: pd.DataFrame, extra: pd.Series | None = None, **columns: pd.Series) -> pd.DataFrame:
    """``columns`` summed per currency and customer (and ``extra``): a book's many documents
    become its customers' few rows before they are added up by any grouping."""
    keys = [frame["currency"], frame["customer_id"], *([extra] if extra is not None else [])]
    return pd.DataFrame(columns, index=frame.index).groupby(keys, sort=False).sum()  # order: none needed


def _roll_up(per: pd.DataFrame, frames: LedgerFrames, by: str | None) -> Sums:
    """:func:`_per_customer`'s rows added up by ``by``: (column, currency, group[, extra])."""
    if per.empty:
        return {}
    index = per.index
    codes, labels = _customer_groups(frames, index.get_level_values(1), by)
    levels = [index.get_level_values(0), codes, *(index.get_level_values(k) for k in range(2, index.nlevels))]
    grouped = per.groupby(levels, sort=False).sum()
    return {
        (column, currency, labels[code], *rest): int(value)
        for column in per.columns
        for (currency, code, *rest), value in grouped[column].items()
    }


def _money(minor: int, currency: str) -> str:
    return str(Money.from_minor(int(minor), currency).amount)


def ageing(
    frames: LedgerFrames,
    as_of: date,
    by: str | None = None,
    buckets: Sequence[tuple[str, int, int | None]] = DEFAULT_BUCKETS,
) -> list[dict[str, Any]]:
    """Open receivables by days past due, per currency (and group)."""
    return ageing_rows(ageing_sums(frames, as_of, (by,), buckets)[by], by, buckets)


def ageing_sums(
    frames: LedgerFrames,
    as_of: date,
    groupings: Sequence[str | None] = (None,),
    buckets: Sequence[tuple[str, int, int | None]] = DEFAULT_BUCKETS,
) -> dict[str | None, Sums]:
    """Per grouping, the open receivables per ("open", currency, group, bucket): what
    :func:`ageing_rows` prints."""
    items = items_on(frames, as_of)
    items = items.loc[items["open_minor"] > 0]
    names = [name for name, _, _ in buckets]
    at = _bucket_index(items["days_past_due"], buckets).to_numpy()
    label = pd.Series(np.asarray(names, dtype=object)[at], index=items.index)
    per = _per_customer(items, label, open=items["open_minor"])
    return {by: _roll_up(per, frames, by) for by in groupings}


def ageing_rows(sums: Sums, by: str | None, buckets: Sequence[tuple[str, int, int | None]]) -> list[dict[str, Any]]:
    rows = []
    for currency, group in sorted({(currency, group) for _, currency, group, _ in sums}):
        amounts = {name: sums.get(("open", currency, group, name), 0) for name, _, _ in buckets}
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


def dso(frames: LedgerFrames, as_of: date, period_days: int = 90, by: str | None = None) -> list[dict[str, Any]]:
    """DSO, countback DSO, best possible DSO, ADD, CEI, overdue ratio and turnover per currency
    (and group), for the ``period_days`` ending on ``as_of``."""
    return dso_rows(dso_sums(frames, as_of, period_days, (by,))[by], as_of, period_days, by)


def dso_sums(
    frames: LedgerFrames, as_of: date, period_days: int = 90, groupings: Sequence[str | None] = (None,)
) -> dict[str | None, Sums]:
    """Per grouping, what :func:`dso_rows` reads per (measure, currency, group): the receivables
    at the end and the current ones, those at the opening, invoiced (where anything was), credit
    notes and written off in the period, and the sales of each month counted back (measure
    ``month``, with the months back)."""
    start = as_of - timedelta(days=period_days)  # the opening is the end of this day
    closing, opening = items_on(frames, as_of), items_on(frames, start)
    inv = frames.invoices.loc[frames.invoices["invoice_date"] <= pd.Timestamp(as_of)]
    in_period = inv.loc[inv["invoice_date"] > pd.Timestamp(start)]
    adj = frames.adjustments
    adj = adj.loc[(adj["payment_date"] > pd.Timestamp(start)) & (adj["payment_date"] <= pd.Timestamp(as_of))]
    months_back = (as_of.year * 12 + as_of.month) - (inv["invoice_date"].dt.year * 12 + inv["invoice_date"].dt.month)
    recent = inv.loc[months_back < COUNTBACK_MONTHS]
    current = closing["open_minor"].where(closing["days_past_due"] <= 0, 0)
    parts = [
        _per_customer(closing, receivables=closing["open_minor"], current=current),
        _per_customer(opening, opening=opening["open_minor"]),
        _per_customer(in_period, invoiced=in_period["amount_minor"]),
        _per_customer(
            adj,
            credit_notes=adj["amount_minor"].where(adj["kind"] == "credit_note", 0),
            written_off=adj["amount_minor"].where(adj["kind"] == "write_off", 0),
        ),
        _per_customer(recent, months_back.loc[recent.index], month=recent["amount_minor"]),
    ]
    return {by: {key: value for part in parts for key, value in _roll_up(part, frames, by).items()} for by in groupings}


def dso_rows(sums: Sums, as_of: date, period_days: int, by: str | None) -> list[dict[str, Any]]:
    def get(measure: str, key: tuple[Any, ...]) -> int:
        return sums.get((measure, *key), 0)

    lengths = _month_lengths(as_of)
    rows = []
    for key in sorted(key[1:] for key in sums if key[0] == "receivables"):
        currency, group = key
        ar, now, before = get("receivables", key), get("current", key), get("opening", key)
        lost = get("written_off", key)
        # Sales only where something was invoiced in the period; a credit note alone sells nothing.
        sold = get("invoiced", key) - get("credit_notes", key) if ("invoiced", *key) in sums else 0
        months = [(get("month", (*key, back)), length) for back, length in enumerate(lengths)]
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
                "credit_notes": _money(get("credit_notes", key), currency),
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
    return trend_rows([dso(frames, day, period_days, by) for day in trend_days(as_of, months)], by)


def trend_days(as_of: date, months: int = 12) -> list[date]:
    return _month_ends(as_of, months - 1)


def trend_rows(rows_by_day: Sequence[list[dict[str, Any]]], by: str | None) -> list[dict[str, Any]]:
    """:func:`dso`'s rows of each of :func:`trend_days`, as the trends' points."""
    rows = []
    for day_rows in rows_by_day:
        for row in day_rows:
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


def provision_sums(frames: LedgerFrames, as_of: date, months: int = 12) -> Sums:
    """What the IFRS 9 simplified approach reads, per currency: roll rates between monthly ageing
    buckets are measured over the ``months`` month-ends before ``as_of`` (each roll bucket's
    balance ``held`` at a month-end and what of it ``moved`` one bucket on a month later), chained
    into each bucket's loss rate (what is over 180 days is taken as lost) and applied to the
    ``balance`` on ``as_of`` (and per ``segment``, for the reconciliation); ``count``: invoices."""
    sums: Sums = {}
    for currency in frames.invoices["currency"].unique():
        inv = frames.invoices.loc[frames.invoices["currency"] == currency]
        alone = len(inv) == len(frames.invoices)  # one currency: the same items (and their memo)
        mine = frames if alone else LedgerFrames(inv, frames.allocations, frames.customers, frames.adjustments)
        sums[("count", currency)] = len(inv)
        for start, end in itertools.pairwise(_month_ends(as_of, months)):
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
                for measure, amount in (("held", before.loc[here, "open_minor"].sum()), ("moved", rolled[here].sum())):
                    key = (measure, currency, position)
                    sums[key] = sums.get(key, 0) + int(amount)
        items = items_on(mine, as_of)
        items = items.loc[items["open_minor"] > 0]
        position = _bucket_index(items["days_past_due"], ROLL_BUCKETS)
        segment = items["customer_id"].map(frames.customers.set_index("customer_id")["segment"]).fillna("none")
        for at, amount in items.groupby(position)["open_minor"].sum().items():
            sums[("balance", currency, int(at))] = int(amount)
        for (name, at), amount in items.groupby([segment, position])["open_minor"].sum().items():
            sums[("segment", currency, name, int(at))] = int(amount)
    return sums


def matrix_of(sums: Sums, currency: str, as_of: date, months: int, forward_factor: float) -> dict[str, Any]:
    """The provision matrix of ``currency`` from :func:`provision_sums`, its loss rates scaled by
    a forward-looking factor."""
    size = len(ROLL_BUCKETS)
    moved = np.array([float(sums.get(("moved", currency, at), 0)) for at in range(size)])
    held = np.array([float(sums.get(("held", currency, at), 0)) for at in range(size)])
    roll = np.divide(moved, held, out=np.zeros_like(moved), where=held > 0)
    roll[-1] = 1.0  # over 180 days: lost unless collected
    loss = np.array([np.prod(roll[position:]) for position in range(size)])
    rows, total = [], 0.0
    for position, (name, _, _) in enumerate(ROLL_BUCKETS):
        amount = sums.get(("balance", currency, position), 0)
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


def customers_expected_losses(frames: LedgerFrames, as_of: date, lgd: float, fallback_pd: float) -> pd.DataFrame:
    """:func:`expected_losses` of every currency: currency, customer_id, segment, ecl."""
    pds = frames.customers.set_index("customer_id")["pd"].dropna()
    parts = [
        expected_losses(frames, as_of, currency, pds, lgd, fallback_pd).reset_index().assign(currency=currency)
        for currency in sorted(frames.invoices["currency"].unique())
    ]
    columns = ["currency", "customer_id", "segment", "ecl"]
    return pd.concat([part[columns] for part in parts], ignore_index=True) if parts else pd.DataFrame(columns=columns)


def reconcile_by_segment(
    sums: Sums, currency: str, matrix: dict[str, Any], per_customer: pd.DataFrame
) -> list[dict[str, Any]]:
    """Both views per segment: the matrix's loss rates applied to each segment's balances beside
    the sum of its customers' PD × LGD × EAD (``per_customer``: segment, ecl)."""
    rates = [float(row["loss_rate"] or 0) for row in matrix["matrix"]]
    by_matrix: dict[str, float] = {}
    for key, amount in sums.items():
        if key[0] == "segment" and key[1] == currency:
            by_matrix[key[2]] = by_matrix.get(key[2], 0.0) + amount * rates[key[3]]
    by_pd = {name: math.fsum(part) for name, part in per_customer.groupby("segment")["ecl"]}
    rows = []
    for name in sorted(set(by_matrix) | set(by_pd)):
        a, b = by_matrix.get(name, 0.0), by_pd.get(name, 0.0)
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
    return ecl_rows(
        provision_sums(frames, as_of, months),
        customers_expected_losses(frames, as_of, lgd, fallback_pd),
        as_of,
        months,
        forward_factor,
        lgd,
    )


def ecl_rows(
    sums: Sums, losses: pd.DataFrame, as_of: date, months: int, forward_factor: float, lgd: float
) -> list[dict[str, Any]]:
    """The ECL report from :func:`provision_sums` and :func:`customers_expected_losses` (the
    customers' losses summed exactly, so in any order to the same total)."""
    reports = []
    for currency in sorted(key[1] for key in sums if key[0] == "count"):
        matrix = matrix_of(sums, currency, as_of, months, forward_factor)
        mine = losses.loc[losses["currency"] == currency]
        total = _money(round(math.fsum(mine["ecl"])), currency)
        by_segment = reconcile_by_segment(sums, currency, matrix, mine)
        reports.append({**matrix, "pd_lgd_ead": total, "lgd": lgd, "by_segment": by_segment})
    return reports
