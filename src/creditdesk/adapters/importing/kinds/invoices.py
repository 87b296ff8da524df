"""Invoices: receivables posted to the ledger, consuming the order they bill."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.domain.ledger import EntryKind
from creditdesk.domain.orders import OrderStatus

from .. import fields as f
from ..problems import Code, FieldError
from .base import (
    DOC_COLUMNS,
    BuildError,
    Field,
    ImportState,
    Kind,
    RowIssue,
    as_issued,
    company_code_issues,
    customer_issues,
    doc_source,
    in_chunks,
    minor_of,
    to_account_currency,
)


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
        Field("company_code", f.company_code),
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
            "company_code": values.get("company_code"),
        }

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        issues = customer_issues(conn, rows, state, convert_on="invoice_date") + company_code_issues(conn, rows)
        codes = _order_codes(conn, [row for row in rows if row["order_id"] and row["company_code"]])
        for index, row in enumerate(rows):
            order_id = row["order_id"]
            if order_id in codes and codes[order_id] != row["company_code"]:
                issues.append(
                    RowIssue(
                        index,
                        "company_code",
                        Code.COMPANY_CODE_MISMATCH,
                        f"expected the company code of order {order_id!r} ({codes[order_id] or 'none'}), "
                        f"found {row['company_code']}",
                    )
                )
        return issues

    def compare(self, row: dict[str, Any], stored: dict[str, Any]) -> bool:
        if row["order_id"] and row["company_code"] is None:  # it took its order's company code
            row = {**row, "company_code": stored.get("company_code")}
        return super().compare(row, as_issued(stored))

    def write(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> None:
        # An invoice of an order is in the order's company code when the file names none (as over the API).
        unnamed = [row for row in rows if row["order_id"] and row["company_code"] is None]
        inherited = _order_codes(conn, unnamed)
        for row in unnamed:
            row["company_code"] = inherited.get(row["order_id"])
        for row in rows:  # in the account currency at the invoice date's rate (docs/currencies.md)
            to_account_currency(conn, state, row, "invoice_date")
            row["open_minor"] = row["amount_minor"]
            row["doc_open_minor"] = row.get("doc_amount_minor")
            for name in DOC_COLUMNS:
                row.setdefault(name, None)
        conn.execute(insert(self.table), rows)
        book = state.booker
        for row in rows:
            cid, receivable = row["customer_id"], row["amount_minor"]
            code = row["company_code"]
            book.book(cid, EntryKind.POST, row["invoice_id"], code, source=doc_source(row), receivable=receivable)
        by_order = {row["order_id"]: row for row in rows if row["order_id"]}
        o = t.orders
        for chunk in in_chunks(sorted(by_order)):
            open_orders = conn.execute(
                select(o.c.order_id, o.c.customer_id, o.c.reserved_minor, o.c.delivered_minor, o.c.company_code).where(
                    o.c.order_id.in_(chunk), o.c.status == OrderStatus.OPEN.value
                )
            ).all()
            for order_id, customer_id, reserved, delivered, order_code in open_orders:
                if customer_id != by_order[order_id]["customer_id"]:
                    continue  # an invoice names another customer's order: it consumes nothing
                # Posting consumes the order; what it did not post is released (two-phase close).
                invoice_id = by_order[order_id]["invoice_id"]
                # The order's own company code releases what it reserved there.
                book.book(customer_id, EntryKind.POST, invoice_id, order_code, reserved=-reserved, delivered=-delivered)
                book.order_changed(customer_id, order_id, OrderStatus.INVOICED.value, 0, 0)
                conn.execute(
                    update(o)
                    .where(o.c.order_id == order_id)
                    .values(status=OrderStatus.INVOICED.value, reserved_minor=0, delivered_minor=0)
                )
        book.flush(conn)

    def finish(self, conn: Connection, state: ImportState) -> None:
        state.booker.finish(conn, state.source)


def _order_codes(conn: Connection, rows: list[dict[str, Any]]) -> dict[str, str | None]:
    """The stored company code of each order the rows bill."""
    o = t.orders
    found: dict[str, str | None] = {}
    for chunk in in_chunks(sorted({row["order_id"] for row in rows})):
        query = select(o.c.order_id, o.c.company_code).where(o.c.order_id.in_(chunk))
        found.update({order_id: code for order_id, code in conn.execute(query)})
    return found
