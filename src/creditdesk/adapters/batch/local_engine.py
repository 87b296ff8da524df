"""The batch on one machine: DuckDB buckets the input files, then worker processes compute the buckets.

DuckDB rather than Polars: bucketing 50 million invoices is a join of every input file with
the customers' buckets, written back partitioned, and DuckDB's joins and its partitioned
Parquet writer spill to disk under a memory limit (out of core), where Polars' streaming
engine does not yet cover partitioned writes with a join. After it, a bucket's tables are
about a million rows: pandas in memory, the online path's own code, a worker process a core.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from creditdesk.adapters.batch.exchange import ROW, SHARED
from creditdesk.adapters.batch.stages import OUTPUTS, BatchContext, as_arrow, first_pass, second_pass
from creditdesk.risk.features.bureau import ScoreReference
from creditdesk.service.scoring import PortfolioFigures

BUCKET = "bucket"
MEMORY_LIMIT = "4GB"  # DuckDB's own; it spills past it
OMP_THREADS = "OMP_NUM_THREADS"


def input_names(inputs: Path) -> list[str]:
    return sorted(path.stem for path in inputs.glob("*.parquet") if path.stem != "buckets")


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def partition(inputs: Path, work: Path, progress: Callable[[str], None]) -> int:
    """Each input file's rows written again under ``work/parts/<name>/bucket=<k>/`` by the
    buckets in ``work/buckets.parquet`` (the shared files stay whole); the rows written."""
    parts, spill = work / "parts", work / "spill"
    spill.mkdir(parents=True, exist_ok=True)
    parts.mkdir(parents=True, exist_ok=True)
    assignment = _sql_path(work / "buckets.parquet")
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "threads": 2, "temp_directory": str(spill)})
    written = 0
    try:
        for name in input_names(inputs):
            if name in SHARED:
                continue
            source, target = _sql_path(inputs / f"{name}.parquet"), _sql_path(parts / name)
            found = con.execute(
                f"COPY (SELECT t.*, b.{BUCKET} FROM read_parquet('{source}') t "
                f"JOIN read_parquet('{assignment}') b USING (customer_id)) "
                f"TO '{target}' (FORMAT parquet, PARTITION_BY ({BUCKET}), OVERWRITE_OR_IGNORE)"
            ).fetchone()
            written += int(found[0]) if found else 0
            progress(name)
    finally:
        con.close()
    return written


def in_database_order(frame: pd.DataFrame) -> pd.DataFrame:
    """A bucket's rows in the order the database gave them, without the batch's own columns."""
    if ROW in frame.columns:
        frame = frame.sort_values(ROW, kind="stable")
    return frame.drop(columns=[ROW, BUCKET], errors="ignore").reset_index(drop=True)


def read_bucket(inputs: Path, parts: Path, bucket: int, names: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """The bucket's rows of every input (or of ``names``), in the database's order."""
    frames = {}
    for name in names or input_names(inputs):
        if name in SHARED:
            table = pq.read_table(inputs / f"{name}.parquet")
        else:
            folder = parts / name / f"{BUCKET}={bucket}"
            table = (
                pq.read_table(folder) if folder.exists() else pq.read_schema(inputs / f"{name}.parquet").empty_table()
            )
        frames[name] = in_database_order(table.to_pandas())
    return frames


def _write(outputs: Path, found: dict[str, pd.DataFrame], bucket: int, step: str) -> None:
    for name, frame in found.items():
        pq.write_table(as_arrow(name, frame), outputs / name / f"part-{bucket:05d}-{step}.parquet")


def _first(
    inputs: Path, parts: Path, outputs: Path, context: BatchContext, scores: ScoreReference, bucket: int
) -> None:
    _write(outputs, first_pass(bucket, read_bucket(inputs, parts, bucket), context, scores), bucket, "a")


def _second(
    inputs: Path, parts: Path, outputs: Path, context: BatchContext, portfolio: PortfolioFigures, bucket: int
) -> None:
    unranked = pq.read_table(outputs / "unranked" / f"part-{bucket:05d}-a.parquet").to_pandas()
    reports = read_bucket(inputs, parts, bucket, ["reports"])["reports"]
    _write(outputs, second_pass(bucket, reports, unranked, context, portfolio), bucket, "b")


def _largest_first(work: Path, buckets: int) -> list[int]:
    """The buckets by their customers, most first: the last to finish is a small one, so the
    workers end together (a whole group makes some buckets larger than others)."""
    assigned = pq.read_table(work / "buckets.parquet", columns=[BUCKET]).column(BUCKET).to_numpy()
    sizes = np.bincount(assigned, minlength=buckets)
    return [int(b) for b in np.argsort(-sizes, kind="stable")]


def _each_bucket(
    work: Callable[[int], None],
    order: list[int],
    pool: ProcessPoolExecutor | None,
    progress: Callable[[str, str], None],
    step: str,
) -> None:
    """Every bucket through ``work`` in ``order``, in ``pool``'s processes when there is one (a
    bucket is pandas and Python: a core each), each bucket's outputs written by its worker."""
    if pool is None:
        for bucket in order:
            work(bucket)
            progress(step, str(bucket))
        return
    running = {pool.submit(work, bucket): bucket for bucket in order}
    for done in as_completed(running):
        done.result()  # a worker's error stops the run, with its traceback
        progress(step, str(running[done]))


def _pool(workers: int, buckets: int) -> ProcessPoolExecutor | None:
    if workers <= 1 or buckets <= 1:
        return None
    # Spawned, not forked: a process that has run the models holds OpenMP's and other threads'
    # locks (the worker's earlier jobs, a test), and a forked child can wait on them for ever.
    return ProcessPoolExecutor(max_workers=min(workers, buckets), mp_context=mp.get_context("spawn"))


@contextmanager
def _one_thread_per_worker(pool: ProcessPoolExecutor | None) -> Iterator[None]:
    """The workers' OpenMP (the booster's reasons) on one thread each: the buckets already keep
    every core busy, and threads on top of them only contend. Read by each worker as it starts."""
    if pool is None:
        yield
        return
    before = os.environ.get(OMP_THREADS)
    os.environ[OMP_THREADS] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(OMP_THREADS, None)
        else:
            os.environ[OMP_THREADS] = before


def run(
    inputs: Path,
    work: Path,
    outputs: Path,
    buckets: int,
    context: BatchContext,
    bureau_scores: ScoreReference,
    progress: Callable[[str, str], None],
    workers: int = 1,
) -> None:
    """Compute every partitioned bucket in two passes (the second, a light one, ranks the bureaus'
    views among the whole portfolio's PDs from the first), ``workers`` buckets at a time; the
    outputs go to ``outputs/<name>/``."""
    parts = work / "parts"
    for name in OUTPUTS:
        (outputs / name).mkdir(parents=True, exist_ok=True)
    order = _largest_first(work, buckets)
    pool = _pool(workers, buckets)
    try:
        with _one_thread_per_worker(pool):
            first = partial(_first, inputs, parts, outputs, context, bureau_scores)
            _each_bucket(first, order, pool, progress, "pass 1")
            pds = np.sort(pq.read_table(outputs / "pds").column("pd").to_numpy())
            second = partial(_second, inputs, parts, outputs, context, PortfolioFigures(bureau_scores, pds))
            _each_bucket(second, order, pool, progress, "pass 2")
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
