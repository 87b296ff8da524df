"""The customer page's section: its credit segment in each company code beside its total."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from creditdesk.adapters.db.segment_store import SqlSegments


def section(conn: Connection, customer_id: str, as_of: date) -> dict[str, Any]:
    segments = SqlSegments(conn).segments_of(customer_id)
    names = {c.code: c.name for c in SqlSegments(conn).company_codes()} if segments else {}
    return {"segments": segments, "segment_names": names}
