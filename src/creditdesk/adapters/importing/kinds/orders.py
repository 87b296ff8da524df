"""Orders: sales orders as credit reservations, in the states an ERP may report."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert

from creditdesk.adapters.db import tables as t
from creditdesk.domain.ledger import EntryKind
from creditdesk.domain.orders import OrderStatus

from .. import fields as f
from .base import (
    Field,
    ImportState,
    Kind,
    RowIssue,
    company_code_issues,
    customer_issues,
    doc_source,
    minor_of,
    to_account_currency,
)

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
        Field("company_code", f.company_code),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "order_id": values["order_id"],
            "customer_id": values["customer_id"],
            "order_date": values["order_date"],
            "amount_minor": minor_of(values, "amount", values["currency"], positive=True),
            "currency": values["currency"],
            "status": values.get("status") or OrderStatus.OPEN.value,
            "company_code": values.get("company_code"),
        }

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        return customer_issues(conn, rows, state, convert_on="order_date") + company_code_issues(conn, rows)

    def write(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> None:
        # Open orders from the ERP are reservations already made there: they are booked as
        # they are, not re-decided (a check happens when an order is submitted here).
        stored = []
        for row in rows:
            is_open = row["status"] == OrderStatus.OPEN.value
            # In another currency: the account amount at the order date's rate (docs/currencies.md).
            converted = dict(row)
            to_account_currency(conn, state, converted, "order_date")
            account_minor, fx_rate = converted["amount_minor"], converted.get("fx_rate")
            source = doc_source(converted)
            reserved = account_minor if is_open else 0
            stored.append({**row, "account_minor": account_minor, "fx_rate": fx_rate, "reserved_minor": reserved})
            if is_open:
                state.booker.book(
                    row["customer_id"],
                    EntryKind.RESERVE,
                    row["order_id"],
                    row["company_code"],
                    source=source,
                    reserved=reserved,
                )
            state.booker.order_changed(row["customer_id"], row["order_id"], row["status"], reserved, 0)
        conn.execute(insert(self.table), stored)
        state.booker.flush(conn)

    def finish(self, conn: Connection, state: ImportState) -> None:
        state.booker.finish(conn, state.source)
