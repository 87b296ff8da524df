"""One run's figures, per reported month and per customer, from its ledger.

Sums of money are taken in integer minor units and only turned into major units (floats, for
statistics over seeds) at the end. Receivables are the ledger's: an invoice counts from its
day until it is paid or written off (its customer's default day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditdesk.risk.simulation_world import NEVER, Paths
from creditdesk.service.simulation.engine import APPROVED, BLOCKED, REJECTED, RELEASED, Ledger, LeftOpen, Scenario

#: The monthly series a run reports, in this order.
MONTHLY = (
    "demand",
    "sales",
    "gross_margin",
    "bad_debt_losses",
    "financing_cost",
    "net_profit",
    "receivables",
    "overdue",
    "dso",
    "orders",
    "blocked_orders",
    "review_orders",
    "released_orders",
    "review_wait_days",
)


#: The period of the opening DSO, as the DSO report's default.
OPENING_DAYS = 90


@dataclass(frozen=True)
class SeedResult:
    """``monthly[name]`` has one value per reported month; ``totals`` the whole period's;
    ``customer_sales`` and ``customer_lost`` are per customer, in major units."""

    seed: int
    monthly: dict[str, np.ndarray]
    totals: dict[str, float]
    customer_sales: np.ndarray
    customer_lost: np.ndarray


def _sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, index, values)
    return out


def _daily(opened: np.ndarray, closed: np.ndarray, amount: np.ndarray, horizon: int) -> np.ndarray:
    """The balance of items each day 0..horizon-1: an item counts from ``opened`` until ``closed``."""
    delta = np.zeros(horizon + 1, dtype=np.int64)
    opened = np.maximum(opened, 0)  # a carried item fell overdue before the run: from its first day
    live = (opened < closed) & (opened < horizon)
    np.add.at(delta, opened[live], amount[live])
    ends = live & (closed < horizon)
    np.add.at(delta, closed[ends], -amount[ends])
    balance: np.ndarray = np.cumsum(delta)[:horizon]
    return balance


def seed_result(
    seed: int,
    paths: Paths,
    ledger: Ledger,
    scenario: Scenario,
    bounds: np.ndarray,
    minor_per_unit: np.ndarray,
    left: LeftOpen | None = None,
) -> SeedResult:
    """``bounds``: the first day of every month of the run and of the month after (warm-up
    included); ``left``: what stays open beside the invoices (``engine.left_open``): receivables,
    and overdue once due, never sales or losses."""
    warm, months = scenario.warmup_months, scenario.months
    first, horizon = int(bounds[warm]), int(bounds[-1])
    n = len(minor_per_unit)
    unit = minor_per_unit.astype(float)

    def month_of(days: np.ndarray) -> np.ndarray:
        return np.searchsorted(bounds, days, side="right") - 1 - warm

    # Orders, by the month they were placed in.
    placed = (paths.day >= first) & (paths.day < horizon)
    outcome, order_month, amount = ledger.order_outcome[placed], month_of(paths.day[placed]), paths.amount_minor[placed]
    customer = paths.customer[placed]
    counts = {
        code: np.bincount(order_month[outcome == code], minlength=months)[:months]
        for code in (APPROVED, RELEASED, REJECTED, BLOCKED)
    }
    reviewed = (outcome == RELEASED) | (outcome == REJECTED)
    waits = np.bincount(order_month[reviewed], weights=paths.wait_days[placed][reviewed], minlength=months)[:months]
    lost = (outcome == REJECTED) | (outcome == BLOCKED)
    demand = _sum_by(order_month, amount, months)

    # Invoices: sales when invoiced within the reported months; receivables until paid or written off.
    inv_customer = np.asarray(ledger.invoice_customer, dtype=np.int64)
    inv_day = np.asarray(ledger.invoice_day, dtype=np.int64)
    inv_amount = np.asarray(ledger.invoice_amount, dtype=np.int64)
    inv_paid = np.asarray(ledger.invoice_paid, dtype=np.int64)
    written_off = inv_paid == NEVER
    closed = np.where(written_off, paths.default_day[inv_customer], inv_paid)
    in_period = (inv_day >= first) & (inv_day < horizon)
    in_period[: ledger.carried] = False  # sold before the run
    sales = _sum_by(month_of(inv_day[in_period]), inv_amount[in_period], months)
    loss_day = paths.default_day[inv_customer]
    lost_in_period = written_off & (loss_day >= first) & (loss_day < horizon)
    # Exact sums of the written-off items; the recovery rate applies to each month's sum.
    losses_gross = _sum_by(month_of(loss_day[lost_in_period]), inv_amount[lost_in_period], months)

    # Daily receivables, and the overdue part of them, from the days items open, fall overdue and close.
    daily = _daily(inv_day, closed, inv_amount, horizon)
    inv_due = np.asarray(ledger.invoice_due, dtype=np.int64)
    daily_overdue = _daily(inv_due + 1, closed, inv_amount, horizon)
    if left is not None and len(left.amount):
        never = np.full(len(left.amount), NEVER, dtype=np.int64)
        daily = daily + _daily(left.opened, never, left.amount, horizon)
        daily_overdue = daily_overdue + _daily(np.maximum(left.opened, left.due + 1), never, left.amount, horizon)
    day_month = month_of(np.arange(horizon))
    reported = day_month >= 0
    receivable_days = _sum_by(day_month[reported], daily[reported], months)
    month_len = np.diff(bounds[warm:])
    receivables_end = daily[bounds[warm + 1 :] - 1]
    opening = float(daily[first - 1]) if first > 0 else 0.0
    opened = (inv_day >= first - OPENING_DAYS) & (inv_day < first)
    opened[: ledger.carried] = False  # carried items were sold before the run: not its sales
    opening_sales = float(inv_amount[opened].sum())

    # Major units from here on (a run's customers share one currency: see simulation.portfolio).
    scale = float(unit[0]) if n else 100.0
    major = {
        "demand": demand / scale,
        "sales": sales / scale,
        "bad_debt_losses": losses_gross * (1 - scenario.recovery_rate) / scale,
        "receivables": receivables_end / scale,
        "overdue": daily_overdue[bounds[warm + 1 :] - 1] / scale,
    }
    major["gross_margin"] = major["sales"] * scenario.margin_rate
    average_receivables = receivable_days / month_len / scale
    major["financing_cost"] = average_receivables * scenario.cost_of_capital * month_len / 365
    major["net_profit"] = major["gross_margin"] - major["bad_debt_losses"] - major["financing_cost"]
    trailing_sales = np.convolve(major["sales"], np.ones(3))[:months]
    trailing_days = np.convolve(month_len, np.ones(3))[:months]
    major["dso"] = np.divide(
        major["receivables"] * trailing_days,
        trailing_sales,
        out=np.full(months, np.nan),
        where=trailing_sales > 0,
    )
    review_count = counts[RELEASED] + counts[REJECTED]
    monthly = {
        **major,
        "orders": np.sum(list(counts.values()), axis=0).astype(float),
        "blocked_orders": (counts[BLOCKED] + counts[REJECTED]).astype(float),
        "review_orders": review_count.astype(float),
        "released_orders": counts[RELEASED].astype(float),
        "review_wait_days": np.divide(waits, review_count, out=np.zeros(months), where=review_count > 0),
    }
    total_sales = float(major["sales"].sum())
    total_days = float(month_len.sum())
    defaulted = paths.default_day < horizon
    lost_by_customer = _sum_by(customer[lost], amount[lost], n) / unit
    good_blocked = (~defaulted) & (lost_by_customer > 0)
    orders_total = float(monthly["orders"].sum())
    totals = {
        "demand": float(major["demand"].sum()),
        "sales": total_sales,
        "sales_captured": total_sales / float(major["demand"].sum()) if major["demand"].sum() > 0 else 0.0,
        "gross_margin": float(major["gross_margin"].sum()),
        "bad_debt_losses": float(major["bad_debt_losses"].sum()),
        "loss_rate": float(major["bad_debt_losses"].sum()) / total_sales if total_sales > 0 else 0.0,
        "financing_cost": float(major["financing_cost"].sum()),
        "net_profit": float(major["net_profit"].sum()),
        "average_receivables": float(receivable_days.sum()) / total_days / scale,
        "average_overdue": float(daily_overdue[reported].sum()) / total_days / scale,
        "dso": float(receivable_days.sum()) / scale / total_sales if total_sales > 0 else float("nan"),
        "orders": orders_total,
        "blocked_orders": float(monthly["blocked_orders"].sum()),
        "blocked_share": float(monthly["blocked_orders"].sum()) / orders_total if orders_total else 0.0,
        "review_orders": float(review_count.sum()),
        "review_wait_days": float(waits.sum()) / float(review_count.sum()) if review_count.sum() else 0.0,
        "defaults": float(defaulted.sum()),
        "good_customers_blocked": float(good_blocked.sum()),
        "good_customers_lost_sales": float(lost_by_customer[~defaulted].sum()),
        # The book the run opens with (the day before the first reported month), as the reports
        # measure the real one: receivables, and the DSO over the 90 days to that day.
        "opening_receivables": opening / scale,
        "opening_dso": opening * OPENING_DAYS / opening_sales if opening_sales > 0 else float("nan"),
    }
    in_sales = inv_customer[in_period]
    customer_sales = _sum_by(in_sales, inv_amount[in_period], n) / unit
    return SeedResult(seed, monthly, totals, customer_sales, lost_by_customer)
