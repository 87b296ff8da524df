"""The batch's input files: the tables as of a day, exported from the database to Parquet.

Each file is the rows of one of the queries the online path reads (`source_queries`, the limit
inputs' and the monitor's), by the same name, so the batch computes on exactly what the online
path sees. A user with a data lake may write these files from their own tables instead: the
columns and their types are the contract (`docs/scale.md`). Money stays in integer minor units
beside its currency, as in the database.

Rows stream from the database a chunk at a time, so the export's memory does not grow with the
book.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy import Engine, select

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.engine import reading
from creditdesk.adapters.db.limit_inputs import limit_customers_query, support_query
from creditdesk.adapters.db.receivables_data import adjustments_query, cover_query, revalued_query
from creditdesk.adapters.db.risk_data import source_queries
from creditdesk.adapters.db.snapshot_store import SqlSnapshotStore
from creditdesk.adapters.policy_file import parse_policy
from creditdesk.domain.limit_policy import LimitPolicy
from creditdesk.domain.limit_requests import RequestStatus
from creditdesk.service.snapshots import RECEIVABLES

CHUNK_ROWS = 100_000
MANIFEST = "manifest.json"
#: The tables every bucket reads whole (they have no customer of their own).
SHARED = ("groups",)


def _standing_queries() -> dict[str, Any]:
    """The limit requests and the rules' log as the monitor reads them (SqlLimitManagement)."""
    r, c = t.limit_requests, t.account_changes
    return {
        "pending": select(r.c.customer_id).where(r.c.status == RequestStatus.PENDING.value).distinct(),
        "rejections": select(r.c.customer_id, sa.func.max(r.c.decided_at).label("decided_at"))
        .where(r.c.status == RequestStatus.REJECTED.value)
        .group_by(r.c.customer_id),
        "downgrades": select(c.c.customer_id, sa.func.max(c.c.after).label("after"))
        .where(c.c.rule == "BUREAU_DOWNGRADE", c.c.field == "freeze")
        .group_by(c.c.customer_id),
    }


def export_queries(as_of: date) -> dict[str, Any]:
    """Every input of the batch by file name."""
    return {
        **source_queries(),
        "limit_customers": limit_customers_query(as_of),
        "support": support_query(as_of),
        "accounts": select(t.credit_accounts),
        **_standing_queries(),
        # What the receivables reports read beyond the scoring's tables (adapters/batch/reports.py).
        "adjustments": adjustments_query(),
        "cover": cover_query(as_of),
        "revalued": revalued_query(),
    }


def arrow_type(column_type: Any) -> pa.DataType:
    """The Parquet type of a database column: money and counts as 64-bit integers, dates as days."""
    if isinstance(column_type, sa.Boolean):
        return pa.bool_()
    if isinstance(column_type, sa.Integer):
        return pa.int64()
    if isinstance(column_type, sa.Float):
        return pa.float64()
    if isinstance(column_type, sa.Numeric):
        return pa.decimal128(18, column_type.scale or 6)
    if isinstance(column_type, sa.DateTime):
        return pa.timestamp("us", tz="UTC") if column_type.timezone else pa.timestamp("us")
    if isinstance(column_type, sa.Date):
        return pa.date32()
    return pa.string()


#: The row's place in the database's order: a bucket's rows are put back in it, so every
#: computation meets them in the order the online path does (ties break alike).
ROW = "_row"


def query_schema(query: Any) -> pa.Schema:
    fields = [pa.field(column.name, arrow_type(column.type)) for column in query.selected_columns]
    return pa.schema([*fields, pa.field(ROW, pa.int64())])


@dataclass(frozen=True)
class Manifest:
    """What a run's inputs are: the day, the limit policy and the champion they are judged by."""

    as_of: date
    policy_version: int | None
    policy_body: str | None  # the active policy document (None: the built-in defaults)
    champion: str
    champion_path: str
    rows: dict[str, int]
    # The receivables reports' data version as the export found it (None: a data lake's files).
    data_version: str | None = None

    def limit_policy(self) -> LimitPolicy:
        if self.policy_body is None:
            return LimitPolicy()
        return parse_policy(self.policy_body, self.policy_version or 0)[1]

    def write(self, folder: Path) -> None:
        body = {**asdict(self), "as_of": self.as_of.isoformat()}
        (folder / MANIFEST).write_text(json.dumps(body, indent=2, sort_keys=True), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        body = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return cls(**{**body, "as_of": date.fromisoformat(body["as_of"])})


def _write_query(conn: sa.Connection, query: Any, path: Path) -> int:
    schema = query_schema(query)
    rows = 0

    result = conn.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(query)
    with pq.ParquetWriter(path, schema) as writer:
        for chunk in result.partitions(CHUNK_ROWS):
            columns: list[Any] = [*zip(*chunk, strict=True), range(rows, rows + len(chunk))]
            writer.write_table(
                pa.table([pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)], schema)
            )
            rows += len(chunk)
        if rows == 0:
            writer.write_table(schema.empty_table())
    return rows


def export(
    engine: Engine,
    as_of: date,
    folder: Path,
    champion: tuple[str, str],
    progress: Callable[[str], None] | None = None,
) -> Manifest:
    """Write every input of the batch on ``as_of`` to ``folder`` (one Parquet file a query)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = {}
    p = t.check_policies
    version = SqlSnapshotStore(engine).data_version(RECEIVABLES)  # before the rows: a change meanwhile shows
    with reading(engine) as conn:
        active = conn.execute(select(p.c.version, p.c.body).order_by(p.c.version.desc()).limit(1)).first()
        for name, query in export_queries(as_of).items():
            rows[name] = _write_query(conn, query, folder / f"{name}.parquet")
            if progress is not None:
                progress(name)
    policy, body = (None, None) if active is None else (int(active.version), str(active.body))
    manifest = Manifest(as_of, policy, body, champion[0], champion[1], rows, version)
    manifest.write(folder)
    return manifest
