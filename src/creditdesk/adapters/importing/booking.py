"""Imports book the exposure ledger like the engine does: one entry per document.

The account totals move once per customer at the end of the file (a million invoices
make a million ledger entries but only one update per account), together with the
pooled group accounts above the customer and one outbox event per customer, so the
ledger, the totals and the event log reconcile after an import as after a check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, String, case, func, insert, literal_column, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.credit_store import SqlCreditStore
from creditdesk.adapters.db.many_rows import update_each
from creditdesk.domain.fx import MissingRate, identity
from creditdesk.domain.ledger import Delta, EntryKind, Totals
from creditdesk.service.events import event_payload
from creditdesk.service.ports import Clock, Posting

BUCKETS = ("receivable", "reserved", "delivered", "unapplied")


class MissingGroupRate(Exception):
    def __init__(self, error: MissingRate) -> None:
        super().__init__(f"a pooled group limit needs {error}")


@dataclass
class Booker:
    clock: Clock
    now: datetime
    pending: list[dict[str, Any]] = field(default_factory=list)
    deltas: dict[str, dict[str, int]] = field(default_factory=dict)
    orders: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # What documents naming a company code moved, per customer and code: their credit segments'.
    segment_deltas: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)

    def book(
        self,
        customer_id: str,
        kind: EntryKind,
        ref_id: str,
        company_code: str | None = None,
        *,
        source: tuple[int, str, str] | None = None,
        **delta: int,
    ) -> None:
        """``source``: the document as issued in another currency (minor, currency, rate)."""
        self.pending.append(
            {
                "account_kind": "customer",
                "account_id": customer_id,
                "kind": kind.value,
                "ref_id": ref_id,
                "at": self.now,
                "source_minor": source[0] if source else None,
                "source_currency": source[1] if source else None,
                "fx_rate": source[2] if source else None,
                **{f"{name}_delta": delta.get(name, 0) for name in BUCKETS},
            }
        )
        total = self.deltas.setdefault(customer_id, dict.fromkeys(BUCKETS, 0))
        for name, value in delta.items():
            total[name] += value
        if company_code is not None:
            codes = self.segment_deltas.setdefault(customer_id, {})
            segment = codes.setdefault(company_code, dict.fromkeys(BUCKETS, 0))
            for name, value in delta.items():
                segment[name] += value

    def order_changed(self, customer_id: str, order_id: str, status: str, reserved: int, delivered: int) -> None:
        state = {"order_id": order_id, "status": status, "reserved": reserved, "delivered": delivered}
        self.orders.setdefault(customer_id, []).append(state)

    def flush(self, conn: Connection) -> None:
        """Write the entries of one batch."""
        if self.pending:
            conn.execute(insert(t.ledger_entries), self.pending)
            self.pending.clear()

    @staticmethod
    def _recount_overdue(conn: Connection, customers: list[str], today: date) -> None:
        """Back-dated items change what is overdue: recount it once here, so no check has to."""
        accounts, inv = t.credit_accounts, t.invoices
        undisputed = case((inv.c.open_minor > inv.c.disputed_minor, inv.c.open_minor - inv.c.disputed_minor), else_=0)
        overdue = (
            # The part under open dispute cases is not overdue (service/disputes.py).
            select(func.coalesce(func.sum(undisputed), 0))
            .where(
                inv.c.customer_id == accounts.c.customer_id,
                inv.c.open_minor > 0,
                inv.c.disputed.is_(False),
                inv.c.due_date < today,
            )
            .scalar_subquery()
        )
        if (
            len(customers) >= 500
            and len(customers) * 4 >= conn.execute(select(func.count()).select_from(accounts)).scalar_one()
        ):
            # Most accounts (a large file): one pass over the invoices, not a lookup of each one.
            Booker._recount_all_overdue(conn, customers, today)
            return
        for start in range(0, len(customers), 500):
            conn.execute(
                update(accounts)
                .where(accounts.c.customer_id.in_(customers[start : start + 500]))
                .values(overdue_minor=overdue, overdue_through=today)
            )

    @staticmethod
    def _recount_all_overdue(conn: Connection, customers: list[str], today: date) -> None:
        """What ``_recount_overdue`` sets, summed over the whole table at once."""
        accounts, inv = t.credit_accounts, t.invoices
        undisputed = case((inv.c.open_minor > inv.c.disputed_minor, inv.c.open_minor - inv.c.disputed_minor), else_=0)
        # Grouped by an expression, so neither engine walks an index and fetches row by row.
        customer = (inv.c.customer_id + literal_column("''")).label("customer")
        overdue = dict(
            conn.execute(
                select(customer, func.sum(undisputed))
                .where(inv.c.open_minor > 0, inv.c.disputed.is_(False), inv.c.due_date < today)
                .group_by(customer)
            ).all()
        )
        update_each(
            conn,
            accounts,
            "customer_id",
            {"cid": String(), "overdue": BigInteger()},
            [(cid, int(overdue.get(cid) or 0)) for cid in customers],
            lambda v: {"overdue_minor": v.overdue, "overdue_through": today},
        )

    def _check_balances(self, conn: Connection) -> None:
        """BalanceOutOfRange when the file's documents would take a customer's total beyond the
        bound of one balance (each document is within it; their sum may not be)."""
        accounts = t.credit_accounts
        ids = sorted(self.deltas)
        for start in range(0, len(ids), 500):
            rows = conn.execute(
                select(
                    accounts.c.customer_id,
                    *(accounts.c[f"{bucket}_minor"] for bucket in BUCKETS),
                ).where(accounts.c.customer_id.in_(ids[start : start + 500]))
            )
            for cid, *balances in rows:
                totals = Totals(**dict(zip(BUCKETS, balances, strict=True)))
                totals.moved_by(Delta(**self.deltas[cid]), f"customer {cid}")

    def _segment_currencies(self, conn: Connection) -> dict[str, str]:
        """The account currency of each customer whose documents named a company code."""
        ids = sorted(self.segment_deltas)
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            a = t.credit_accounts
            rows = conn.execute(
                select(a.c.customer_id, a.c.currency).where(a.c.customer_id.in_(ids[start : start + 500]))
            )
            found.update({cid: ccy for cid, ccy in rows})
        return found

    def _segment_postings(
        self, store: SqlCreditStore, cid: str, currency: str | None, source: str, today: date
    ) -> list[Posting]:
        """The customer's credit segments moved by this file's documents in their company codes."""
        postings = []
        for code, totals in sorted(self.segment_deltas.get(cid, {}).items()):
            segment = store.segment_account(cid, code, lock=False)
            if segment is None or currency is None:
                continue
            try:
                rate = (
                    identity(currency, today)
                    if segment.currency == currency
                    else store.rate(currency, segment.currency, today)
                )
            except MissingRate as error:
                raise MissingGroupRate(error) from None
            moved = Delta(**totals).scaled(rate)
            segment.totals.moved_by(moved, f"segment {segment.group_id}")
            postings.append(Posting("segment", segment.group_id, EntryKind.IMPORT, source, moved))
        return postings

    def finish(self, conn: Connection, source: str) -> None:
        """Move the totals, the pooled groups and the overdue watermark; one event per customer."""
        self.flush(conn)
        touched = sorted(set(self.deltas) | set(self.orders))
        if not touched:
            return
        accounts = t.credit_accounts
        if self.deltas:
            self._check_balances(conn)
            update_each(
                conn,
                accounts,
                "customer_id",
                {"cid": String(), **{bucket: BigInteger() for bucket in BUCKETS}},
                [(cid, *(d[bucket] for bucket in BUCKETS)) for cid, d in self.deltas.items()],
                lambda v: {f"{bucket}_minor": accounts.c[f"{bucket}_minor"] + getattr(v, bucket) for bucket in BUCKETS},
            )
        today: date = self.clock.today()
        self._recount_overdue(conn, touched, today)
        store = SqlCreditStore(conn, self.clock)
        c = t.customers
        grouped: dict[str, tuple[str, str]] = {}
        ids = sorted(self.deltas)
        for start in range(0, len(ids), 500):
            rows = conn.execute(
                select(c.c.customer_id, c.c.group_id, c.c.currency).where(
                    c.c.customer_id.in_(ids[start : start + 500]), c.c.group_id.is_not(None)
                )
            )
            grouped.update({cid: (gid, ccy) for cid, gid, ccy in rows})
        currency_of = self._segment_currencies(conn)
        events: list[tuple[str, str, dict[str, Any]]] = []  # emitted together, in this order, at the end
        for cid in touched:
            totals = self.deltas.get(cid)
            if totals is None:
                events.append((cid, "import.booked", event_payload(cid, [], self.orders.get(cid, []))))
                continue
            delta = Delta(**totals)
            postings = [Posting("customer", cid, EntryKind.IMPORT, source, delta)]
            if cid in grouped:
                group_id, currency = grouped[cid]
                for group in store.groups_over(group_id, lock=False):
                    try:
                        rate = (
                            identity(currency, today)
                            if group.currency == currency
                            else store.rate(currency, group.currency, today)
                        )
                    except MissingRate as error:
                        raise MissingGroupRate(error) from None
                    moved = delta.scaled(rate)
                    group.totals.moved_by(moved, f"group {group.group_id}")
                    # ref_id: the customer, so a later group move finds what it brought in.
                    postings.append(Posting("group", group.group_id, EntryKind.IMPORT, cid, moved))
            postings[1:1] = self._segment_postings(store, cid, currency_of.get(cid), source, today)
            # The customer's entries were written per document above; only the pools' here.
            if len(postings) > 1:
                store.post(postings[1:], self.now)
            events.append((cid, "import.booked", event_payload(cid, postings, self.orders.get(cid, []))))
        store.emit_all(events, self.now)
