"""Report snapshots in the database, and the data version they are checked against."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.engine import reading
from creditdesk.service.ports import Snapshot
from creditdesk.service.snapshots import RECEIVABLES

#: Audit actions that change nothing a report reads, by the reports' scope (``View.scope``): the
#: receivables reports read no limit and no account's standing either, so the monitor's changes
#: leave them as they are (and the nightly batch's reports fresh after its proposals are applied).
_NOT_IN_REPORTS = ("order.", "token.", "user.", "collections.")
_NOT_READ: dict[str | None, tuple[str, ...]] = {
    None: _NOT_IN_REPORTS,
    RECEIVABLES: (*_NOT_IN_REPORTS, "account.", "limit."),
}


def data_version_on(conn: Connection, scope: str | None = None) -> str:
    """The version on ``conn`` (inside a transaction, with its own writes) of what the reports
    of ``scope`` read."""
    # What the reports read moves one of three ids: a ledger entry that changes a receivable
    # (an invoice, a payment, a credit note or write-off), an audit record of a dispute, limit,
    # standing, policy or import, or a score. Reservations, tokens, users and dunning leave
    # the reports as they are, so they leave the version too. Each is a backward index scan
    # that stops at the first match.
    le, au, s = t.ledger_entries, t.audit_log, t.customer_scores
    ledger = conn.execute(
        select(le.c.entry_id).where(le.c.receivable_delta != 0).order_by(le.c.entry_id.desc()).limit(1)
    ).scalar()
    audit = conn.execute(
        select(au.c.seq)
        .where(*[au.c.action.not_like(f"{prefix}%") for prefix in _NOT_READ[scope]])
        .order_by(au.c.seq.desc())
        .limit(1)
    ).scalar()
    scores = conn.execute(select(func.max(s.c.id))).scalar()
    return f"L{ledger or 0}.A{audit or 0}.S{scores or 0}"


def put_on(conn: Connection, snapshot: Snapshot) -> None:
    """Store ``snapshot`` in ``conn``'s transaction, over the key's last one."""
    values: dict[str, Any] = {
        "key": snapshot.key,
        "data_version": snapshot.data_version,
        "computed_at": snapshot.computed_at,
        "seconds": snapshot.seconds,
        "body": json.dumps(snapshot.body, ensure_ascii=False, default=str),
    }
    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = upsert(t.report_snapshots).values(**values)
    conn.execute(
        statement.on_conflict_do_update(index_elements=["key"], set_={k: v for k, v in values.items() if k != "key"})
    )


class SqlSnapshotStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def data_version(self, scope: str | None = None) -> str:
        with reading(self.engine) as conn:
            return data_version_on(conn, scope)

    def get(self, key: str) -> Snapshot | None:
        s = t.report_snapshots
        with reading(self.engine) as conn:
            row = conn.execute(select(s).where(s.c.key == key)).first()
        if row is None:
            return None
        return Snapshot(row.key, row.data_version, row.computed_at, row.seconds, json.loads(row.body))

    def headers(self) -> list[tuple[str, str, datetime]]:
        """Every snapshot's key, data version and computation time, without the bodies (metrics)."""
        s = t.report_snapshots
        with reading(self.engine) as conn:
            rows = conn.execute(select(s.c.key, s.c.data_version, s.c.computed_at)).all()
        return [(row.key, row.data_version, row.computed_at) for row in rows]

    def put(self, snapshot: Snapshot) -> None:
        # Two workers may compute the same key at once: the last write wins, both are right.
        with self.engine.begin() as conn:
            put_on(conn, snapshot)
