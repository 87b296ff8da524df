"""The customer page's section: credit insurance, guarantees, letters of credit and claims."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.cover_store import SqlCover


def section(conn: Connection, customer_id: str, as_of: date) -> dict[str, Any]:
    store = SqlCover(conn)
    rows = store.rows(customer_id)
    currency = conn.execute(select(t.customers.c.currency).where(t.customers.c.customer_id == customer_id)).scalar()
    return {
        "cover_rows": [r.as_json(as_of) for r in rows],
        "cover_claims": [c.as_json() for c in store.claims(customer_id, None)],
        "cover_insurance": [r.support_id for r in rows if r.kind == "insurance"],
        "cover_customer_id": customer_id,
        "cover_currency": currency or "",
        "cover_today": as_of.isoformat(),
    }
