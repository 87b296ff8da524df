"""The customer page's section: dispute cases (service/disputes.py) and the invoices open to one."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.dispute_store import SqlDisputes
from creditdesk.domain.money import Money
from creditdesk.service.disputes import REASON_CODES, STATUSES


def section(conn: Connection, customer_id: str, as_of: date) -> dict[str, Any]:
    cases = SqlDisputes(conn).cases(STATUSES, customer_id, "age", 200)
    i = t.invoices
    rows = conn.execute(
        select(i.c.invoice_id, i.c.due_date, i.c.open_minor, i.c.disputed_minor, i.c.disputed, i.c.currency)
        .where(i.c.customer_id == customer_id, i.c.open_minor > 0)
        .order_by(i.c.due_date, i.c.invoice_id)
        .limit(200)
    ).mappings()
    invoices = []
    for r in rows:
        free = 0 if r["disputed"] else max(0, r["open_minor"] - r["disputed_minor"])
        if free > 0:
            invoices.append(
                {
                    "invoice_id": r["invoice_id"],
                    "due_date": r["due_date"].isoformat(),
                    "undisputed": str(Money.from_minor(free, r["currency"]).amount),
                    "currency": r["currency"],
                }
            )
    return {
        "disputes_cases": [c.as_json(as_of) for c in cases],
        "disputes_invoices": invoices,
        "disputes_reasons": REASON_CODES,
        "disputes_customer_id": customer_id,
    }
