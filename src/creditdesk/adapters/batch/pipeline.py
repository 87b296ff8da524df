"""A batch run end to end: export, bucket, compute on an engine, summarise; and its loading back.

A run lives in one folder: ``inputs/`` (the Parquet export, or a data lake's files of the same
shape), ``work/`` (the buckets, scratch), ``outputs/<name>/`` (features, scores, limits,
proposals, the reports' parts, the customers' expected losses, timings: Parquet),
``outputs/reports.json`` (the receivables reports) and ``run.json`` (what ran, each stage's
time, rows and the peak memory). Loading it into the database is a separate step, once per run id.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pandas as pd
import pyarrow.parquet as pq

from creditdesk.adapters.batch.buckets import assign_buckets, default_buckets
from creditdesk.adapters.batch.drift import write_drift
from creditdesk.adapters.batch.exchange import Manifest
from creditdesk.adapters.batch.local_engine import in_database_order
from creditdesk.adapters.batch.memory import PeakMemory
from creditdesk.adapters.batch.reports import write_reports
from creditdesk.adapters.batch.stages import STAGES, BatchContext
from creditdesk.risk.features.bureau import latest_reports, score_reference

ENGINES = ("local", "spark")
Progress = Callable[[str, str], None]  # (stage, what is done)


@dataclass
class StageRecord:
    name: str
    seconds: float
    rows: int


@dataclass
class BatchRun:
    run_id: str
    as_of: str
    engine: str
    master: str | None
    buckets: int
    workers: int
    customers: int
    policy_version: int | None
    stages: list[StageRecord] = field(default_factory=list)
    peak_rss_mib: float = 0.0
    grades: dict[str, int] = field(default_factory=dict)
    proposals_by_rule: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def _timed(run: BatchRun, name: str) -> Iterator[dict[str, int]]:
    counted = {"rows": 0}
    started = time.perf_counter()
    yield counted
    run.stages.append(StageRecord(name, time.perf_counter() - started, counted["rows"]))


def read_output(folder: Path, name: str) -> pd.DataFrame:
    return pq.read_table(folder / "outputs" / name).to_pandas()


def compute(
    folder: Path,
    *,
    engine: str = "local",
    master: str | None = None,
    buckets: int | None = None,
    workers: int = 1,
    run_id: str | None = None,
    progress: Progress | None = None,
    cash: bool = True,
) -> BatchRun:
    """Run every stage on the inputs in ``folder/inputs`` with ``engine`` (the local engine's
    buckets ``workers`` at a time); the outputs and the run record go to ``folder``."""
    with PeakMemory() as peak:
        run = _compute(folder, engine, master, buckets, workers, run_id, progress, cash)
    run.peak_rss_mib = round(peak.mib, 1)
    (folder / "run.json").write_text(json.dumps(run.as_json(), indent=2), encoding="utf-8")
    return run


def _compute(
    folder: Path,
    engine: str,
    master: str | None,
    buckets: int | None,
    workers: int,
    run_id: str | None,
    progress: Progress | None,
    cash: bool,
) -> BatchRun:
    if engine not in ENGINES:
        raise ValueError(f"the engine is one of {', '.join(ENGINES)}; got {engine!r}")
    say = progress or (lambda _stage, _done: None)
    inputs, work, outputs = folder / "inputs", folder / "work", folder / "outputs"
    manifest = Manifest.read(inputs)
    work.mkdir(parents=True, exist_ok=True)
    customers = pq.read_table(inputs / "customers.parquet").to_pandas()
    count = buckets or default_buckets(engine, len(customers), workers)
    run = BatchRun(
        run_id or f"batch-{manifest.as_of:%Y%m%d}-{uuid4().hex[:8]}",
        manifest.as_of.isoformat(),
        engine,
        master,
        count,
        workers if engine == "local" else 0,
        len(customers),
        manifest.policy_version,
    )
    with _timed(run, "buckets") as counted:
        versions = in_database_order(pq.read_table(inputs / "versions.parquet").to_pandas())
        groups = in_database_order(pq.read_table(inputs / "groups.parquet").to_pandas())
        assignment = assign_buckets(in_database_order(customers), versions, groups, manifest.as_of, count)
        assignment.to_parquet(work / "buckets.parquet", index=False)
        counted["rows"] = len(assignment)
        reports = pq.read_table(inputs / "reports.parquet", columns=["customer_id", "provider", "report_date", "score"])
        bureau_scores = score_reference(latest_reports(reports.to_pandas(), manifest.as_of))
    del customers, versions, groups, assignment, reports
    context = BatchContext(
        manifest.as_of, manifest.limit_policy(), manifest.champion, manifest.champion_path, datetime.now(UTC)
    )
    if engine == "local":
        from creditdesk.adapters.batch import local_engine

        with _timed(run, "partition") as counted:
            counted["rows"] = local_engine.partition(inputs, work, lambda name: say("partition", name))
        with _timed(run, "compute"):
            local_engine.run(inputs, work, outputs, count, context, bureau_scores, say, workers)
    else:
        from creditdesk.adapters.batch import spark_engine

        with _timed(run, "compute"):
            spark_engine.run(inputs, work / "buckets.parquet", outputs, count, context, bureau_scores, master, say)
    shutil.rmtree(outputs / "unranked", ignore_errors=True)  # the first pass's, ranked into scores
    with _timed(run, "reports") as counted:  # the buckets' parts of the reports, added up
        counted["rows"] = write_reports(folder, manifest.as_of, context.policy.lgd)
    with _timed(run, "drift") as counted:  # the champion's, from the features just computed
        counted["rows"] = write_drift(folder, manifest.as_of, context.champion, context.champion_path)
    if cash:
        with _timed(run, "cash") as counted:  # the forecast, on the ledger or a sample of its customers
            from creditdesk.adapters.batch.cash import write_cash

            counted["rows"] = write_cash(folder, manifest.as_of)
    timings = read_output(folder, "timings")
    for stage in STAGES:  # each bucket's stage time, summed over the buckets (CPU time on a cluster)
        part = timings.loc[timings["stage"] == stage]
        run.stages.append(StageRecord(stage, float(part["seconds"].sum()), int(part["rows"].sum())))
    scores = read_output(folder, "scores")
    run.grades = {str(g): int(n) for g, n in scores["grade"].value_counts().sort_index().items()}
    changes = read_output(folder, "proposals")["changes"]
    rules = [change["rule"] for text in changes for change in json.loads(text)]
    run.proposals_by_rule = dict(sorted(pd.Series(rules, dtype=object).value_counts().items()))
    return run
