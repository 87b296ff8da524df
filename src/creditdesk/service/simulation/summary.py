"""What many seeds say: each figure's mean and 90 % band, each policy against the first one
seed by seed, the monthly paths, which customers gain and lose, and the frontier."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from creditdesk.service.simulation.results import MONTHLY
from creditdesk.service.simulation.runner import PolicyRun

#: The figures every policy reports, with their mean and 5 % / 95 % bounds over the seeds.
HEADLINE = (
    "sales",
    "sales_captured",
    "gross_margin",
    "bad_debt_losses",
    "loss_rate",
    "financing_cost",
    "net_profit",
    "average_receivables",
    "average_overdue",
    "dso",
    "orders",
    "blocked_orders",
    "blocked_share",
    "review_orders",
    "review_wait_days",
    "good_customers_blocked",
    "good_customers_lost_sales",
    "defaults",
    "opening_receivables",
    "opening_dso",
)
_COMPARED = ("sales", "bad_debt_losses", "financing_cost", "net_profit", "dso", "blocked_orders")
_TOP = 10


def band(values: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Mean and the 5 % and 95 % quantiles (linear interpolation between seeds)."""
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    if not len(finite):
        return {"mean": float("nan"), "p05": float("nan"), "p95": float("nan")}
    return {
        "mean": round(float(finite.mean()), 6),
        "p05": round(float(np.quantile(finite, 0.05)), 6),
        "p95": round(float(np.quantile(finite, 0.95)), 6),
    }


def _monthly(run: PolicyRun) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in MONTHLY:
        stacked = np.vstack([r.monthly[name] for r in run.results])
        with np.errstate(all="ignore"):
            out[name] = {
                "mean": np.round(np.nanmean(stacked, axis=0), 2).tolist(),
                "p05": np.round(np.nanquantile(stacked, 0.05, axis=0), 2).tolist(),
                "p95": np.round(np.nanquantile(stacked, 0.95, axis=0), 2).tolist(),
            }
    return out


def _customers(run: PolicyRun, base: PolicyRun, customer_ids: Sequence[str]) -> dict[str, Any]:
    """Mean sales per customer under this policy less under the baseline, seed by seed."""
    change = np.mean(
        [r.customer_sales - b.customer_sales for r, b in zip(run.results, base.results, strict=True)], axis=0
    )
    tolerance = 0.005
    order = np.argsort(change)

    def rows(indices: np.ndarray) -> list[dict[str, Any]]:
        return [{"customer_id": customer_ids[i], "sales_change": round(float(change[i]), 2)} for i in indices]

    gainers = [i for i in order[::-1][:_TOP] if change[i] > tolerance]
    losers = [i for i in order[:_TOP] if change[i] < -tolerance]
    return {
        "gain": int((change > tolerance).sum()),
        "lose": int((change < -tolerance).sum()),
        "same": int((np.abs(change) <= tolerance).sum()),
        "top_gainers": rows(np.array(gainers, dtype=int)),
        "top_losers": rows(np.array(losers, dtype=int)),
    }


def policy_summary(run: PolicyRun, base: PolicyRun, customer_ids: Sequence[str]) -> dict[str, Any]:
    figures: dict[str, Any] = {name: band([r.totals[name] for r in run.results]) for name in HEADLINE}
    difference = {
        name: band([r.totals[name] - b.totals[name] for r, b in zip(run.results, base.results, strict=True)])
        for name in _COMPARED
    }
    return {
        "policy": run.policy.name,
        **figures,
        "against": base.policy.name,
        "difference": difference,
        "customers": _customers(run, base, customer_ids),
        "per_seed": {
            name: [round(r.totals[name], 2) for r in run.results]
            for name in ("net_profit", "bad_debt_losses", "sales", "dso", "blocked_orders", "orders")
        },
        "monthly": _monthly(run),
    }


def frontier(runs: Sequence[tuple[str, PolicyRun]]) -> list[dict[str, Any]]:
    """One point per risk appetite: the share of demand sold against the loss rate."""
    points = []
    for appetite, run in runs:
        points.append(
            {
                "appetite": appetite,
                "sales_captured": band([r.totals["sales_captured"] for r in run.results]),
                "loss_rate": band([r.totals["loss_rate"] for r in run.results]),
                "net_profit": band([r.totals["net_profit"] for r in run.results]),
            }
        )
    return points
