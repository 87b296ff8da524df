"""Proofs that the running totals agree with what they summarise.

``reconcile`` re-sums the ledger per account and compares it with the totals on the
account rows, and checks the customers' totals against the documents themselves
(open items, open orders, unapplied cash). ``ledger_state`` is the state the outbound
events must rebuild, in the same shape as ``service.events.project``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.segment_store import segment_document_totals
from creditdesk.domain.company_codes import segment_account_id
from creditdesk.service.events import Event

BUCKETS = ("receivable", "reserved", "delivered", "unapplied")


@dataclass(frozen=True, slots=True)
class Mismatch:
    account: str
    what: str
    stored: int
    expected: int

    def render(self) -> str:
        return f"{self.account}: {self.what} is {self.stored} on the account, {self.expected} by the {self.source}"

    @property
    def source(self) -> str:
        return "ledger" if self.what.startswith("ledger ") else "documents"


@dataclass
class ReconcileReport:
    accounts: int = 0
    entries: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.negative

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "accounts": self.accounts,
            "entries": self.entries,
            "mismatches": [asdict(m) | {"message": m.render()} for m in self.mismatches],
            "negative": self.negative,
        }


def _ledger_sums(conn: Connection) -> dict[str, dict[str, int]]:
    le = t.ledger_entries
    sums: dict[str, dict[str, int]] = {}
    query = select(
        le.c.account_kind, le.c.account_id, *[func.sum(le.c[f"{b}_delta"]) for b in BUCKETS], func.count()
    ).group_by(le.c.account_kind, le.c.account_id)
    for kind, account_id, *values in conn.execute(query):
        sums[f"{kind}:{account_id}"] = {b: int(v) for b, v in zip((*BUCKETS, "entries"), values, strict=True)}
    return sums


def _stored_totals(conn: Connection) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for kind, table, key in (
        ("customer", t.credit_accounts, t.credit_accounts.c.customer_id),
        ("group", t.group_accounts, t.group_accounts.c.group_id),
    ):
        for account_id, *values in conn.execute(select(key, *[table.c[f"{b}_minor"] for b in BUCKETS])):
            totals[f"{kind}:{account_id}"] = dict(zip(BUCKETS, values, strict=True))
    s = t.segment_accounts
    for customer_id, code, *values in conn.execute(
        select(s.c.customer_id, s.c.company_code, *[s.c[f"{b}_minor"] for b in BUCKETS])
    ):
        totals[f"segment:{segment_account_id(customer_id, code)}"] = dict(zip(BUCKETS, values, strict=True))
    return totals


def _document_totals(conn: Connection) -> dict[str, dict[str, int]]:
    """Each customer's totals re-summed from its documents; and each credit segment's in the
    account currency (compared where the segment shares it)."""
    inv, o, pay = t.invoices, t.orders, t.payments
    docs: dict[str, dict[str, int]] = {}
    a, s = t.credit_accounts, t.segment_accounts
    same_currency = select(s.c.customer_id, s.c.company_code).join(
        a, (a.c.customer_id == s.c.customer_id) & (a.c.currency == s.c.currency)
    )
    for customer_id, code in conn.execute(same_currency).all():
        totals = segment_document_totals(conn, customer_id, code)
        docs[f"segment:{segment_account_id(customer_id, code)}"] = {b: getattr(totals, b) for b in BUCKETS}

    def add(rows: Any, bucket: str) -> None:
        for customer_id, value in rows:
            docs.setdefault(f"customer:{customer_id}", dict.fromkeys(BUCKETS, 0))[bucket] = int(value or 0)

    add(conn.execute(select(inv.c.customer_id, func.sum(inv.c.open_minor)).group_by(inv.c.customer_id)), "receivable")
    add(conn.execute(select(o.c.customer_id, func.sum(o.c.reserved_minor)).group_by(o.c.customer_id)), "reserved")
    add(conn.execute(select(o.c.customer_id, func.sum(o.c.delivered_minor)).group_by(o.c.customer_id)), "delivered")
    add(
        conn.execute(select(pay.c.customer_id, func.sum(pay.c.unapplied_minor)).group_by(pay.c.customer_id)),
        "unapplied",
    )
    return docs


def reconcile(conn: Connection) -> ReconcileReport:
    report = ReconcileReport()
    ledger = _ledger_sums(conn)
    stored = _stored_totals(conn)
    documents = _document_totals(conn)
    report.accounts = len(stored)
    report.entries = sum(sums["entries"] for sums in ledger.values())
    zero = dict.fromkeys(BUCKETS, 0)
    for account in sorted(set(stored) | set(ledger)):
        totals = stored.get(account)
        if totals is None:
            report.mismatches.append(Mismatch(account, "ledger account", 0, 1))
            continue
        sums = ledger.get(account, zero)
        for bucket in BUCKETS:
            if totals[bucket] != sums[bucket]:
                report.mismatches.append(Mismatch(account, f"ledger {bucket}", totals[bucket], sums[bucket]))
            if totals[bucket] < 0:
                report.negative.append(f"{account} {bucket} {totals[bucket]}")
        if account.startswith("customer:") or account in documents:
            docs = documents.get(account, zero)
            for bucket in BUCKETS:
                if totals[bucket] != docs[bucket]:
                    report.mismatches.append(Mismatch(account, bucket, totals[bucket], docs[bucket]))
    return report


def ledger_state(conn: Connection) -> dict[str, Any]:
    """Totals of every account the ledger has touched, and every order's state."""
    touched = set(_ledger_sums(conn))
    accounts = {name: totals for name, totals in _stored_totals(conn).items() if name in touched}
    o = t.orders
    orders = {
        order_id: {"order_id": order_id, "status": status, "reserved": reserved, "delivered": delivered}
        for order_id, status, reserved, delivered in conn.execute(
            select(o.c.order_id, o.c.status, o.c.reserved_minor, o.c.delivered_minor)
        )
    }
    return {"accounts": accounts, "orders": orders}


def outbox_events(conn: Connection) -> list[Event]:
    rows = conn.execute(select(t.outbox.c.stream, t.outbox.c.stream_seq, t.outbox.c.type, t.outbox.c.payload))
    return [Event(stream, int(seq), kind, json.loads(payload)) for stream, seq, kind, payload in rows]
