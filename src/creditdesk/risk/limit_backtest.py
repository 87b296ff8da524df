"""A score-based limit policy against the limits a lender actually granted, on real accounts.

Built for the Taiwan credit-card data (UCI 350): each account's real limit (``LIMIT_BAL``), six
months of bills and payments, and whether it defaulted the month after. The policy is the
shape of creditdesk's own: the smaller of the need (the peak bill of the six months times a
peak factor) and a risk budget (``budget / PD``: the limit whose expected loss stays within the
budget), with the PD from a model that never saw the account (out-of-fold) nor its limit.

What is measured, for a set of limits:
- exposure at default: the last bill of the accounts that defaulted, as far as the limit covers it;
- balances served: the last bill of the accounts that did not default, as far as the limit covers it;
- the limits granted in total (credit committed).
The last bill arose under the lender's limit, so a larger limit cannot show more borrowing than
happened: the comparison is fair to the lender where ours is tighter and silent where it is looser.
The risk budget is moved over a grid (the frontier) and found by bisection where the balances
served equal the lender's, so both are compared at the same service to good customers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from creditdesk.risk.boosting import BoostedPD
from creditdesk.risk.explain import fitting_without_reasons

BILLS = [f"BILL_AMT{k}" for k in range(1, 7)]
UNIT = 1000.0  # limits are set in thousands, as the bank's are


def out_of_fold_pd(X: pd.DataFrame, y: pd.Series, seed: int = 0, folds: int = 5) -> np.ndarray:
    """Each account's PD from a model fitted on the other folds."""
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    model = BoostedPD(n_estimators=200, learning_rate=0.05)
    with fitting_without_reasons():  # PDs, never reasons
        proba: np.ndarray = cross_val_predict(model, X, y, cv=cv, method="predict_proba")[:, 1]
    return proba


def policy_limits(need: np.ndarray, pd_: np.ndarray, budget: float) -> np.ndarray:
    """min(need, budget / PD), rounded down to the unit."""
    risk_budget = budget / np.clip(pd_, 1e-6, 1.0)
    limits: np.ndarray = np.floor(np.minimum(need, risk_budget) / UNIT) * UNIT
    return limits


def measure(limits: np.ndarray, balance: np.ndarray, defaulted: np.ndarray) -> dict[str, float]:
    covered = np.minimum(balance, limits)
    return {
        "exposure_at_default": float(covered[defaulted].sum()),
        "balances_served": float(covered[~defaulted].sum()),
        "limits_granted": float(limits.sum()),
    }


def taiwan_backtest(frame: pd.DataFrame, target: pd.Series, peak_factor: float = 1.2, seed: int = 0) -> dict[str, Any]:
    """``frame``: the 23 columns of the data set (LIMIT_BAL among them); ``target``: default next month."""
    defaulted = target.to_numpy(dtype=bool)
    pd_ = out_of_fold_pd(frame.drop(columns=["LIMIT_BAL"]), target, seed)
    balance = frame["BILL_AMT1"].clip(lower=0).to_numpy(dtype=float)
    need = peak_factor * frame[BILLS].clip(lower=0).max(axis=1).to_numpy(dtype=float)
    bank = measure(frame["LIMIT_BAL"].to_numpy(dtype=float), balance, defaulted)

    def served(budget: float) -> float:
        return measure(policy_limits(need, pd_, budget), balance, defaulted)["balances_served"]

    # Bisection on the budget (log scale): served balances rise with it.
    low, high = 1.0, 1e9
    if served(high) < bank["balances_served"]:
        raise ValueError("even limits at the full need serve less than the bank's limits")
    for _ in range(60):
        mid = float(np.sqrt(low * high))
        low, high = (mid, high) if served(mid) < bank["balances_served"] else (low, mid)
    matched_budget = high
    ours = measure(policy_limits(need, pd_, matched_budget), balance, defaulted)
    frontier = []
    for share in (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0):
        point = measure(policy_limits(need, pd_, matched_budget * share), balance, defaulted)
        frontier.append(
            {
                "budget_scale": share,
                "served_share": point["balances_served"] / bank["balances_served"],
                "exposure_at_default_share": point["exposure_at_default"] / bank["exposure_at_default"],
            }
        )
    return {
        "accounts": len(frame),
        "defaults": int(defaulted.sum()),
        "bank": bank,
        "score_based": ours,
        "risk_budget": round(matched_budget, 2),
        "exposure_at_default_change": ours["exposure_at_default"] / bank["exposure_at_default"] - 1,
        "limits_granted_change": ours["limits_granted"] / bank["limits_granted"] - 1,
        "frontier": frontier,
    }
