"""The batch on one machine: DuckDB buckets the input files, then each bucket runs in turn.

DuckDB rather than Polars: bucketing 50 million invoices is a join of every input file with
the customers' buckets, written back partitioned, and DuckDB's joins and its partitioned
Parquet writer spill to disk under a memory limit (out of core), where Polars' streaming
engine does not yet cover partitioned writes with a join. After it, a bucket's tables are a
few hundred thousand rows: pandas in memory, the online path's own code.
"""

from __future__ import annotations

from collections.abc import Callable
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


def input_names(inputs: Path) -> list[str]:
    return sorted(path.stem for path in inputs.glob("*.parquet") if path.stem != "buckets")


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def partition(inputs: Path, assignment: Path, parts: Path, work: Path, progress: Callable[[str], None]) -> None:
    """Each input file's rows written again under ``parts/<name>/bucket=<k>/`` (the shared ones stay)."""
    spill = work / "spill"
    spill.mkdir(parents=True, exist_ok=True)
    parts.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "threads": 2, "temp_directory": str(spill)})
    try:
        for name in input_names(inputs):
            if name in SHARED:
                continue
            source, target = _sql_path(inputs / f"{name}.parquet"), _sql_path(parts / name)
            con.execute(
                f"COPY (SELECT t.*, b.{BUCKET} FROM read_parquet('{source}') t "
                f"JOIN read_parquet('{_sql_path(assignment)}') b USING (customer_id)) "
                f"TO '{target}' (FORMAT parquet, PARTITION_BY ({BUCKET}), OVERWRITE_OR_IGNORE)"
            )
            progress(name)
    finally:
        con.close()


def in_database_order(frame: pd.DataFrame) -> pd.DataFrame:
    """A bucket's rows in the order the database gave them, without the batch's own columns."""
    if ROW in frame.columns:
        frame = frame.sort_values(ROW, kind="stable")
    return frame.drop(columns=[ROW, BUCKET], errors="ignore").reset_index(drop=True)


def read_bucket(inputs: Path, parts: Path, bucket: int) -> dict[str, pd.DataFrame]:
    frames = {}
    for name in input_names(inputs):
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


def run(
    inputs: Path,
    assignment: Path,
    work: Path,
    outputs: Path,
    buckets: int,
    context: BatchContext,
    bureau_scores: ScoreReference,
    progress: Callable[[str, str], None],
) -> None:
    """Bucket the inputs, then compute every bucket in two passes (the second ranks among the
    whole portfolio's PDs from the first); the outputs go to ``outputs/<name>/``."""
    parts = work / "parts"
    partition(inputs, assignment, parts, work, lambda name: progress("partition", name))
    for name in OUTPUTS:
        (outputs / name).mkdir(parents=True, exist_ok=True)
    for bucket in range(buckets):
        _write(outputs, first_pass(bucket, read_bucket(inputs, parts, bucket), context, bureau_scores), bucket, "a")
        progress("pass 1", str(bucket))
    portfolio = PortfolioFigures(bureau_scores, np.sort(pq.read_table(outputs / "pds").column("pd").to_numpy()))
    for bucket in range(buckets):
        features = pq.read_table(outputs / "features" / f"part-{bucket:05d}-a.parquet").to_pandas()
        found = second_pass(bucket, read_bucket(inputs, parts, bucket), features, context, portfolio)
        _write(outputs, found, bucket, "b")
        progress("pass 2", str(bucket))
