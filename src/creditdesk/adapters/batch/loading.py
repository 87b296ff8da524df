"""A batch run's results into the database: once per run id, in one transaction.

The scores join the score history (the same rows the online scoring writes), the recommended
limits go to ``batch_limits``, the receivables reports to the pages' report snapshots and the
overdue items to the collections worklist kept for the page (``kept_worklist``), with
the run's record, all in one transaction (COPY on PostgreSQL): a run is loaded whole or not at
all, and loading it again changes nothing. The monitor's proposals are then carried out by the
live service (`apply_proposals`): each account locked, checked to still stand as the batch saw
it, changed within the system's authority and audited, exactly as the online monitor does; only
the first load of a run applies them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine, insert, select, update

from creditdesk.adapters.batch.drift import read_drift
from creditdesk.adapters.batch.exchange import MANIFEST, Manifest
from creditdesk.adapters.batch.pipeline import read_output
from creditdesk.adapters.batch.power import power_rows, read_defaults
from creditdesk.adapters.batch.reports import SCHEMAS, read_reports, snapshot_body
from creditdesk.adapters.batch.stages import records
from creditdesk.adapters.db import kept_worklist
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.many_rows import insert_each
from creditdesk.adapters.db.snapshot_store import data_version_on, put_on
from creditdesk.adapters.db.uow import SqlUnitOfWork
from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.authority import SYSTEM
from creditdesk.domain.money import Money
from creditdesk.domain.monitoring import Change, Field, Rule
from creditdesk.service.monitor import MonitorRun, Proposal, apply_proposals
from creditdesk.service.ports import Clock, Snapshot
from creditdesk.service.snapshots import RECEIVABLES, View

CHUNK = 5_000


@dataclass(frozen=True)
class Loaded:
    run_id: str
    already: bool  # loaded before: nothing written this time
    scores: int
    limits: int
    monitor: MonitorRun | None

    def as_json(self) -> dict[str, Any]:
        applied = (
            None if self.monitor is None else {"changes": len(self.monitor.changes), "skipped": self.monitor.skipped}
        )
        return {
            "run_id": self.run_id,
            "already_loaded": self.already,
            "scores": self.scores,
            "limits": self.limits,
            "monitor": applied,
        }


def _rows(folder: Path, name: str) -> ds.Dataset:
    """An output's rows, read a chunk at a time when inserted."""
    return ds.dataset(folder / "outputs" / name, format="parquet")


def _insert(conn: Connection, table: Any, rows: ds.Dataset, run_id: str | None = None) -> None:
    """The rows (with the run's id, when given) in the run's transaction (COPY on PostgreSQL: a
    million scores in seconds), read and inserted a chunk at a time as Python values: an integer
    column with gaps stays integers and None (pandas would make it floats, which COPY refuses
    for an integer column), and only a chunk is ever held (a million limits' workings, read
    whole, took 4 GB; as Python objects, 6)."""
    for batch in rows.to_batches(batch_size=CHUNK):
        names, columns = batch.schema.names, [column.to_pylist() for column in batch.columns]
        if run_id is not None:
            names, columns = [*names, "run_id"], [*columns, [run_id] * batch.num_rows]
        insert_each(conn, table, names, list(zip(*columns, strict=True)))


def proposals_of(frame: pd.DataFrame) -> list[Proposal]:
    found = []
    for row in records(frame):
        changes = [
            Change(
                Rule(c["rule"]),
                Field(c["field"]),
                c["before"],
                c["after"],
                c["inputs"],
                c["en"],
                c["zh"],
                c["required_role"],
            )
            for c in json.loads(row["changes"])
        ]
        currency, grade = row["currency"], row["grade"]
        limit = Money.from_minor(int(row["limit_minor"]), currency).amount
        status = AccountStatus(row["status"])
        as_of = pd.Timestamp(row["as_of"]).date()
        grade = None if grade is None else int(grade)
        found.append(Proposal(row["customer_id"], currency, as_of, status, limit, grade, changes))
    return found


def _worklist(folder: Path) -> pa.Table | None:
    """The run's overdue items for the collections worklist (None from a run made before the
    batch kept them)."""
    path = folder / "outputs" / "worklist"
    return pq.read_table(path, schema=SCHEMAS["worklist"]) if path.exists() else None


def _loaded(conn: Connection, run_id: str) -> bool:
    return conn.execute(select(t.batch_runs.c.run_id).where(t.batch_runs.c.run_id == run_id)).first() is not None


def is_loaded(engine: Engine, run_id: str) -> bool:
    with engine.connect() as conn:
        return _loaded(conn, run_id)


def _seconds(record: dict[str, Any], stage: str) -> float:
    return round(next((found["seconds"] for found in record["stages"] if found["name"] == stage), 0.0), 3)


def _store_reports(conn: Connection, folder: Path, record: dict[str, Any], version: str, clock: Clock) -> None:
    """The run's receivables reports as the pages' snapshots, tagged with the data version they
    are of: the version after this load when nothing moved between the export and it (they are
    fresh), else one no data will have (a page shows them as stale and computes them afresh).
    The others (working capital) wait for the proposals (``_store_after_proposals``)."""
    for view in read_reports(folder):
        found = View(view["name"], date.fromisoformat(view["day"]), view["by"])
        if found.scope == RECEIVABLES:
            put_on(conn, Snapshot(found.key, version, clock.now(), _seconds(record, "reports"), snapshot_body(view)))


def load(folder: Path, uow_factory: Callable[[], SqlUnitOfWork], clock: Clock, *, apply: bool = True) -> Loaded:
    """Load the run in ``folder`` (its run.json names it) unless that run is loaded already."""
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    run_id, as_of = record["run_id"], date.fromisoformat(record["as_of"])
    scores, limits = _rows(folder, "scores"), _rows(folder, "limits")
    n_scores, n_limits = scores.count_rows(), limits.count_rows()
    worklist = _worklist(folder)
    with uow_factory() as uow:
        conn = uow.connection
        if _loaded(conn, run_id):
            return Loaded(run_id, True, 0, 0, None)
        # The reports are of the data as exported: still so if nothing they read moved since.
        manifest = folder / "inputs" / MANIFEST
        exported = Manifest.read(manifest.parent).data_version if manifest.exists() else None
        counts = {"scores": n_scores, "limits": n_limits, "stages": record["stages"]}
        if worklist is not None:
            counts["worklist"] = kept_worklist.summary(worklist)
        conn.execute(
            insert(t.batch_runs).values(
                run_id=run_id, as_of=as_of, engine=record["engine"], loaded_at=clock.now(), counts=json.dumps(counts)
            )
        )
        unmoved = exported is not None and data_version_on(conn, RECEIVABLES) == exported
        _insert(conn, t.customer_scores, scores)
        _insert(conn, t.batch_limits, limits, run_id)
        if worklist is not None:
            kept_worklist.keep(conn, run_id, as_of, worklist)
        summary = {"engine": record["engine"], "scores": n_scores, "limits": n_limits, "grades": record["grades"]}
        uow.audit.append(SYSTEM, "portfolio.batch_loaded", "portfolio", run_id, {"as_of": as_of.isoformat(), **summary})
        version = data_version_on(conn, RECEIVABLES) if unmoved else f"{exported or 'files'} (batch {run_id})"
        _store_reports(conn, folder, record, version, clock)
        # What the receivables read stood at after the load, when the run is of it (the dunning
        # run reads the run's positions while it still is: entrypoints/kept_lines.py).
        counts["fresh_at"] = version if unmoved else None
        conn.execute(update(t.batch_runs).where(t.batch_runs.c.run_id == run_id).values(counts=json.dumps(counts)))
        uow.commit()
    monitor = None
    if apply:
        proposals = proposals_of(read_output(folder, "proposals"))
        monitor = apply_proposals(proposals, as_of, record.get("policy_version"), uow_factory, clock)
    _store_after_proposals(folder, record, uow_factory, clock, fresh=unmoved)
    return Loaded(run_id, False, n_scores, n_limits, monitor)


def _store_after_proposals(
    folder: Path, record: dict[str, Any], uow_factory: Callable[[], SqlUnitOfWork], clock: Clock, *, fresh: bool
) -> None:
    """The run's views whose data version counts limits too (working capital; the champion's
    drift, with its held-out figures; the models' ranking power, with the scores just loaded),
    once the proposals are applied (they move limits, not what these read): of the data as it
    then stands if nothing moved between the export and the load, else of no data (stale)."""
    views: list[tuple[View, dict[str, Any], float]] = []  # each with the seconds it took
    for report in read_reports(folder):
        found = View(report["name"], date.fromisoformat(report["day"]), report["by"])
        if found.scope != RECEIVABLES:
            views.append((found, snapshot_body(report), _seconds(record, "reports")))
    with uow_factory() as uow:
        conn = uow.connection
        drift = read_drift(folder)
        if drift is not None:
            models = t.model_versions
            metrics = conn.execute(select(models.c.metrics).where(models.c.version == drift["version"])).scalar()
            held_out = {"version": drift["version"], "as_of": drift["as_of"], "holdout": json.loads(metrics or "{}")}
            drift_view = View("drift", date.fromisoformat(drift["as_of"]))
            views.append((drift_view, {"rows": {**held_out, **drift}}, _seconds(record, "drift")))
        defaults = read_defaults(folder)
        if defaults is not None:
            started = time.perf_counter()
            rows = power_rows(conn, defaults)
            power = View("power", date.fromisoformat(record["as_of"]))
            views.append((power, {"rows": rows}, time.perf_counter() - started))
        version = data_version_on(conn) if fresh else f"files (batch {record['run_id']})"
        for view, body, seconds in views:
            put_on(conn, Snapshot(view.key, version, clock.now(), round(seconds, 3), body))
        uow.commit()
