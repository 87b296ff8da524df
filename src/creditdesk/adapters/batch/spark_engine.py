"""The batch on Spark: the same buckets and the same stages, spread over a cluster's executors.

Spark joins every input file with the customers' buckets and shuffles each bucket's rows of all
the inputs to one task (one long table tagged by input, ``groupBy(bucket).applyInPandas``); the
task unpacks them into the tables the online path reads and runs the domain's own Python
(`stages.first_pass`, `stages.second_pass`). The outputs travel back the same way, tagged by output, and are written as
Parquet. ``master`` is Spark's (``local[2]``, ``spark://host:7077``, ``yarn``); the inputs, the
outputs and the champion's artefact must be on storage every executor reads (docs/scale.md).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from creditdesk.adapters.batch.exchange import SHARED
from creditdesk.adapters.batch.local_engine import BUCKET, in_database_order, input_names
from creditdesk.adapters.batch.stages import OUTPUTS, BatchContext, as_arrow, first_pass, second_pass
from creditdesk.risk.features.bureau import ScoreReference
from creditdesk.service.scoring import PortfolioFigures

PART = "part"  # which input or output a row of the long table belongs to
LOCAL_MASTER = "local[2]"


def _column(part: str, name: str) -> str:
    return f"{part}__{name}"


def _spark_type(arrow: pa.DataType) -> Any:
    from pyspark.sql import types as st

    if pa.types.is_string(arrow):
        return st.StringType()
    if pa.types.is_integer(arrow):
        return st.LongType()
    if pa.types.is_floating(arrow):
        return st.DoubleType()
    if pa.types.is_boolean(arrow):
        return st.BooleanType()
    if pa.types.is_date(arrow):
        return st.DateType()
    if pa.types.is_timestamp(arrow):
        return st.TimestampType()
    raise TypeError(f"no Spark type for {arrow}")


def packed_schema() -> Any:
    """Every output's columns, each prefixed with its output's name, behind the part and bucket."""
    from pyspark.sql import types as st

    fields = [st.StructField(PART, st.StringType()), st.StructField(BUCKET, st.LongType())]
    for name, schema in OUTPUTS.items():
        fields += [st.StructField(_column(name, f.name), _spark_type(f.type)) for f in schema]
    return st.StructType(fields)


def unpack(long: pd.DataFrame, part: str, schema: pa.Schema) -> pd.DataFrame:
    """One input's rows of the long table, in the types a local read of its file gives."""
    rows = long.loc[long[PART] == part, [_column(part, name) for name in schema.names]]
    rows.columns = schema.names
    table = pa.Table.from_pandas(rows.reset_index(drop=True), schema=schema, preserve_index=False)
    return in_database_order(table.to_pandas())


def pack(bucket: int, found: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    parts = []
    for name, frame in found.items():
        table = as_arrow(name, frame).to_pandas()
        table.columns = [_column(name, c) for c in table.columns]
        parts.append(table.assign(**{PART: name, BUCKET: bucket}))
    # Every output's columns (a pass fills some), NumPy-backed: Spark's Arrow writer takes no
    # pandas string (Arrow-backed) column.
    every = [PART, BUCKET, *[_column(name, f.name) for name, schema in OUTPUTS.items() for f in schema]]
    return pd.concat(parts, ignore_index=True).reindex(columns=every).astype(object)


@contextmanager
def session(master: str | None, buckets: int) -> Iterator[Any]:
    from pyspark.sql import SparkSession

    # The workers run this Python, with creditdesk installed (on a cluster: set PYSPARK_PYTHON).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.appName("creditdesk-batch")
        .master(master or LOCAL_MASTER)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(max(buckets, 1)))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    try:
        yield spark
    finally:
        spark.stop()


def _long(spark: Any, files: dict[str, Path], schemas: dict[str, pa.Schema], owners: Any) -> Any:
    """One table of every input's rows, each tagged with its input and its customer's bucket."""
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention

    long = None
    for name, path in files.items():
        rows = spark.read.parquet(str(path)).join(owners, "customer_id")
        tagged = rows.select(
            F.col(BUCKET), F.lit(name).alias(PART), *[F.col(c).alias(_column(name, c)) for c in schemas[name].names]
        )
        long = tagged if long is None else long.unionByName(tagged, allowMissingColumns=True)
    return long


def _split(spark_out: Path, outputs: Path, step: str) -> None:
    """Each output's rows of the long result into ``outputs/<name>/``, in its declared types."""
    for name, schema in OUTPUTS.items():
        folder = spark_out / f"{PART}={name}"
        if not folder.exists():
            continue
        target = outputs / name
        target.mkdir(parents=True, exist_ok=True)
        table = pq.read_table(folder, columns=[_column(name, c) for c in schema.names])
        pq.write_table(table.rename_columns(schema.names).cast(schema), target / f"part-{step}.parquet")
    shutil.rmtree(spark_out)


def run(
    inputs: Path,
    assignment: Path,
    outputs: Path,
    buckets: int,
    context: BatchContext,
    bureau_scores: ScoreReference,
    master: str | None,
    progress: Callable[[str, str], None],
) -> None:
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention

    names = input_names(inputs)
    schemas = {name: pq.read_schema(inputs / f"{name}.parquet") for name in names}
    schemas["unranked"] = OUTPUTS["unranked"]
    shared = {name: in_database_order(pq.read_table(inputs / f"{name}.parquet").to_pandas()) for name in SHARED}
    files = {name: inputs / f"{name}.parquet" for name in names if name not in SHARED}

    def first(key: tuple[Any, ...], long: pd.DataFrame) -> pd.DataFrame:
        bucket = int(key[0])
        frames = {**{name: unpack(long, name, schemas[name]) for name in files}, **shared}
        return pack(bucket, first_pass(bucket, frames, context, bureau_scores))

    with session(master, buckets) as spark:
        owners = F.broadcast(spark.read.parquet(str(assignment)))
        result = _long(spark, files, schemas, owners).groupBy(BUCKET).applyInPandas(first, schema=packed_schema())
        result.write.mode("overwrite").partitionBy(PART).parquet(str(outputs / "_spark"))
        _split(outputs / "_spark", outputs, "a")
        progress("pass 1", "all")
        portfolio = PortfolioFigures(bureau_scores, np.sort(pq.read_table(outputs / "pds").column("pd").to_numpy()))

        def second(key: tuple[Any, ...], long: pd.DataFrame) -> pd.DataFrame:
            bucket = int(key[0])
            reports, unranked = (unpack(long, name, schemas[name]) for name in ("reports", "unranked"))
            return pack(bucket, second_pass(bucket, reports, unranked, context, portfolio))

        # Only the reports and the first pass's scores travel again: the second pass is light.
        ranking = {"reports": files["reports"], "unranked": outputs / "unranked"}
        result = _long(spark, ranking, schemas, owners).groupBy(BUCKET).applyInPandas(second, schema=packed_schema())
        result.write.mode("overwrite").partitionBy(PART).parquet(str(outputs / "_spark"))
        _split(outputs / "_spark", outputs, "b")
        progress("pass 2", "all")
