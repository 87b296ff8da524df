"""Invoices: receivables posted to the ledger, consuming the order they bill."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.domain.ledger import EntryKind
from creditdesk.domain.orders import OrderStatus

from .. import fields as f
from ..problems import Code, FieldError
from .base import BuildError, Field, ImportState, Kind, RowIssue, customer_issues, in_chunks, minor_of


class Invoices(Kind):
    name = "invoices"
    table = t.invoices
    key = ("invoice_id",)
    derived = ("open_minor",)
    fields = (
        Field("invoice_id", f.identifier, required=True),
        Field("customer_id", f.identifier, required=True),
        Field("invoice_date", f.iso_date, required=True),
        Field("due_date", f.iso_date, required=True),
        Field("amount", f.decimal_amount, required=True),
        Field("currency", f.currency, required=True),
        Field("order_id", f.identifier),
        Field("disputed", f.boolean),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        if values["due_date"] < values["invoice_date"]:
            raise BuildError(
                "due_date",
                FieldError(
                    Code.DATE_ORDER,
                    f"expected a due date on or after the invoice date {values['invoice_date']}, "
                    f"found {values['due_date']}",
                ),
            )
        amount = minor_of(values, "amount", values["currency"], positive=True)
        return {
            "invoice_id": values["invoice_id"],
            "customer_id": values["customer_id"],
            "invoice_date": values["invoice_date"],
            "due_date": values["due_date"],
            "amount_minor": amount,
            "currency": values["currency"],
            "order_id": values.get("order_id"),
            "disputed": bool(values.get("disputed")),
            "open_minor": amount,
        }

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        return customer_issues(conn, rows, state)

    def write(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> None:
        conn.execute(insert(self.table), rows)
        book = state.booker
        for row in rows:
            book.book(row["customer_id"], EntryKind.POST, row["invoice_id"], receivable=row["amount_minor"])
        by_order = {row["order_id"]: row for row in rows if row["order_id"]}
        o = t.orders
        for chunk in in_chunks(sorted(by_order)):
            open_orders = conn.execute(
                select(o.c.order_id, o.c.customer_id, o.c.reserved_minor, o.c.delivered_minor).where(
                    o.c.order_id.in_(chunk), o.c.status == OrderStatus.OPEN.value
                )
            ).all()
            for order_id, customer_id, reserved, delivered in open_orders:
                if customer_id != by_order[order_id]["customer_id"]:
                    continue  # an invoice names another customer's order: it consumes nothing
                # Posting consumes the order; what it did not post is released (two-phase close).
                invoice_id = by_order[order_id]["invoice_id"]
                book.book(customer_id, EntryKind.POST, invoice_id, reserved=-reserved, delivered=-delivered)
                book.order_changed(customer_id, order_id, OrderStatus.INVOICED.value, 0, 0)
                conn.execute(
                    update(o)
                    .where(o.c.order_id == order_id)
                    .values(status=OrderStatus.INVOICED.value, reserved_minor=0, delivered_minor=0)
                )
        book.flush(conn)

    def finish(self, conn: Connection, state: ImportState) -> None:
        state.booker.finish(conn, state.source)
