"""Imports book the exposure ledger like the engine does: one entry per document.

The account totals move once per customer at the end of the file (a million invoices
make a million ledger entries but only one update per account), together with the
pooled group accounts above the customer and one outbox event per customer, so the
ledger, the totals and the event log reconcile after an import as after a check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Connection, String, case, func, insert, literal_column, select
from sqlalchemy.exc import NoResultFound

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.credit_store import SqlCreditStore
from creditdesk.adapters.db.many_rows import rows_among, update_each
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
        self.moved(customer_id, company_code, **delta)

    def moved(self, customer_id: str, company_code: str | None, **delta: int) -> None:
        """What documents whose entries are written (by ``book`` or in bulk) move in the account's
        totals and in the credit segment of ``company_code``."""
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

    def _orders_of(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's orders this file changed, by id (whichever way the file was read)."""
        return sorted(self.orders.get(customer_id, []), key=lambda state: str(state["order_id"]))

    def flush(self, conn: Connection) -> None:
        """Write the entries of one batch."""
        if self.pending:
            conn.execute(insert(t.ledger_entries), self.pending)
            self.pending.clear()

    @staticmethod
    def _overdue(conn: Connection, customers: list[str], today: date) -> dict[str, int] | ColumnElement[Any]:
        """What each account's overdue is now: back-dated items change it, so it is recounted once
        here and no check has to. For many accounts (a large file) their counts, from one pass over
        the invoices; for a few, the expression that counts the updated account's."""
        accounts, inv = t.credit_accounts, t.invoices
        undisputed = case((inv.c.open_minor > inv.c.disputed_minor, inv.c.open_minor - inv.c.disputed_minor), else_=0)
        # The part under open dispute cases is not overdue (service/disputes.py).
        overdue_now = (inv.c.open_minor > 0, inv.c.disputed.is_(False), inv.c.due_date < today)
        if (
            len(customers) < 500
            or len(customers) * 4 < conn.execute(select(func.count()).select_from(accounts)).scalar_one()
        ):
            one = select(func.coalesce(func.sum(undisputed), 0)).where(
                inv.c.customer_id == accounts.c.customer_id, *overdue_now
            )
            return one.scalar_subquery()
        # Grouped by an expression, so neither engine walks an index and fetches row by row.
        customer = (inv.c.customer_id + literal_column("''")).label("customer")
        summed = dict(conn.execute(select(customer, func.sum(undisputed)).where(*overdue_now).group_by(customer)).all())
        return {cid: int(summed.get(cid) or 0) for cid in customers}

    def _lock_accounts(self, conn: Connection, customers: list[str]) -> dict[str, int]:
        """Lock the accounts; BalanceOutOfRange when the file's documents would take a customer's
        total beyond the bound of one balance (each document is within it; their sum may not be).
        Each account's event number before this import."""
        accounts = t.credit_accounts
        query = select(
            accounts.c.customer_id, accounts.c.event_seq, *(accounts.c[f"{bucket}_minor"] for bucket in BUCKETS)
        ).with_for_update()
        numbers = {}
        for cid, number, *balances in rows_among(conn, query, accounts.c.customer_id, customers):
            numbers[cid] = number
            if cid in self.deltas:
                totals = Totals(**dict(zip(BUCKETS, balances, strict=True)))
                totals.moved_by(Delta(**self.deltas[cid]), f"customer {cid}")
        if len(numbers) != len(customers):
            raise NoResultFound(f"no credit account for {sorted(set(customers) - set(numbers))[:5]}")
        return numbers

    def _move_accounts(self, conn: Connection, customers: list[str], today: date) -> None:
        """One pass over the accounts: the totals by the file's documents, the overdue recounted,
        the event number moved by each one's event."""
        accounts = t.credit_accounts
        overdue = self._overdue(conn, customers, today)
        counted = isinstance(overdue, dict)
        none = dict.fromkeys(BUCKETS, 0)
        update_each(
            conn,
            accounts,
            "customer_id",
            {
                "cid": String(),
                **{bucket: BigInteger() for bucket in BUCKETS},
                **({"overdue": BigInteger()} if counted else {}),
            },
            [
                (
                    cid,
                    *(self.deltas.get(cid, none)[bucket] for bucket in BUCKETS),
                    *((overdue[cid],) if counted else ()),
                )
                for cid in customers
            ],
            lambda v: {
                **{f"{bucket}_minor": accounts.c[f"{bucket}_minor"] + getattr(v, bucket) for bucket in BUCKETS},
                "overdue_minor": v.overdue if counted else overdue,
                "overdue_through": today,
                "event_seq": accounts.c.event_seq + 1,
            },
        )

    def _segment_currencies(self, conn: Connection) -> dict[str, str]:
        """The account currency of each customer whose documents named a company code and who has
        a credit segment (most customers of a company code have none: one query, not one each)."""
        a, s = t.credit_accounts, t.segment_accounts
        named = sorted(self.segment_deltas)
        with_segments = sorted(set(rows_among(conn, select(s.c.customer_id).distinct(), s.c.customer_id, named)))
        query = select(a.c.customer_id, a.c.currency)
        return {cid: ccy for cid, ccy in rows_among(conn, query, a.c.customer_id, [cid for (cid,) in with_segments])}

    def _segment_postings(
        self, store: SqlCreditStore, cid: str, currency: str | None, source: str, today: date
    ) -> list[Posting]:
        """The customer's credit segments moved by this file's documents in their company codes."""
        if currency is None:  # no credit segment (or no account)
            return []
        postings = []
        for code, totals in sorted(self.segment_deltas.get(cid, {}).items()):
            segment = store.segment_account(cid, code, lock=False)
            if segment is None:
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
            # ref_id: the file's name (an id's length; its folder can be any length).
            postings.append(Posting("segment", segment.group_id, EntryKind.IMPORT, Path(source).name[: t.ID], moved))
        return postings

    def finish(self, conn: Connection, source: str) -> None:
        """Move the totals, the pooled groups and the overdue watermark; one event per customer."""
        self.flush(conn)
        touched = sorted(set(self.deltas) | set(self.orders))
        if not touched:
            return
        numbers = self._lock_accounts(conn, touched)
        today: date = self.clock.today()
        self._move_accounts(conn, touched, today)
        store = SqlCreditStore(conn, self.clock)
        c = t.customers
        grouped = {
            cid: (gid, ccy)
            for cid, gid, ccy in rows_among(
                conn,
                select(c.c.customer_id, c.c.group_id, c.c.currency).where(c.c.group_id.is_not(None)),
                c.c.customer_id,
                sorted(self.deltas),
            )
        }
        currency_of = self._segment_currencies(conn)
        events: list[tuple[str, int, str, dict[str, Any]]] = []  # written together at the end
        for cid in touched:
            totals = self.deltas.get(cid)
            if totals is None:
                events.append((cid, numbers[cid] + 1, "import.booked", event_payload(cid, [], self._orders_of(cid))))
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
            events.append((cid, numbers[cid] + 1, "import.booked", event_payload(cid, postings, self._orders_of(cid))))
        store.emit_numbered(events, self.now)
