"""A digest of the business tables: two databases with the same digest hold the same book.

Used to prove that a restore equals its source, and that a worker killed mid-run and restarted
leaves what an uninterrupted run leaves. Rows are compared by content, sorted, so the order a
database returns them in does not matter.

``timeless`` compares what was decided rather than when it was recorded: two runs of the same
day at different instants differ in their timestamps (and in the audit chain and event payloads
that embed them) and in surrogate keys a rolled-back transaction consumed, never in the
business facts. It leaves out instants (DateTime columns), autoincrement keys, the audit tables
and the events' payloads (each event's stream, place and type stay).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Connection, DateTime, Table, select

from creditdesk.adapters.db import tables as t

# Operational state, not the book: who ran what when, leases, caches, throttles, deliveries.
OPERATIONAL = frozenset(
    {
        "job_runs",
        "leases",
        "event_cursors",
        "webhook_deliveries",
        "notifications",
        "report_snapshots",
        "login_throttle",
    }
)
AUDIT = frozenset({"audit_log", "audit_heads"})
TIMELESS_COLUMNS_LEFT_OUT = {"outbox": {"payload", "position"}}


def business_tables(*, timeless: bool = False) -> list[Table]:
    left_out = OPERATIONAL | (AUDIT if timeless else frozenset())
    return [table for name, table in sorted(t.metadata.tables.items()) if name not in left_out]


def _columns(table: Table, timeless: bool) -> list[Any]:
    if not timeless:
        return list(table.columns)
    dropped = TIMELESS_COLUMNS_LEFT_OUT.get(table.name, set())
    return [
        column
        for column in table.columns
        if not isinstance(column.type, DateTime)
        and column.name not in dropped
        and not (column.primary_key and column.autoincrement is True)
    ]


def table_digests(conn: Connection, *, timeless: bool = False) -> dict[str, str]:
    """Each business table's SHA-256 over its rows (as sorted JSON lines)."""
    digests = {}
    for table in business_tables(timeless=timeless):
        columns = _columns(table, timeless)
        rows = sorted(json.dumps([_plain(v) for v in row], default=str) for row in conn.execute(select(*columns)))
        digest = hashlib.sha256()
        for row in rows:
            digest.update(row.encode())
            digest.update(b"\n")
        digests[table.name] = digest.hexdigest()
    return digests


def business_digest(conn: Connection, *, timeless: bool = False) -> str:
    """One SHA-256 over every business table's digest."""
    return hashlib.sha256(json.dumps(table_digests(conn, timeless=timeless), sort_keys=True).encode()).hexdigest()


def _plain(value: Any) -> Any:
    # SQLite hands back naive datetimes and PostgreSQL aware ones: compare the instant's text
    # without the zone suffix so a restore across engines is not needed to match (same engine only).
    return value.isoformat() if hasattr(value, "isoformat") else value
