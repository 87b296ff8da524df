"""Orders: sales orders as credit reservations, in the states an ERP may report."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert

from creditdesk.adapters.db import tables as t
from creditdesk.domain.ledger import EntryKind
from creditdesk.domain.orders import OrderStatus

from .. import fields as f
from .base import Field, ImportState, Kind, RowIssue, customer_issues, minor_of

_IMPORTED_STATUSES = (
    OrderStatus.OPEN,
    OrderStatus.INVOICED,
    OrderStatus.CANCELLED,
    OrderStatus.BLOCKED,
    OrderStatus.EXPIRED,
)


class Orders(Kind):
    name = "orders"
    table = t.orders
    key = ("order_id",)
    fields = (
        Field("order_id", f.identifier, required=True),
        Field("customer_id", f.identifier, required=True),
        Field("order_date", f.iso_date, required=True),
        Field("amount", f.decimal_amount, required=True),
        Field("currency", f.currency, required=True),
        Field("status", f.one_of(*(s.value for s in _IMPORTED_STATUSES))),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "order_id": values["order_id"],
            "customer_id": values["customer_id"],
            "order_date": values["order_date"],
            "amount_minor": minor_of(values, "amount", values["currency"], positive=True),
            "currency": values["currency"],
            "status": values.get("status") or OrderStatus.OPEN.value,
        }

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        return customer_issues(conn, rows, state)

    def write(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> None:
        # Open orders from the ERP are reservations already made there: they are booked as
        # they are, not re-decided (a check happens when an order is submitted here).
        stored = []
        for row in rows:
            is_open = row["status"] == OrderStatus.OPEN.value
            reserved = row["amount_minor"] if is_open else 0
            stored.append({**row, "account_minor": row["amount_minor"], "reserved_minor": reserved})
            if is_open:
                state.booker.book(row["customer_id"], EntryKind.RESERVE, row["order_id"], reserved=reserved)
            state.booker.order_changed(row["customer_id"], row["order_id"], row["status"], reserved, 0)
        conn.execute(insert(self.table), stored)
        state.booker.flush(conn)

    def finish(self, conn: Connection, state: ImportState) -> None:
        state.booker.finish(conn, state.source)
