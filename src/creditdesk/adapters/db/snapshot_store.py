"""Report snapshots in the database, and the data version they are checked against."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from creditdesk.adapters.db import tables as t
from creditdesk.service.ports import Snapshot

#: Audit actions that change nothing a report reads.
_NOT_IN_REPORTS = ("order.", "token.", "user.", "collections.")


class SqlSnapshotStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def data_version(self) -> str:
        # What the reports read moves one of three ids: a ledger entry that changes a receivable
        # (an invoice, a payment, a credit note or write-off), an audit record of a dispute, limit,
        # standing, policy or import, or a score. Reservations, tokens, users and dunning leave
        # the reports as they are, so they leave the version too. Each is a backward index scan
        # that stops at the first match.
        le, au, s = t.ledger_entries, t.audit_log, t.customer_scores
        with self.engine.connect() as conn:
            ledger = conn.execute(
                select(le.c.entry_id).where(le.c.receivable_delta != 0).order_by(le.c.entry_id.desc()).limit(1)
            ).scalar()
            audit = conn.execute(
                select(au.c.seq)
                .where(*[au.c.action.not_like(f"{prefix}%") for prefix in _NOT_IN_REPORTS])
                .order_by(au.c.seq.desc())
                .limit(1)
            ).scalar()
            scores = conn.execute(select(func.max(s.c.id))).scalar()
        return f"L{ledger or 0}.A{audit or 0}.S{scores or 0}"

    def get(self, key: str) -> Snapshot | None:
        s = t.report_snapshots
        with self.engine.connect() as conn:
            row = conn.execute(select(s).where(s.c.key == key)).first()
        if row is None:
            return None
        return Snapshot(row.key, row.data_version, row.computed_at, row.seconds, json.loads(row.body))

    def headers(self) -> list[tuple[str, str, datetime]]:
        """Every snapshot's key, data version and computation time, without the bodies (metrics)."""
        s = t.report_snapshots
        with self.engine.connect() as conn:
            rows = conn.execute(select(s.c.key, s.c.data_version, s.c.computed_at)).all()
        return [(row.key, row.data_version, row.computed_at) for row in rows]

    def put(self, snapshot: Snapshot) -> None:
        s = t.report_snapshots
        values: dict[str, Any] = {
            "data_version": snapshot.data_version,
            "computed_at": snapshot.computed_at,
            "seconds": snapshot.seconds,
            "body": json.dumps(snapshot.body, ensure_ascii=False, default=str),
        }
        # Two workers may compute the same key at once: the last write wins, both are right.
        with self.engine.begin() as conn:
            if conn.execute(update(s).where(s.c.key == snapshot.key).values(**values)).rowcount:
                return
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(s).values(key=snapshot.key, **values))
        except IntegrityError:
            with self.engine.begin() as conn:
                conn.execute(update(s).where(s.c.key == snapshot.key).values(**values))
