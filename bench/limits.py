"""Limit management speed: python -m bench.limits [--customers N] [--months M]

Builds a generated portfolio of ``--customers`` in a fresh SQLite database through the importers
(unscored, as a new installation is), then times, as a user runs them:
`creditdesk limits recommend --json` (a subprocess, output parsed), the daily
`creditdesk monitor --json`, `creditdesk limits apply --dry-run --json`, and the LP allocation
of a budget of half the recommended total. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bench.timed_cli import timed_cli
from creditdesk.adapters.clock import FixedClock
from creditdesk.adapters.db.migrate import upgrade
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import bootstrap
from creditdesk.demo import make_portfolio

AS_OF = date(2026, 10, 31)
KINDS = ("groups", "customers", "financials", "bureau", "credit_support", "invoices", "payments")


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=3, help="months of invoices and payments")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-limits-"))
    db = f"sqlite:///{folder / 'limits.db'}"
    services = bootstrap(db, clock=FixedClock(datetime(AS_OF.year, AS_OF.month, AS_OF.day, 12, tzinfo=UTC)))
    upgrade(services.engine)
    print(f"generating and importing {args.customers:,} customers...", file=sys.stderr)
    started = time.perf_counter()
    portfolio = make_portfolio(args.customers, args.months, seed=5, as_of=AS_OF)
    for kind in KINDS:
        path = folder / f"{kind}.csv"
        getattr(portfolio, kind).to_csv(path, index=False)
        report = import_file(kind, path, services.engine, services.clock, actor="bench")
        if not report.ok:
            raise SystemExit(f"{kind}: {report.errors[:3]}")
    load_seconds = time.perf_counter() - started
    day = AS_OF.isoformat()
    recommend_seconds, found = timed_cli(db, folder, "limits", "recommend", "--as-of", day, "--json")
    assert isinstance(found, list) and len(found) == args.customers
    total = sum(float(r["final"]["amount"]) for r in found)
    monitor_seconds, run = timed_cli(db, folder, "monitor", "--as-of", day, "--json")
    apply_seconds, planned = timed_cli(db, folder, "limits", "apply", "--dry-run", "--as-of", day, "--json")
    budget = f"{total / 2:.2f}"
    allocate_seconds, allocation = timed_cli(
        db,
        folder,
        "limits",
        "allocate",
        "--budget",
        budget,
        "--loss-budget",
        f"{total / 200:.2f}",
        "--as-of",
        day,
        "--json",
    )
    assert isinstance(run, dict) and isinstance(planned, dict) and isinstance(allocation, dict)
    figures: dict[str, object] = {
        "benchmark": "limits",
        "customers": args.customers,
        "months": args.months,
        "load_seconds": round(load_seconds, 1),
        "recommend_json_seconds": round(recommend_seconds, 2),
        "monitor_seconds": round(monitor_seconds, 2),
        "monitor_changes": run["changes"],
        "apply_dry_run_seconds": round(apply_seconds, 2),
        "allocate_seconds": round(allocate_seconds, 2),
        "allocated_customers": len(allocation["limits"]),  # type: ignore[arg-type]
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
