"""The portfolio view of limits: concentration by industry, country and group against the
policy's caps, pooled group limits, and the allocation of a credit budget by linear programming.

The allocation spends a total credit budget and an expected-loss budget where they earn most:
each customer's expected profit as a function of its limit (margin on the sales it lets through,
less expected loss, less financing; see ``limit_methods.expected_profit``) is concave, so a
piecewise-linear version of it with decreasing slopes is exact at its break points and an LP
(HiGHS, through SciPy) finds the best split. Each customer's limit stays within its need and its
capacity (the per-customer methods other than the risk budget, which the portfolio's loss
budget replaces), and each industry, country and group within its cap's share of the budget.
The duals say what one more unit of each budget or cap would earn.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from creditdesk.domain.limit_methods import ProfitInputs, expected_loss, expected_profit
from creditdesk.domain.limit_policy import LimitPolicy, Recommendation
from creditdesk.risk.rating import UNSCORED_PD
from creditdesk.service.errors import InvalidInput

PIECES = 8  # break points per customer curve
DIMENSIONS = ("industry", "country", "group")


def _key(rec: Recommendation, dimension: str) -> str | None:
    i = rec.inputs
    return {"industry": i.industry, "country": i.country, "group": i.group_id}[dimension]


def concentration(recommendations: Sequence[Recommendation], policy: LimitPolicy) -> list[dict[str, Any]]:
    """Per currency, dimension and value: current and recommended limits, their shares of the
    currency's total and the cap; ``over`` when the recommended share passes the cap."""
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    buckets: dict[tuple[str, str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for rec in recommendations:
        ccy, final = rec.inputs.currency, rec.final.amount or Decimal(0)
        totals[ccy][0] += rec.inputs.current_limit
        totals[ccy][1] += final
        for dimension in DIMENSIONS:
            value = _key(rec, dimension)
            if value is not None:
                buckets[(ccy, dimension, value)][0] += rec.inputs.current_limit
                buckets[(ccy, dimension, value)][1] += final
    rows = []
    for (ccy, dimension, value), (current, recommended) in sorted(buckets.items()):
        total_now, total_rec = totals[ccy]
        share = recommended / total_rec if total_rec else Decimal(0)
        cap = policy.concentration.get(dimension)
        rows.append(
            {
                "currency": ccy,
                "dimension": dimension,
                "value": value,
                "current": str(current),
                "recommended": str(recommended),
                "current_share": f"{current / total_now if total_now else 0:.4f}",
                "recommended_share": f"{share:.4f}",
                "cap": None if cap is None else str(cap),
                "over": cap is not None and share > cap,
            }
        )
    return rows


def group_pools(recommendations: Sequence[Recommendation], policy: LimitPolicy) -> list[dict[str, Any]]:
    """A pooled limit per group: its members' recommended limits together, within the group cap's
    share of the currency's recommended total (a group fails as one, so it is one exposure)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    members: dict[tuple[str, str], list[Recommendation]] = defaultdict(list)
    for rec in recommendations:
        totals[rec.inputs.currency] += rec.final.amount or Decimal(0)
        if rec.inputs.group_id is not None:
            members[(rec.inputs.group_id, rec.inputs.currency)].append(rec)
    cap = policy.concentration.get("group")
    pools = []
    for (group_id, ccy), found in sorted(members.items()):
        summed = sum((r.final.amount or Decimal(0) for r in found), Decimal(0))
        ceiling = None if cap is None else _floor(totals[ccy] * cap, policy.unit)
        pooled = summed if ceiling is None else min(summed, ceiling)
        pools.append(
            {
                "group_id": group_id,
                "currency": ccy,
                "members": len(found),
                "members_total": str(summed),
                "cap": None if ceiling is None else str(ceiling),
                "pooled_limit": str(pooled),
            }
        )
    return pools


def _floor(amount: Decimal, unit: Decimal) -> Decimal:
    return (amount / unit).to_integral_value(rounding=ROUND_FLOOR) * unit


@dataclass
class Allocation:
    currency: str
    budget: Decimal
    loss_budget: Decimal
    limits: dict[str, Decimal] = field(default_factory=dict)
    expected_profit: float = 0.0
    expected_loss: float = 0.0
    per_customer_profit: float = 0.0  # the same customers at their per-customer recommendations
    per_customer_limits: Decimal = Decimal(0)
    shadow_prices: dict[str, float] = field(default_factory=dict)
    binding: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "budget": str(self.budget),
            "loss_budget": str(self.loss_budget),
            "allocated": str(sum(self.limits.values(), Decimal(0))),
            "expected_profit": round(self.expected_profit, 2),
            "expected_loss": round(self.expected_loss, 2),
            "per_customer": {
                "limits": str(self.per_customer_limits),
                "expected_profit": round(self.per_customer_profit, 2),
            },
            "shadow_prices": {k: round(v, 6) for k, v in self.shadow_prices.items()},
            "binding": self.binding,
            "limits": {cid: str(amount) for cid, amount in sorted(self.limits.items())},
        }


def _profit_inputs(rec: Recommendation, policy: LimitPolicy) -> ProfitInputs:
    i = rec.inputs
    return ProfitInputs(
        pd=i.pd if i.pd is not None else UNSCORED_PD,
        lgd=policy.lgd,
        margin_rate=policy.margin_rate,
        avg_monthly_sales=float(i.avg_monthly_sales),
        demand_cv=max(i.demand_cv, policy.min_demand_cv),
        terms_days=i.terms_days,
        grace_days=policy.grace_days,
        cost_of_capital=policy.cost_of_capital,
        ccf=policy.ccf,
    )


def _upper_bound(rec: Recommendation) -> float:
    """Need and capacity, not the risk budget: the portfolio's loss budget replaces it. Nothing
    for a customer in default."""
    if rec.inputs.grade == 10:
        return 0.0
    found = {w.method: w.amount for w in rec.methods}
    bounds = [float(amount) for m in ("need", "capacity") if (amount := found.get(m)) is not None]
    return min(bounds) if bounds else 0.0


def allocate(
    recommendations: Sequence[Recommendation],
    policy: LimitPolicy,
    currency: str,
    budget: Decimal,
    loss_budget: Decimal,
) -> Allocation:
    """Limits for the customers in ``currency`` that maximise expected profit within the credit
    budget, the expected-loss budget and the concentration caps."""
    if budget <= 0 or loss_budget < 0:
        raise InvalidInput("the credit budget must be above zero and the loss budget not below zero")
    recs = [r for r in recommendations if r.inputs.currency == currency and _upper_bound(r) > 0]
    result = Allocation(currency, budget, loss_budget)
    if not recs:
        return result
    slopes: list[float] = []
    widths: list[float] = []
    losses: list[float] = []
    owners: list[int] = []
    for index, rec in enumerate(recs):
        p = _profit_inputs(rec, policy)
        top = _upper_bound(rec)
        grid = np.linspace(0.0, top, PIECES + 1)
        profit = np.array([expected_profit(x, p) for x in grid])
        loss = np.array([expected_loss(x, p) for x in grid])
        width = top / PIECES
        # Concave by construction; tiny numerical bumps are flattened so pieces fill in order.
        slope = np.minimum.accumulate(np.diff(profit) / width)
        slopes.extend(slope)
        widths.extend([width] * PIECES)
        losses.extend(np.diff(loss) / width)
        owners.extend([index] * PIECES)
        result.per_customer_profit += expected_profit(float(rec.final.amount or 0), p)
        result.per_customer_limits += rec.final.amount or Decimal(0)
    n = len(slopes)
    owner = np.asarray(owners)
    columns = np.arange(n)
    names = ["credit budget", "loss budget"]
    bounds = [float(budget), float(loss_budget)]
    row_parts: list[np.ndarray] = [np.zeros(n, int), np.ones(n, int)]
    col_parts: list[np.ndarray] = [columns, columns]
    data_parts: list[np.ndarray] = [np.ones(n), np.asarray(losses)]
    for dimension in DIMENSIONS:
        cap = policy.concentration.get(dimension)
        if cap is None:
            continue
        codes, values = pd.factorize(pd.Series([_key(r, dimension) for r in recs], dtype=object))
        piece_codes = codes[owner]
        inside = piece_codes >= 0  # customers without a value are under no cap of this dimension
        row_parts.append(len(names) + piece_codes[inside])
        col_parts.append(columns[inside])
        data_parts.append(np.ones(int(inside.sum())))
        names += [f"{dimension} {value}" for value in values]
        bounds += [float(budget * cap)] * len(values)
    matrix = coo_matrix(
        (np.concatenate(data_parts), (np.concatenate(row_parts), np.concatenate(col_parts))), shape=(len(names), n)
    ).tocsr()
    solved = linprog(
        -np.asarray(slopes),
        A_ub=matrix,
        b_ub=bounds,
        bounds=np.column_stack([np.zeros(n), widths]),
        # Measured on 20,000 customers (160,000 pieces): presolve hunts for duplicate columns, which
        # the pieces of similar customers are (minutes); the dual simplex then takes 11 s, the
        # interior point with crossover (exact vertex and duals) 2 s.
        method="highs-ipm",
        options={"presolve": False},
    )
    if solved.status != 0:
        raise InvalidInput(f"the allocation could not be solved: {solved.message}")
    amounts = np.bincount(owner, weights=solved.x, minlength=len(recs))
    for rec, amount in zip(recs, amounts, strict=True):
        limit = _floor(Decimal(str(amount)), policy.unit)
        result.limits[rec.inputs.customer_id] = limit
        p = _profit_inputs(rec, policy)
        result.expected_profit += expected_profit(float(limit), p)
        result.expected_loss += expected_loss(float(limit), p)
    for name, price, slack in zip(names, solved.ineqlin.marginals, solved.ineqlin.residual, strict=True):
        if price < -1e-9:
            result.shadow_prices[name] = -float(price)
        if slack <= 1e-6 * max(1.0, float(budget)):
            result.binding.append(name)
    return result
