"""A credit file as a risk analyst gets it: text categories, numbers, gaps and protected attributes.

One row per applicant: 13 text columns (account status, history, purpose, savings, employment…,
two of them protected: personal status and sex, and foreign worker), 7 numeric columns (age is
protected too), a few empty cells, and ``bad`` (1 = the credit went bad) at about the requested
bad rate. The risk behind the label is a logistic model of the columns with one interaction and
noise; its weights are this module's own, chosen to make a plausible file, not fitted to any
public data set. ``python -m creditdesk.demo.credit_file OUT.csv [--rows N --seed S]`` writes one.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

#: column -> (categories, their shares, their effect on the log-odds of going bad)
TEXT_COLUMNS: dict[str, tuple[list[str], list[float], list[float]]] = {
    "checking_account": (
        ["< 0", "0 to < 200", ">= 200", "no checking account"],
        [0.27, 0.27, 0.07, 0.39],
        [1.15, 0.55, -0.1, -1.05],
    ),
    "credit_history": (
        [
            "no credits taken",
            "all paid back duly",
            "existing paid back duly",
            "delayed in the past",
            "critical account",
        ],
        [0.04, 0.05, 0.53, 0.09, 0.29],
        [1.0, 0.85, 0.1, 0.05, -0.65],
    ),
    "purpose": (
        [
            "car (new)",
            "car (used)",
            "furniture",
            "radio / television",
            "domestic appliances",
            "repairs",
            "education",
            "retraining",
            "business",
            "others",
        ],
        [0.23, 0.10, 0.18, 0.28, 0.012, 0.022, 0.05, 0.009, 0.097, 0.02],
        [0.35, -0.7, 0.05, -0.25, 0.1, 0.3, 0.55, -0.8, 0.15, 0.2],
    ),
    "savings": (
        ["< 100", "100 to < 500", "500 to < 1000", ">= 1000", "unknown / none"],
        [0.60, 0.10, 0.06, 0.05, 0.19],
        [0.3, 0.2, -0.35, -0.6, -0.45],
    ),
    "employment_since": (
        ["unemployed", "< 1 year", "1 to < 4 years", "4 to < 7 years", ">= 7 years"],
        [0.06, 0.17, 0.34, 0.17, 0.26],
        [0.2, 0.35, 0.05, -0.35, -0.15],
    ),
    "personal_status_sex": (
        ["male: divorced / separated", "female: divorced / separated / married", "male: single", "male: married"],
        [0.05, 0.31, 0.55, 0.09],
        [0.2, 0.1, -0.1, 0.0],
    ),
    "other_debtors": (["none", "co-applicant", "guarantor"], [0.91, 0.04, 0.05], [0.0, 0.3, -0.5]),
    "property": (
        ["real estate", "savings agreement / life insurance", "car or other", "unknown / none"],
        [0.28, 0.23, 0.33, 0.16],
        [-0.35, 0.0, 0.05, 0.45],
    ),
    "other_installment_plans": (["bank", "stores", "none"], [0.14, 0.05, 0.81], [0.4, 0.35, -0.1]),
    "housing": (["rent", "own", "for free"], [0.18, 0.71, 0.11], [0.3, -0.15, 0.3]),
    "job": (
        ["unskilled, non-resident", "unskilled, resident", "skilled employee", "management / self-employed"],
        [0.02, 0.20, 0.63, 0.15],
        [0.1, 0.0, 0.0, 0.1],
    ),
    "telephone": (["none", "yes, registered"], [0.60, 0.40], [0.05, -0.1]),
    "foreign_worker": (["yes", "no"], [0.963, 0.037], [0.05, -1.2]),
}
NUMERIC_COLUMNS = (
    "duration_months",
    "credit_amount",
    "installment_rate",
    "residence_since",
    "age",
    "existing_credits",
    "dependents",
)
#: The protected attributes among the columns (left out by the model commands by default).
PROTECTED = ("personal_status_sex", "foreign_worker", "age")
#: Columns left empty in this share of rows: what a real file has.
GAPS = {"savings": 0.03, "employment_since": 0.02, "credit_amount": 0.01, "telephone": 0.02}


def credit_file(rows: int = 1000, bad_rate: float = 0.30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(index=range(rows))
    risk = np.zeros(rows)
    for name, (labels, shares, effects) in TEXT_COLUMNS.items():
        chosen = rng.choice(len(labels), size=rows, p=np.asarray(shares) / sum(shares))
        frame[name] = np.asarray(labels, dtype=object)[chosen]
        risk += np.asarray(effects)[chosen]
    duration = np.clip(np.round(rng.gamma(3.0, 7.0, rows) / 3) * 3, 4, 72).astype(int)
    amount = np.round(np.exp(rng.normal(7.9, 0.75, rows)) + duration * 25)
    rate = rng.choice([1, 2, 3, 4], size=rows, p=[0.14, 0.23, 0.16, 0.47])
    age = np.clip(np.round(19 + rng.gamma(2.2, 7.5, rows)), 19, 75).astype(int)
    frame["duration_months"] = duration
    frame["credit_amount"] = amount
    frame["installment_rate"] = rate
    frame["residence_since"] = rng.choice([1, 2, 3, 4], size=rows, p=[0.13, 0.31, 0.15, 0.41])
    frame["age"] = age
    frame["existing_credits"] = rng.choice([1, 2, 3, 4], size=rows, p=[0.63, 0.33, 0.03, 0.01])
    frame["dependents"] = rng.choice([1, 2], size=rows, p=[0.85, 0.15])
    risk += 0.035 * (duration - 20) + 0.18 * (rate - 2.5) - 0.012 * (age - 35)
    risk += 0.35 * np.abs(np.log(amount) - 7.9)
    # One interaction a tree finds and an additive model cannot: a long credit without savings.
    risk += 0.5 * ((duration > 30) & (frame["savings"] == "< 100")).to_numpy()
    risk += rng.normal(0.0, 0.6, rows)
    intercept = _intercept_for(risk, bad_rate)
    frame["bad"] = (rng.random(rows) < 1 / (1 + np.exp(-(risk + intercept)))).astype(int)
    for name, share in GAPS.items():
        frame[name] = frame[name].where(rng.random(rows) >= share)
    return frame


def _intercept_for(risk: np.ndarray, bad_rate: float) -> float:
    """The shift that makes the mean probability of going bad equal ``bad_rate`` (bisection)."""
    low, high = -20.0, 20.0
    for _ in range(60):
        middle = (low + high) / 2
        if np.mean(1 / (1 + np.exp(-(risk + middle)))) < bad_rate:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bad-rate", type=float, default=0.30)
    args = parser.parse_args(argv)
    credit_file(args.rows, args.bad_rate, args.seed).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
