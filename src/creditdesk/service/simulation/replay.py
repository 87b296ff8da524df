"""Replay a real receivables ledger under a policy: the invoices that happened, in their order,
through the policy's checks, each paid when it really was paid (after its invoice, if a review
delayed it). What the policy refuses is not sold; what it lets through ages as it really aged.

Nothing is drawn but the reviewer's decisions, so the DSO and the overdue amounts of the
accepted book are the real ones, only with the refused invoices left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import numpy as np
import pandas as pd

from creditdesk.domain.currencies import minor_unit_exponent
from creditdesk.domain.limit_policy import LimitInputs, LimitPolicy
from creditdesk.risk.simulation_world import NEVER, Paths, estimate_world
from creditdesk.service.simulation import policies
from creditdesk.service.simulation.engine import Scenario, SimPortfolio, run_bounds
from creditdesk.service.simulation.policies import SimPolicy
from creditdesk.service.simulation.runner import outcome

_HISTORY_MONTHS = 12


@dataclass(frozen=True)
class Replay:
    portfolio: SimPortfolio
    paths: Paths
    scenario: Scenario


def _limit(amount: float, unit: Decimal) -> Decimal:
    return (Decimal(str(round(amount, 2))) / unit).to_integral_value(rounding=ROUND_FLOOR) * unit


def replay_of(
    invoices: pd.DataFrame,
    allocations: pd.DataFrame,
    start: date,
    months: int,
    *,
    currency: str,
    legacy_months_of_sales: float = 2.0,
    unit: Decimal = Decimal(10),
    seed: int = 0,
) -> Replay:
    """The customers as known the day before ``start`` (their last twelve months), today's
    limits set at ``legacy_months_of_sales`` of their monthly sales, and the invoices of
    ``months`` months from ``start`` (after three months of warm-up) as the orders to replay."""
    scenario = Scenario(months=months, warmup_months=3)
    inv = invoices.assign(
        invoice_date=pd.to_datetime(invoices["invoice_date"]), due_date=pd.to_datetime(invoices["due_date"])
    )
    first_day = pd.Timestamp(start)
    history = inv.loc[
        (inv["invoice_date"] < first_day) & (inv["invoice_date"] >= first_day - pd.DateOffset(months=_HISTORY_MONTHS))
    ]
    monthly = (
        history.groupby(["customer_id", history["invoice_date"].dt.to_period("M")])["amount"]
        .sum()
        .unstack(fill_value=0.0)
    )
    customers = sorted(set(inv["customer_id"]))
    monthly = monthly.reindex(customers, fill_value=0.0)
    mean = monthly.sum(axis=1) / _HISTORY_MONTHS
    cv = (monthly.std(axis=1) / mean.where(mean > 0)).fillna(1.0)
    terms = (inv["due_date"] - inv["invoice_date"]).dt.days.groupby(inv["customer_id"]).median().round().astype(int)
    inputs = tuple(
        LimitInputs(
            customer_id=c,
            currency=currency,
            current_limit=_limit(legacy_months_of_sales * float(mean[c]), unit),
            avg_monthly_sales=Decimal(str(round(float(mean[c]), 2))),
            demand_cv=float(cv[c]),
            terms_days=int(terms[c]),
            tangible_net_worth=None,
            working_capital=None,
            bureau_limit=None,
            bureau_provider=None,
            pd=None,
            grade=None,
        )
        for c in customers
    )
    ids = pd.Series(customers, dtype=object)
    world = estimate_world(invoices, allocations, ids, terms.astype(float), pd.Series(dtype=float), start)
    portfolio = SimPortfolio(start, inputs, world)

    run_start, bounds = run_bounds(portfolio, scenario)
    day0 = pd.Timestamp(run_start)
    settled = pd.to_datetime(allocations.groupby("invoice_id")["applied_on"].max())
    replayed = inv.loc[
        (inv["invoice_date"] >= day0) & (inv["invoice_date"] < day0 + pd.Timedelta(days=int(bounds[-1])))
    ]
    replayed = replayed.sort_values(["invoice_date", "invoice_id"])
    day = (replayed["invoice_date"] - day0).dt.days.to_numpy(dtype=np.int64)
    paid_on = replayed["invoice_id"].map(settled)
    pay_after = (paid_on - replayed["invoice_date"]).dt.days.to_numpy(dtype=float)
    index = {c: k for k, c in enumerate(customers)}
    rng = np.random.default_rng(seed)
    count = len(replayed)
    paths = Paths(
        customer=replayed["customer_id"].map(index).to_numpy(dtype=np.int64),
        day=day,
        amount_minor=np.round(replayed["amount"].to_numpy(dtype=float) * 10 ** minor_unit_exponent(currency)).astype(
            np.int64
        ),
        pay_after=np.where(np.isnan(pay_after), NEVER // 2, np.nan_to_num(pay_after)).astype(np.int64),
        release_draw=rng.random(count),
        wait_days=np.ones(count, dtype=np.int64),
        default_day=np.full(len(customers), NEVER, dtype=np.int64),
        true_pd=np.zeros(len(customers)),
    )
    return Replay(portfolio, paths, scenario)


def replay_policies(unit: Decimal = Decimal(10)) -> list[SimPolicy]:
    """The book as it happened, today's limits kept static, the same limits moved by the monitor,
    and limits set by the need at every review."""
    limits = LimitPolicy(unit=unit)
    return [policies.open_book(), policies.legacy(), policies.dynamic(limits), policies.score_based(limits)]


_FIGURES = (
    "sales",
    "sales_captured",
    "dso",
    "average_receivables",
    "average_overdue",
    "blocked_orders",
    "review_orders",
)


def replay_figures(replay: Replay, chosen: list[SimPolicy]) -> list[dict[str, Any]]:
    rows = []
    for policy in chosen:
        totals = outcome(replay.portfolio, policy, replay.scenario, replay.paths).totals
        rows.append({"policy": policy.name, **{name: round(totals[name], 4) for name in _FIGURES}})
    return rows
