"""The nightly batch at scale: python -m bench.batch [--customers 10000,100000,1000000] [--engines local,spark]

For each size: writes the generated book straight to the batch's Parquet inputs (`demo --parquet`,
kept under ``--dir`` and reused when it is already there), then runs `creditdesk batch run
--inputs ... --no-load` on each engine in a process of its own and reads its run record: each
stage's time and rows, the peak memory of the run's whole process tree, and the wall time. Prints
one JSON line per run, then the scaling exponent of each engine's wall time (time ∝ customers^k,
fitted on the sizes run).
"""

from __future__ import annotations

import argparse
import json
import math
import os
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


def exponent(points: list[tuple[int, float]]) -> float | None:
    """The slope of log(time) on log(customers), by least squares."""
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    return round(slope, 3)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", default="10000,100000,1000000", help="comma-separated sizes")
    parser.add_argument("--engines", default="local,spark")
    parser.add_argument("--workers", type=int, default=None, help="the local engine's (default: the cores)")
    parser.add_argument("--dir", type=Path, default=Path("var/bench-batch"), help="books and runs (kept)")
    args = parser.parse_args(argv)
    base = args.dir.resolve()
    base.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CREDITDESK_DATABASE_URL": f"sqlite:///{base / 'jobs.db'}", "CREDITDESK_VAR_DIR": str(base)}
    _creditdesk("db", "upgrade", env=env)  # the job table keeps each run's record
    results = []
    for size in (int(n) for n in args.customers.split(",")):
        book = base / f"book-{size}"
        print(json.dumps({"book": _book(book, size, env)}), flush=True)
        for engine in args.engines.split(","):
            found = _run(book, base / f"run-{size}-{engine}-{int(time.time())}", engine, args.workers, env)
            print(json.dumps(found), flush=True)
            results.append(found)
    for engine in args.engines.split(","):
        curve = [(r["customers"], r["wall_seconds"]) for r in results if r["engine"] == engine]
        print(json.dumps({"engine": engine, "scaling_exponent": exponent(curve), "points": curve}), flush=True)
    return results


if __name__ == "__main__":
    main()
