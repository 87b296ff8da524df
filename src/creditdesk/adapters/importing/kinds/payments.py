"""Payments: cash received, allocated to invoices (named, or oldest first)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.domain.documents import SettlementKind
from creditdesk.domain.ledger import EntryKind

from .. import fields as f
from ..problems import Code
from .base import Field, ImportState, Kind, RowIssue, customer_issues, in_chunks, minor_of


class Payments(Kind):
    name = "payments"
    table = t.payments
    key = ("payment_id",)
    derived = ("unapplied_minor",)
    fields = (
        Field("payment_id", f.identifier, required=True),
        Field("customer_id", f.identifier, required=True),
        Field("payment_date", f.iso_date, required=True),
        Field("amount", f.decimal_amount, required=True),
        Field("currency", f.currency, required=True),
        Field("invoice_id", f.identifier),
        Field("kind", f.one_of(*(kind.value for kind in SettlementKind))),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        amount = minor_of(values, "amount", values["currency"], positive=True)
        return {
            "kind": values.get("kind") or SettlementKind.PAYMENT.value,
            "payment_id": values["payment_id"],
            "customer_id": values["customer_id"],
            "payment_date": values["payment_date"],
            "amount_minor": amount,
            "currency": values["currency"],
            "invoice_id": values.get("invoice_id"),
            "unapplied_minor": amount,
        }

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        issues = customer_issues(conn, rows, state)
        wanted = sorted({row["invoice_id"] for row in rows if row["invoice_id"]} - set(state.invoice_customer))
        for chunk in in_chunks(wanted):
            found = dict(
                conn.execute(
                    select(t.invoices.c.invoice_id, t.invoices.c.customer_id).where(t.invoices.c.invoice_id.in_(chunk))
                ).all()
            )
            state.invoice_customer.update({iid: found.get(iid) for iid in chunk})
        for index, row in enumerate(rows):
            iid = row["invoice_id"]
            if iid is None:
                continue
            owner = state.invoice_customer.get(iid)
            if owner is None:
                issues.append(
                    RowIssue(
                        index,
                        "invoice_id",
                        Code.UNKNOWN_INVOICE,
                        f"expected a stored invoice, found unknown id {iid!r}",
                    )
                )
            elif owner != row["customer_id"]:
                issues.append(
                    RowIssue(
                        index,
                        "invoice_id",
                        Code.INVOICE_OF_OTHER_CUSTOMER,
                        f"expected an invoice of customer {row['customer_id']!r}, found one of {owner!r}",
                    )
                )
        return issues

    def _open_items(self, conn: Connection, state: ImportState, customer_id: str) -> list[tuple[date, str]]:
        if customer_id not in state.open_items_loaded:
            rows = conn.execute(
                select(t.invoices.c.due_date, t.invoices.c.invoice_id, t.invoices.c.open_minor)
                .where(t.invoices.c.customer_id == customer_id, t.invoices.c.open_minor > 0)
                .order_by(t.invoices.c.due_date, t.invoices.c.invoice_id)
            ).all()
            state.customer_open_items[customer_id] = [(due, iid) for due, iid, _ in rows]
            for _due, iid, open_minor in rows:
                state.invoice_open[iid] = open_minor
            state.open_items_loaded.add(customer_id)
        return state.customer_open_items[customer_id]

    def write(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> None:
        allocations: list[dict[str, Any]] = []
        for row in rows:
            cid = row["customer_id"]
            items = self._open_items(conn, state, cid)
            targets = (
                [iid for _due, iid in items if iid == row["invoice_id"]]
                if row["invoice_id"]
                else [iid for _due, iid in items]
            )
            left = row["amount_minor"]
            for iid in targets:
                if left <= 0:
                    break
                open_minor = state.invoice_open.get(iid, 0)
                applied = min(left, open_minor)
                if applied <= 0:
                    continue
                allocations.append(
                    {
                        "payment_id": row["payment_id"],
                        "invoice_id": iid,
                        "amount_minor": applied,
                        "applied_on": row["payment_date"],
                    }
                )
                state.invoice_open[iid] = open_minor - applied
                left -= applied
            # What is not applied stays on account, as a credit apart from the receivables.
            row["unapplied_minor"] = left
            state.customer_open_items[cid] = [(d, i) for d, i in items if state.invoice_open.get(i, 0) > 0]
            applied = row["amount_minor"] - left
            state.booker.book(cid, EntryKind.PAYMENT, row["payment_id"], receivable=-applied, unapplied=left)
        conn.execute(insert(self.table), rows)
        if allocations:
            conn.execute(insert(t.payment_allocations), allocations)
            touched = {a["invoice_id"] for a in allocations}
            conn.execute(
                update(t.invoices)
                .where(t.invoices.c.invoice_id == bindparam("iid"))
                .values(open_minor=bindparam("open_minor")),
                [{"iid": iid, "open_minor": state.invoice_open[iid]} for iid in touched],
            )
        state.booker.flush(conn)

    def finish(self, conn: Connection, state: ImportState) -> None:
        state.booker.finish(conn, state.source)


# The states an ERP's order may arrive in (order matters: it is the error message's list).
