"""Payments: cash received, allocated to invoices (named, or oldest first)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.domain.documents import OpenItem, Payment, SettlementKind
from creditdesk.domain.fx import Rate, identity
from creditdesk.domain.ledger import EntryKind
from creditdesk.domain.money import Money
from creditdesk.domain.settlement import settle_payment

from .. import fields as f
from ..problems import Code
from .base import (
    DOC_COLUMNS,
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
        Field("company_code", f.company_code),
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
            "company_code": values.get("company_code"),
        }

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        issues = customer_issues(conn, rows, state, convert_on="payment_date") + company_code_issues(conn, rows)
        wanted = sorted({row["invoice_id"] for row in rows if row["invoice_id"]} - set(state.invoice_customer))
        i = t.invoices
        for chunk in in_chunks(wanted):
            found = {
                iid: (cid, code)
                for iid, cid, code in conn.execute(
                    select(i.c.invoice_id, i.c.customer_id, i.c.company_code).where(i.c.invoice_id.in_(chunk))
                )
            }
            state.invoice_customer.update({iid: found[iid][0] if iid in found else None for iid in chunk})
            state.invoice_code.update({iid: found[iid][1] if iid in found else None for iid in chunk})
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
            elif row["company_code"] and row["company_code"] != state.invoice_code.get(iid):
                named = state.invoice_code.get(iid) or "none"
                issues.append(
                    RowIssue(
                        index,
                        "company_code",
                        Code.COMPANY_CODE_MISMATCH,
                        f"expected the company code of invoice {iid!r} ({named}), found {row['company_code']}",
                    )
                )
        return issues

    def compare(self, row: dict[str, Any], stored: dict[str, Any]) -> bool:
        if row["invoice_id"] and row["company_code"] is None:  # it took its invoice's company code
            row = {**row, "company_code": stored.get("company_code")}
        return super().compare(row, as_issued(stored))

    def _open_items(self, conn: Connection, state: ImportState, customer_id: str) -> list[tuple[date, str]]:
        if customer_id not in state.open_items_loaded:
            i = t.invoices
            rows = conn.execute(
                select(
                    i.c.due_date, i.c.invoice_id, i.c.open_minor, i.c.doc_currency, i.c.doc_open_minor, i.c.company_code
                )
                .where(i.c.customer_id == customer_id, i.c.open_minor > 0)
                .order_by(i.c.due_date, i.c.invoice_id)
            ).all()
            state.customer_open_items[customer_id] = [(due, iid) for due, iid, *_ in rows]
            for _due, iid, open_minor, doc_currency, doc_open, code in rows:
                state.invoice_open[iid] = open_minor
                state.invoice_code[iid] = code
                if doc_currency is not None and doc_open is not None:
                    state.invoice_doc_open[iid] = (doc_currency, doc_open)
            state.open_items_loaded.add(customer_id)
        return state.customer_open_items[customer_id]

    def write(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> None:
        allocations: list[dict[str, Any]] = []
        for row in rows:
            cid = row["customer_id"]
            items = self._open_items(conn, state, cid)
            if row["invoice_id"] and row["company_code"] is None:  # paying an invoice takes its company code
                row["company_code"] = state.invoice_code.get(row["invoice_id"])
            code = row["company_code"]
            # A payment settles the open items of its company code only (docs/segments.md).
            targets = (
                [iid for _due, iid in items if iid == row["invoice_id"]]
                if row["invoice_id"]
                else [iid for _due, iid in items if state.invoice_code.get(iid) == code]
            )
            as_paid = Money.from_minor(row["amount_minor"], row["currency"])
            rate = to_account_currency(conn, state, row, "payment_date")  # docs/currencies.md
            for name in DOC_COLUMNS:
                row.setdefault(name, None)
            left, difference = row["amount_minor"], 0
            if rate is not None or any(iid in state.invoice_doc_open for iid in targets):
                due = dict((i, d) for d, i in items)
                left, difference = _settle(row, as_paid, rate, [(due[i], i) for i in targets], state, allocations)
                targets = []
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
            applied = row["amount_minor"] - left - difference
            source = doc_source(row)
            pid = row["payment_id"]
            state.booker.book(cid, EntryKind.PAYMENT, pid, code, source=source, receivable=-applied, unapplied=left)
            if difference:  # the realised exchange difference: no bucket moves
                realised = (difference, row["currency"], row["fx_rate"])
                state.booker.book(cid, EntryKind.FX_DIFFERENCE, pid, source=realised)
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
            docs = state.invoice_doc_open
            in_doc = [{"iid": iid, "doc": docs[iid][1]} for iid in touched if iid in docs]
            if in_doc:
                conn.execute(
                    update(t.invoices)
                    .where(t.invoices.c.invoice_id == bindparam("iid"))
                    .values(doc_open_minor=bindparam("doc")),
                    in_doc,
                )
        state.booker.flush(conn)

    def finish(self, conn: Connection, state: ImportState) -> None:
        state.booker.finish(conn, state.source)


def _settle(
    row: dict[str, Any],
    as_paid: Money,
    rate: Rate | None,
    targets: list[tuple[date, str]],
    state: ImportState,
    allocations: list[dict[str, Any]],
) -> tuple[int, int]:
    """A payment settling items issued in another currency, or paid in one (domain.settlement):
    its allocations appended, the open amounts moved; (unapplied, realised difference)."""
    account = row["currency"]
    converted = Money.from_minor(row["amount_minor"], account)
    items = []
    for due, iid in targets:
        doc = state.invoice_doc_open.get(iid)
        doc_open = Money.from_minor(doc[1], doc[0]) if doc else None
        items.append(OpenItem(iid, due, Money.from_minor(state.invoice_open.get(iid, 0), account), doc_open))
    payment = Payment(row["payment_id"], row["customer_id"], row["payment_date"], as_paid, row["invoice_id"])
    settled = settle_payment(payment, converted, rate or identity(account, row["payment_date"]), items)
    for a in settled.allocations:
        allocations.append(
            {
                "payment_id": row["payment_id"],
                "invoice_id": a.invoice_id,
                "amount_minor": a.amount.minor,
                "applied_on": row["payment_date"],
            }
        )
        state.invoice_open[a.invoice_id] -= a.amount.minor
        if a.doc_amount is not None:
            currency, open_in_doc = state.invoice_doc_open[a.invoice_id]
            state.invoice_doc_open[a.invoice_id] = (currency, open_in_doc - a.doc_amount.minor)
    return settled.unapplied.minor, settled.difference.minor


# The states an ERP's order may arrive in (order matters: it is the error message's list).
