"""The policy simulator's speed and its figures: python -m bench.simulation [--customers N] [--seeds K]
[--months M] [--db URL]; --customers 0 runs only the backtests.

Builds the demo portfolio (``creditdesk demo --customers N``, in a fresh SQLite database unless
``--db`` names one already built), then times `creditdesk simulate`:
1. each built-in policy alone, N customers × M months × K seeds, in parallel on every core (the
   portfolio loaded once, as `creditdesk simulate` loads it);
2. the four built-in policies and the frontier, as `creditdesk simulate` runs by default.
3. the backtests on real data (skipped without ../shared/datasets): score-based limits against the
   Taiwan bank's, and the IBM receivables of 2013 replayed under legacy, dynamic and score-based limits.
Prints one JSON line with the seconds and every policy's headline figures (mean, 5 %, 95 %).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.timed_cli import timed_cli
from creditdesk.bootstrap import bootstrap
from creditdesk.risk.datasets import datasets_dir, ibm_ledger, taiwan
from creditdesk.risk.limit_backtest import taiwan_backtest
from creditdesk.service.simulation import policies
from creditdesk.service.simulation.engine import Scenario
from creditdesk.service.simulation.portfolio import load_portfolio
from creditdesk.service.simulation.replay import replay_figures, replay_of, replay_policies
from creditdesk.service.simulation.runner import simulate

HEADLINE = ("net_profit", "sales", "bad_debt_losses", "dso", "blocked_orders", "good_customers_blocked")


def _figures(study: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"policy": p["policy"], **{k: p[k] for k in HEADLINE}} for p in study["policies"]]


def one_policy_seconds(db: str, seeds: int, months: int) -> dict[str, float]:
    services = bootstrap(db)
    portfolio, _ = load_portfolio(services.limit_inputs(), services.scoring_store(), date.today())
    timings = {}
    for policy in policies.builtins():
        started = time.perf_counter()
        simulate(portfolio, [(policy, range(1, seeds + 1))], Scenario(months=months))
        timings[policy.name] = round(time.perf_counter() - started, 1)
    return timings


def run(db: str, cwd: Path, seeds: int, months: int) -> dict[str, Any]:
    alone = one_policy_seconds(db, seeds, months)
    all_seconds, every = timed_cli(db, cwd, "simulate", "--seeds", str(seeds), "--months", str(months), "--json")
    return {
        "customers": every["customers"],
        "months": months,
        "seeds": seeds,
        "one_policy_seconds": alone,
        "built_in_comparison_with_frontier_seconds": round(all_seconds, 1),
        "policies": _figures(every),
        "frontier": every["frontier"]["points"],
    }


def backtests() -> dict[str, Any] | None:
    root = datasets_dir()
    if not root.exists():
        return None
    started = time.perf_counter()
    cards = taiwan(root)
    card_result = taiwan_backtest(cards.X, cards.y)
    card_seconds = time.perf_counter() - started
    invoices, allocations = ibm_ledger(root)
    replays = {}
    for months_of_sales in (2.0, 3.0):
        replay = replay_of(
            invoices, allocations, date(2013, 1, 1), 11, currency="USD", legacy_months_of_sales=months_of_sales
        )
        replays[f"legacy_limit_{months_of_sales:g}_months_of_sales"] = replay_figures(replay, replay_policies())
    return {"taiwan": {**card_result, "seconds": round(card_seconds, 1)}, "ibm_2013": replays}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--db", help="an already built demo database (skips building one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        db = args.db or f"sqlite:///{cwd / 'bench.db'}"
        build_seconds = None
        if args.db is None and args.customers > 0:
            build_seconds, _ = timed_cli(db, cwd, "demo", "--customers", str(args.customers), "--no-serve", "--json")
        figures = run(db, cwd, args.seeds, args.months) if args.customers > 0 else {}
    build = None if build_seconds is None else round(build_seconds, 1)
    print(json.dumps({"bench": "simulation", "demo_build_seconds": build, **figures, "backtests": backtests()}))


if __name__ == "__main__":
    main()
