"""The nightly batch at scale: python -m bench.batch [--customers 10000,100000,1000000] [--engines local,spark]

For each size: writes the generated book straight to the batch's Parquet inputs (`demo --parquet`,
kept under ``--dir`` and reused when it is already there), then runs `creditdesk batch run
--inputs ... --no-load` on each engine in a process of its own and reads its run record: each
stage's time and rows, the peak memory of the run's whole process tree, and the wall time. Prints
one JSON line per run, then how the engines' answers at each size differ (when both ran) and the
scaling exponent of each engine's wall time (time ∝ customers^k, fitted on the sizes run).
``--compare RUN RUN`` compares two run folders kept from before.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

AS_OF = "2026-10-31"


def _creditdesk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "creditdesk", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True)


def _book(folder: Path, customers: int, env: dict[str, str]) -> dict[str, Any]:
    if (folder / "manifest.json").is_file():
        return {"customers": customers, "generated": "reused", "folder": str(folder)}
    started = time.perf_counter()
    done = _creditdesk(
        "demo", "--customers", str(customers), "--as-of", AS_OF, "--parquet", str(folder), "--json", env=env
    )
    written = json.loads(done.stdout)
    return {**written, "customers": customers, "generated_seconds": round(time.perf_counter() - started, 1)}


def _run(book: Path, run: Path, engine: str, workers: int | None, env: dict[str, str]) -> dict[str, Any]:
    args = ["batch", "run", "--as-of", AS_OF, "--inputs", str(book), "--dir", str(run), "--engine", engine]
    args += ["--no-load", "--json"]
    if engine == "spark":
        args += ["--master", "local[2]"]
    elif workers:
        args += ["--workers", str(workers)]
    started = time.perf_counter()
    record = json.loads(_creditdesk(*args, env=env).stdout)
    wall = time.perf_counter() - started
    return {
        "customers": record["customers"],
        "engine": engine,
        "buckets": record["buckets"],
        "workers": record["workers"],
        "wall_seconds": round(wall, 1),
        "peak_rss_mib": record["peak_rss_mib"],
        "stages": {s["name"]: {"seconds": round(s["seconds"], 1), "rows": s["rows"]} for s in record["stages"]},
    }


#: What is compared of two runs' outputs: each column's values, customer by customer.
_COMPARED = {
    "scores": ["grade", "score", "reasons", "bureau", "review_flag"],
    "limits": ["recommended_minor", "formula", "grade", "working"],
    "proposals": ["status", "limit_minor", "changes"],
}


def compare(first: Path, second: Path) -> dict[str, Any]:
    """How two runs' answers differ: per output column, the customers whose values differ; the
    largest difference of the PD, and the largest relative one of any feature."""
    import numpy as np
    import pyarrow.parquet as pq

    def read(run: Path, name: str) -> Any:
        return pq.read_table(run / "outputs" / name).to_pandas().set_index("customer_id").sort_index()

    found: dict[str, Any] = {"runs": [first.name, second.name]}
    for name, columns in _COMPARED.items():
        a, b = read(first, name), read(second, name)
        if not a.index.equals(b.index):
            found[name] = "other customers"
            continue
        found[name] = {c: int((a[c].astype(str) != b[c].astype(str)).sum()) for c in columns}
    a, b = read(first, "scores"), read(second, "scores")
    found["pd_max_abs_difference"] = float(np.abs(a["pd"] - b["pd"]).max())
    a, b = read(first, "features"), read(second, "features")
    numbers = [c for c in a.columns if a[c].dtype.kind == "f"]
    x, y = a[numbers].to_numpy(), b[numbers].to_numpy()
    found["features_missing_apart"] = int((np.isnan(x) != np.isnan(y)).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.abs(x - y) / np.maximum(np.abs(x), np.finfo(float).tiny)
    found["features_max_relative_difference"] = float(np.nanmax(relative)) if relative.size else 0.0
    return found


def exponent(points: list[tuple[int, float]]) -> float | None:
    """The slope of log(time) on log(customers), by least squares."""
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    return round(slope, 3)


def _drop_older_runs(base: Path, size: int, engine: str, keep: Path) -> None:
    """Keep only the newest run of a size and engine: a million customers' run is ~2.7 GB, and kept
    runs once filled this machine's disk."""
    for older in base.glob(f"run-{size}-{engine}-*"):
        if older != keep and older.is_dir():
            shutil.rmtree(older)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", default="10000,100000,1000000", help="comma-separated sizes")
    parser.add_argument("--engines", default="local,spark")
    parser.add_argument("--workers", type=int, default=None, help="the local engine's (default: the cores)")
    parser.add_argument(
        "--dir", type=Path, default=Path("var/bench-batch"), help="books, and the newest run of each size and engine"
    )
    parser.add_argument("--compare", nargs=2, type=Path, metavar="RUN", help="only compare two kept run folders")
    args = parser.parse_args(argv)
    if args.compare:
        print(json.dumps(compare(*args.compare)), flush=True)
        return []
    base = args.dir.resolve()
    base.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CREDITDESK_DATABASE_URL": f"sqlite:///{base / 'jobs.db'}", "CREDITDESK_VAR_DIR": str(base)}
    _creditdesk("db", "upgrade", env=env)  # the job table keeps each run's record
    results = []
    for size in (int(n) for n in args.customers.split(",")):
        book = base / f"book-{size}"
        print(json.dumps({"book": _book(book, size, env)}), flush=True)
        runs = []
        for engine in args.engines.split(","):
            run = base / f"run-{size}-{engine}-{int(time.time())}"
            found = _run(book, run, engine, args.workers, env)
            _drop_older_runs(base, size, engine, keep=run)
            print(json.dumps(found), flush=True)
            results.append(found)
            runs.append(run)
        if len(runs) == 2:
            print(json.dumps({"customers": size, "engines_compared": compare(*runs)}), flush=True)
    for engine in args.engines.split(","):
        curve = [(r["customers"], r["wall_seconds"]) for r in results if r["engine"] == engine]
        print(json.dumps({"engine": engine, "scaling_exponent": exponent(curve), "points": curve}), flush=True)
    return results


if __name__ == "__main__":
    main()
