"""Scoring speed: python -m bench.scoring_speed [--customers N] [--rows N]

Fits the portfolio model that `creditdesk score` trains (segments × champion) on a generated
portfolio's training window, then scores a feature table of ``--rows`` customers (rows
resampled from the portfolio's own, so the features are realistic and already built) and
times: PD, score and grade for all rows, and reason codes for all rows. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from datetime import date

import numpy as np

from creditdesk.demo import make_portfolio, source_tables
from creditdesk.risk.explain import PointsScale
from creditdesk.risk.features.customer import customer_features, training_set
from creditdesk.risk.rating import grade_of
from creditdesk.service.scoring import portfolio_model

AS_OF = date(2026, 10, 31)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5_000, help="portfolio the model is trained on")
    parser.add_argument("--rows", type=int, default=1_000_000, help="customers scored")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    print(f"generating {args.customers:,} customers and fitting...", file=sys.stderr)
    tables = source_tables(make_portfolio(args.customers, 24, seed=11, as_of=AS_OF))
    X, y = training_set(tables, AS_OF)
    started = time.perf_counter()
    model = portfolio_model(min_defaults=10).fit(X, y)
    fit_seconds = time.perf_counter() - started
    today = customer_features(tables, AS_OF)
    rows = today.iloc[np.random.default_rng(0).integers(0, len(today), args.rows)].reset_index(drop=True)
    print(f"scoring {args.rows:,} customers...", file=sys.stderr)
    started = time.perf_counter()
    pd_ = model.predict_proba(rows)[:, 1]
    scores = PointsScale().score(pd_)
    grades = grade_of(pd_)
    score_seconds = time.perf_counter() - started
    started = time.perf_counter()
    reasons = model.reasons(rows, top=3)
    reason_seconds = time.perf_counter() - started
    assert len(scores) == len(grades) == len(reasons) == args.rows
    figures = {
        "customers_scored": args.rows,
        "training_rows": len(X),
        "training_defaults": int(y.sum()),
        "fit_seconds": round(fit_seconds, 1),
        "score_seconds": round(score_seconds, 2),
        "rows_per_second": round(args.rows / score_seconds),
        "reasons_seconds": round(reason_seconds, 2),
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
