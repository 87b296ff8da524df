"""Dispute cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.service.disputes import DisputeCase

_COLUMNS = (
    "dispute_id",
    "invoice_id",
    "customer_id",
    "reason_code",
    "amount_minor",
    "currency",
    "owner",
    "status",
    "opened_on",
    "due_on",
    "opened_by",
    "opened_at",
    "resolved_on",
    "resolved_by",
    "resolution",
    "credit_note_id",
)


def _case(row: Any) -> DisputeCase:
    return DisputeCase(*(row[c] for c in _COLUMNS))


class SqlDisputes:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, case: DisputeCase) -> None:
        self._conn.execute(insert(t.disputes).values(**{c: getattr(case, c) for c in _COLUMNS}))

    def save(self, case: DisputeCase) -> None:
        d = t.disputes
        changed = ("owner", "status", "due_on", "resolved_on", "resolved_by", "resolution", "credit_note_id")
        self._conn.execute(
            update(d).where(d.c.dispute_id == case.dispute_id).values(**{c: getattr(case, c) for c in changed})
        )

    def get(self, dispute_id: str) -> DisputeCase | None:
        row = self._conn.execute(select(t.disputes).where(t.disputes.c.dispute_id == dispute_id)).mappings().first()
        return _case(row) if row else None

    def active_for_invoice(self, invoice_id: str) -> list[DisputeCase]:
        d = t.disputes
        rows = self._conn.execute(
            select(d)
            .where(d.c.invoice_id == invoice_id, d.c.status.in_(("open", "in_review")))
            .order_by(d.c.dispute_id)
        ).mappings()
        return [_case(r) for r in rows]

    def cases(self, statuses: tuple[str, ...], customer_id: str | None, sort: str, limit: int) -> list[DisputeCase]:
        d = t.disputes
        query = select(d).where(d.c.status.in_(statuses))
        if customer_id is not None:
            query = query.where(d.c.customer_id == customer_id)
        if sort == "amount":
            query = query.order_by(d.c.amount_minor.desc(), d.c.opened_on, d.c.dispute_id)
        else:
            query = query.order_by(d.c.opened_on, d.c.amount_minor.desc(), d.c.dispute_id)
        return [_case(r) for r in self._conn.execute(query.limit(limit)).mappings()]
