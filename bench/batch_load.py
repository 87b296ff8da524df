"""Loading a batch run's results: python -m bench.batch_load [--customers N] [--database sqlite|postgres]

Writes a run folder of N customers' scores and recommended limits (the batch's output files, with
the reasons' and the working's JSON at their usual length), imports the N customers into a fresh
database (a throwaway durable PostgreSQL with ``--database postgres``) and times
`adapters.batch.loading.load` (without applying proposals): COPY on PostgreSQL, prepared
statements on SQLite. To compare with another version of the loader, run this file with that
version's ``src`` first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from tests.support.model_rows import register_model_row

from bench.import_invoices import database_url
from creditdesk.adapters.batch import loading
from creditdesk.adapters.batch.stages import OUTPUTS, as_arrow
from creditdesk.adapters.db.migrate import upgrade
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import bootstrap

AS_OF = date(2026, 10, 31)
MODEL = "pd-bench"
REASONS = json.dumps([{"code": "days_beyond_terms", "points": -21.4}, {"code": "current_ratio", "points": -8.2}] * 2)
WORKING = json.dumps({"methods": {m: {"amount": "120000.00", "steps": ["x"] * 12} for m in "abcde"}})


def outputs(folder: Path, ids: list[str]) -> None:
    rng = np.random.default_rng(0)
    n = len(ids)
    pds = rng.uniform(0.001, 0.3, n)
    scores = pd.DataFrame(
        {
            "customer_id": ids,
            "as_of": [AS_OF] * n,
            "model_version": MODEL,
            "role": "champion",
            "pd": pds,
            "score": rng.integers(300, 850, n),
            "grade": rng.integers(1, 11, n),
            "segment": "established",
            "reasons": REASONS,
            "bureau": "[]",
            "review_flag": False,
            "scored_at": datetime(2026, 10, 31, 23, 0, tzinfo=UTC),
        }
    )
    limits = pd.DataFrame(
        {
            "customer_id": ids,
            "currency": "EUR",
            "grade": scores["grade"],
            "pd": pds,
            "segment": None,
            "current_limit_minor": 10_000_000,
            "recommended_minor": rng.integers(0, 50_000_000, n),
            "formula": "min(capacity, budget)",
            "working": WORKING,
        }
    )
    frames = {"scores": scores, "limits": limits, "proposals": pd.DataFrame(columns=OUTPUTS["proposals"].names)}
    for name, frame in frames.items():
        (folder / "outputs" / name).mkdir(parents=True)
        pq.write_table(as_arrow(name, frame), folder / "outputs" / name / "part-00000-a.parquet")
    record = {"run_id": "batch-bench", "as_of": AS_OF.isoformat(), "engine": "local", "stages": [], "grades": {}}
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--database", default="postgres", help="sqlite, postgres (a throwaway server) or a URL")
    args = parser.parse_args(argv)
    ids = [f"C{i:07d}" for i in range(args.customers)]
    with tempfile.TemporaryDirectory() as tmp, database_url(args.database, Path(tmp)) as url:
        folder = Path(tmp)
        outputs(folder / "run", ids)
        customers = folder / "customers.csv"
        customers.write_text(
            "customer_id,name,currency,credit_limit\n" + "".join(f"{c},Customer {c},EUR,100000\n" for c in ids)
        )
        services = bootstrap(url)
        upgrade(services.engine)
        assert import_file("customers", customers, services.engine, services.clock).ok
        register_model_row(services.engine, MODEL, AS_OF, datetime.now(UTC))
        started = time.perf_counter()
        loaded = loading.load(folder / "run", services.uow, services.clock, apply=False)
        seconds = time.perf_counter() - started
        services.engine.dispose()
    figures = {
        "benchmark": "batch_load",
        "database": args.database,
        "loader": loading.__file__,
        "customers": args.customers,
        "rows": loaded.scores + loaded.limits,
        "seconds": round(seconds, 1),
        "rows_per_s": round((loaded.scores + loaded.limits) / seconds),
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
