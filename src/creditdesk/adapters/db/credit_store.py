"""The credit engine's storage on SQLite and PostgreSQL.

The hot read (``account``) is one statement: the account row, its customer's segment and
group, the oldest undisputed open item, the open items that fell due since the stored
overdue watermark and the active policy version. Both sums are range reads on a partial
index, so a check costs the same for a customer with ten open items or a hundred thousand.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Date,
    Integer,
    String,
    Table,
    bindparam,
    case,
    column,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.sql.selectable import TextualSelect

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.many_rows import insert_each
from creditdesk.adapters.policy_file import parse_check_policy
from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.company_codes import CompanyCode, segment_account_id, split_segment_account_id
from creditdesk.domain.documents import Allocation, Invoice, Payment
from creditdesk.domain.fx import MissingRate, Rate
from creditdesk.domain.ledger import Totals
from creditdesk.domain.money import Money
from creditdesk.domain.orders import HELD, Order, OrderStatus
from creditdesk.domain.rules import CheckPolicy, builtin_policy
from creditdesk.service.ports import (
    AccountState,
    Clock,
    GroupAccountState,
    OpenItemRow,
    Posting,
    StandingChange,
    StoredOutcome,
)

_ACCOUNT_SQL = """
SELECT a.customer_id, a.currency, a.limit_minor, a.limit_valid_to, a.base_limit_minor, a.status,
       a.receivable_minor, a.reserved_minor, a.delivered_minor, a.unapplied_minor,
       a.overdue_minor, a.overdue_through, a.next_review_on, a.risk_class, a.next_expiry,
       a.dunning_level, a.dunning_since,
       c.segment, c.group_id, c.status AS customer_status, c.merged_into,
       (SELECT MIN(i.due_date) FROM invoices i
         WHERE i.customer_id = a.customer_id AND i.open_minor > 0 AND i.disputed = false) AS oldest_due,
       (SELECT COALESCE(SUM(CASE WHEN i.open_minor > i.disputed_minor
                                 THEN i.open_minor - i.disputed_minor ELSE 0 END), 0) FROM invoices i
         WHERE i.customer_id = a.customer_id AND i.open_minor > 0 AND i.disputed = false
           AND i.due_date >= CASE WHEN a.overdue_through IS NULL OR a.overdue_through > :today
                                  THEN :epoch ELSE a.overdue_through END
           AND i.due_date < :today) AS newly_overdue,
       (SELECT MAX(p.version) FROM check_policies p) AS policy_version
  FROM credit_accounts a JOIN customers c ON c.customer_id = a.customer_id
 WHERE a.customer_id = :customer_id
"""


_ACCOUNT_COLUMNS = (
    ("customer_id", String),
    ("currency", String),
    ("limit_minor", BigInteger),
    ("limit_valid_to", Date),
    ("base_limit_minor", BigInteger),
    ("status", String),
    ("receivable_minor", BigInteger),
    ("reserved_minor", BigInteger),
    ("delivered_minor", BigInteger),
    ("unapplied_minor", BigInteger),
    ("overdue_minor", BigInteger),
    ("overdue_through", Date),
    ("next_review_on", Date),
    ("risk_class", String),
    ("next_expiry", Date),
    ("dunning_level", Integer),
    ("dunning_since", Date),
    ("segment", String),
    ("group_id", String),
    ("customer_status", String),
    ("merged_into", String),
    ("oldest_due", Date),
    ("newly_overdue", BigInteger),
    ("policy_version", Integer),
)


def _account_statement(sql: str) -> TextualSelect:
    # Every column, in order: results are then matched by position, not name by name.
    return (
        text(sql)
        .bindparams(bindparam("today", type_=Date), bindparam("epoch", type_=Date))
        .columns(*(column(name, kind) for name, kind in _ACCOUNT_COLUMNS))
    )


_ACCOUNT = _account_statement(_ACCOUNT_SQL)
# PostgreSQL: the row lock serialises writers on this account (SQLite: BEGIN IMMEDIATE did).
# The customer row too: a master-data change (a group move) holds the account and rewrites the
# customer; an order that waited must then read the new group, not its snapshot's (READ
# COMMITTED re-fetches only the rows it locks). docs/master-data.md
_ACCOUNT_FOR_UPDATE = _account_statement(_ACCOUNT_SQL + " FOR UPDATE OF a, c")
_EPOCH = date(1900, 1, 1)
_RECEIPT_STATUS = 0


class _Unread:
    """The active policy version has not been read in this unit of work yet."""


_UNREAD = _Unread()

# Policies are immutable once stored: a process keeps each version it has parsed.
_POLICY_CACHE: dict[tuple[str, int], CheckPolicy] = {}


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _order_from_row(row: Any) -> Order:
    ccy = row["currency"]
    return Order(
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        order_date=row["order_date"],
        amount=Money.from_minor(row["amount_minor"], ccy),
        account_minor=row["account_minor"] if row["account_minor"] is not None else row["amount_minor"],
        fx_rate=row["fx_rate"],
        status=OrderStatus(row["status"]),
        reserved=row["reserved_minor"],
        delivered=row["delivered_minor"],
        delivery_date=row["delivery_date"],
        valid_until=row["valid_until"],
        decision=json.loads(row["decision"]) if row["decision"] else None,
        resolution=json.loads(row["resolution"]) if row["resolution"] else None,
        submitted_by=row["submitted_by"],
        company_code=row["company_code"],
    )


def ledger_rows(postings: Sequence[Posting], at: datetime) -> list[dict[str, Any]]:
    """The ledger entries of ``postings``, as rows of ``ledger_entries``."""
    return [
        {
            "account_kind": p.account_kind,
            "account_id": p.account_id,
            "kind": p.kind.value,
            "ref_id": p.ref_id,
            "reserved_delta": p.delta.reserved,
            "delivered_delta": p.delta.delivered,
            "receivable_delta": p.delta.receivable,
            "unapplied_delta": p.delta.unapplied,
            "source_minor": p.source.minor if p.source else None,
            "source_currency": p.source.currency if p.source else None,
            "fx_rate": p.fx_rate,
            "at": at,
        }
        for p in postings
    ]


def _account_row(kind: str, account_id: str) -> tuple[Table, tuple[ColumnElement[bool], ...]]:
    """The table and the row a posting of ``kind`` moves."""
    if kind == "customer":
        return t.credit_accounts, (t.credit_accounts.c.customer_id == account_id,)
    if kind == "segment":
        customer_id, code = split_segment_account_id(account_id)
        s = t.segment_accounts
        return s, (s.c.customer_id == customer_id, s.c.company_code == code)
    return t.group_accounts, (t.group_accounts.c.group_id == account_id,)


_DOC_OPEN = (t.invoices.c.doc_currency, t.invoices.c.doc_open_minor)


def _doc_columns(doc: Money | None, fx_rate: str | None, *, open_too: bool) -> dict[str, Any]:
    """A document as issued when not in the account currency (docs/currencies.md)."""
    if doc is None:
        return {}
    values: dict[str, Any] = {"doc_amount_minor": doc.minor, "doc_currency": doc.currency, "fx_rate": fx_rate}
    if open_too:
        values["doc_open_minor"] = doc.minor
    return values


class SqlCreditStore:
    def __init__(self, connection: Connection, clock: Clock, reader: Callable[[], Connection] | None = None) -> None:
        self._c = connection
        self._clock = clock
        self._postgres = connection.dialect.name == "postgresql"
        # The test-only unlocked strategy reads through its own connection (check, then act).
        self._reader = reader
        self._policy_version: int | _Unread | None = _UNREAD

    def _read(self) -> Connection:
        return self._reader() if self._reader is not None else self._c

    # idempotency -------------------------------------------------------------------------
    def outcome(self, command_id: str) -> StoredOutcome | None:
        row = (
            self._read()
            .execute(
                select(t.command_log.c.request_hash, t.command_log.c.response).where(
                    t.command_log.c.command_id == command_id
                )
            )
            .first()
        )
        return StoredOutcome(row[0], json.loads(row[1])) if row else None

    def save_outcome(self, command_id: str, request_hash: str, receipt: dict[str, Any]) -> None:
        self._c.execute(
            insert(t.command_log),
            {
                "command_id": command_id,
                "request_hash": request_hash,
                # Rows from before typed receipts hold the HTTP status they were answered with;
                # a receipt has no HTTP status (the entrypoint chooses it), so 0.
                "status": _RECEIPT_STATUS,
                "response": _json(receipt),
                "at": self._clock.now(),
            },
        )

    # accounts ----------------------------------------------------------------------------
    def account(self, customer_id: str, today: date, *, lock: bool) -> AccountState | None:
        statement = _ACCOUNT_FOR_UPDATE if lock and self._postgres and self._reader is None else _ACCOUNT
        conn = self._read() if lock else self._c
        row = conn.execute(statement, {"customer_id": customer_id, "today": today, "epoch": _EPOCH}).mappings().first()
        if row is None:
            return None
        self._policy_version = row["policy_version"]
        through = row["overdue_through"]
        if through is None or through > today:
            overdue, stored = row["newly_overdue"], False
        else:
            overdue, stored = row["overdue_minor"] + row["newly_overdue"], through == today
        limit, valid_to = row["limit_minor"], row["limit_valid_to"]
        if row["base_limit_minor"] is not None and valid_to is not None and valid_to < today:
            # A temporary limit lapses by itself after its end date, whether or not the
            # monitor has written the lapse yet.
            limit, valid_to = row["base_limit_minor"], None
        return AccountState(
            customer_id=row["customer_id"],
            currency=row["currency"],
            segment=row["segment"],
            group_id=row["group_id"],
            risk_class=row["risk_class"],
            status=AccountStatus(row["status"]),
            limit=limit,
            totals=Totals(
                row["receivable_minor"], row["reserved_minor"], row["delivered_minor"], row["unapplied_minor"]
            ),
            limit_valid_to=valid_to,
            next_review_on=row["next_review_on"],
            next_expiry=row["next_expiry"],
            oldest_open_due=row["oldest_due"],
            overdue=int(overdue),
            overdue_is_stored=stored,
            dunning_level=int(row["dunning_level"]),
            dunning_since=row["dunning_since"],
            customer_status=row["customer_status"],
            merged_into=row["merged_into"],
        )

    def store_overdue(self, customer_id: str, overdue: int, through: date) -> None:
        self._c.execute(
            update(t.credit_accounts)
            .where(t.credit_accounts.c.customer_id == customer_id)
            .values(overdue_minor=overdue, overdue_through=through)
        )

    def groups_over(self, group_id: str, *, lock: bool) -> list[GroupAccountState]:
        chain: list[str] = []
        current: str | None = group_id
        while current is not None and current not in chain:
            chain.append(current)
            current = self._c.execute(
                select(t.customer_groups.c.parent_group_id).where(t.customer_groups.c.group_id == current)
            ).scalar()
        g = t.group_accounts
        query = select(g).where(g.c.group_id.in_(chain)).order_by(g.c.group_id)
        if lock and self._postgres and self._reader is None:
            # Always after the account row and in group_id order, so lockers never deadlock.
            query = query.with_for_update()
        rows = self._read().execute(query).mappings().all() if lock else self._c.execute(query).mappings().all()
        return [
            GroupAccountState(
                r["group_id"],
                r["currency"],
                r["limit_minor"],
                Totals(r["receivable_minor"], r["reserved_minor"], r["delivered_minor"], r["unapplied_minor"]),
            )
            for r in rows
        ]

    def segment_account(self, customer_id: str, company_code: str, *, lock: bool) -> GroupAccountState | None:
        s = t.segment_accounts
        query = select(s).where(s.c.customer_id == customer_id, s.c.company_code == company_code)
        if lock and self._postgres and self._reader is None:
            # Locked after its customer's account row (which every writer takes first).
            query = query.with_for_update()
        r = (self._read() if lock else self._c).execute(query).mappings().first()
        if r is None:
            return None
        return GroupAccountState(
            segment_account_id(customer_id, company_code),
            r["currency"],
            r["limit_minor"],
            Totals(r["receivable_minor"], r["reserved_minor"], r["delivered_minor"], r["unapplied_minor"]),
            kind="segment",
        )

    def company_code(self, code: str) -> CompanyCode | None:
        row = self._c.execute(select(t.company_codes).where(t.company_codes.c.code == code)).mappings().first()
        return CompanyCode(row["code"], row["name"], row["currency"], row["country"]) if row else None

    def reserved_beyond(self, customer_id: str, after: date) -> int:
        o = t.orders
        total = self._c.execute(
            select(func.coalesce(func.sum(o.c.reserved_minor), 0)).where(
                o.c.customer_id == customer_id, o.c.status == OrderStatus.OPEN.value, o.c.delivery_date > after
            )
        ).scalar_one()
        return int(total)

    def rate(self, base: str, quote: str, on: date) -> Rate:
        fx = t.fx_rates
        for b, q, inverse in ((base, quote, False), (quote, base, True)):
            row = self._c.execute(
                select(fx.c.rate, fx.c.rate_date)
                .where(fx.c.base_currency == b, fx.c.quote_currency == q, fx.c.rate_date <= on)
                .order_by(fx.c.rate_date.desc())
                .limit(1)
            ).first()
            if row is not None:
                value = Decimal(row[0])
                return Rate(base, quote, Decimal(1) / value if inverse else value, row[1])
        raise MissingRate(base, quote, on)

    def check_policy(self) -> CheckPolicy:
        version = self._policy_version
        if isinstance(version, _Unread):  # the account read carries it; only other paths ask
            version = self._c.execute(select(func.max(t.check_policies.c.version))).scalar()
        if version is None:
            return builtin_policy()
        key = (str(self._c.engine.url), version)
        if key not in _POLICY_CACHE:
            body = self._c.execute(
                select(t.check_policies.c.body).where(t.check_policies.c.version == version)
            ).scalar_one()
            _POLICY_CACHE[key] = parse_check_policy(body, version)
        return _POLICY_CACHE[key]

    # orders ------------------------------------------------------------------------------
    def order(self, order_id: str) -> Order | None:
        row = self._read().execute(select(t.orders).where(t.orders.c.order_id == order_id)).mappings().first()
        return _order_from_row(row) if row else None

    def add_order(self, order: Order) -> None:
        self._c.execute(
            insert(t.orders),
            {
                "order_id": order.order_id,
                "customer_id": order.customer_id,
                "order_date": order.order_date,
                "amount_minor": order.amount.minor,
                "currency": order.amount.currency,
                "status": order.status.value,
                "account_minor": order.account_minor,
                "fx_rate": order.fx_rate,
                "reserved_minor": order.reserved,
                "delivered_minor": order.delivered,
                "delivery_date": order.delivery_date,
                "valid_until": order.valid_until,
                "decision": _json(order.decision),
                "policy_version": (order.decision or {}).get("policy_version"),
                "submitted_by": order.submitted_by,
                "resolution": _json(order.resolution),
                "company_code": order.company_code,
            },
        )

    def save_order(self, order: Order) -> None:
        # The caller holds the account's lock and read the order under it: the whole state is written.
        self._c.execute(
            update(t.orders)
            .where(t.orders.c.order_id == order.order_id)
            .values(
                status=order.status.value,
                amount_minor=order.amount.minor,
                account_minor=order.account_minor,
                reserved_minor=order.reserved,
                delivered_minor=order.delivered,
                valid_until=order.valid_until,
                decision=_json(order.decision),
                resolution=_json(order.resolution),
            )
        )

    def expiring_orders(self, customer_id: str, today: date) -> list[Order]:
        o = t.orders
        rows = self._c.execute(
            select(o)
            .where(
                o.c.customer_id == customer_id,
                o.c.status == OrderStatus.OPEN.value,
                o.c.reserved_minor > 0,
                o.c.valid_until < today,
            )
            .order_by(o.c.order_id)
        ).mappings()
        return [_order_from_row(row) for row in rows]

    def set_next_expiry(self, customer_id: str, on: date | None) -> None:
        if on is None:
            o = t.orders
            on = self._c.execute(
                select(func.min(o.c.valid_until)).where(
                    o.c.customer_id == customer_id, o.c.status == OrderStatus.OPEN.value, o.c.reserved_minor > 0
                )
            ).scalar()
        self._c.execute(
            update(t.credit_accounts).where(t.credit_accounts.c.customer_id == customer_id).values(next_expiry=on)
        )

    def blocked_orders(self, *, limit: int = 200) -> list[Order]:
        o = t.orders
        rows = self._c.execute(
            select(o)
            .where(o.c.status.in_(sorted(s.value for s in HELD)))
            .order_by(o.c.order_date, o.c.order_id)
            .limit(limit)
        ).mappings()
        return [_order_from_row(row) for row in rows]

    def customers_with_expired_orders(self, today: date) -> list[str]:
        a = t.credit_accounts
        return list(self._c.execute(select(a.c.customer_id).where(a.c.next_expiry < today)).scalars())

    # invoices and payments ---------------------------------------------------------------
    def invoice_customer(self, invoice_id: str) -> str | None:
        owner: str | None = self._c.execute(
            select(t.invoices.c.customer_id).where(t.invoices.c.invoice_id == invoice_id)
        ).scalar()
        return owner

    def invoice_company_code(self, invoice_id: str) -> str | None:
        code: str | None = self._c.execute(
            select(t.invoices.c.company_code).where(t.invoices.c.invoice_id == invoice_id)
        ).scalar()
        return code

    def open_item(self, invoice_id: str) -> OpenItemRow | None:
        i = t.invoices
        row = self._c.execute(
            select(i.c.invoice_id, i.c.due_date, i.c.open_minor, i.c.disputed, i.c.disputed_minor, *_DOC_OPEN).where(
                i.c.invoice_id == invoice_id
            )
        ).first()
        return OpenItemRow(row[0], row[1], row[2], bool(row[3]), row[4], row[5], row[6]) if row else None

    def set_disputed(self, invoice_id: str, disputed: bool) -> None:
        self._c.execute(update(t.invoices).where(t.invoices.c.invoice_id == invoice_id).values(disputed=disputed))

    def set_disputed_amount(self, invoice_id: str, disputed_minor: int) -> None:
        i = t.invoices
        whole = (i.c.open_minor > 0) & (i.c.open_minor <= disputed_minor)
        self._c.execute(
            update(i).where(i.c.invoice_id == invoice_id).values(disputed_minor=disputed_minor, disputed=whole)
        )

    def add_invoice(self, invoice: Invoice) -> None:
        self._c.execute(
            insert(t.invoices),
            {
                "invoice_id": invoice.invoice_id,
                "customer_id": invoice.customer_id,
                "invoice_date": invoice.invoice_date,
                "due_date": invoice.due_date,
                "amount_minor": invoice.amount.minor,
                "currency": invoice.amount.currency,
                "order_id": invoice.order_id,
                "disputed": invoice.disputed,
                "open_minor": invoice.amount.minor,
                "disputed_minor": invoice.amount.minor if invoice.disputed else 0,
                "company_code": invoice.company_code,
                **_doc_columns(invoice.doc_amount, invoice.fx_rate, open_too=True),
            },
        )

    def open_items(
        self, customer_id: str, invoice_id: str | None, enough: int, company_code: str | None = None
    ) -> list[OpenItemRow]:
        """Open items of the company code oldest due first, only as many as it takes to cover ``enough``."""
        i = t.invoices
        query = select(
            i.c.invoice_id, i.c.due_date, i.c.open_minor, i.c.disputed, i.c.disputed_minor, *_DOC_OPEN
        ).where(
            i.c.customer_id == customer_id,
            i.c.open_minor > 0,
            i.c.company_code.is_(None) if company_code is None else i.c.company_code == company_code,
        )
        if invoice_id is not None:
            query = query.where(i.c.invoice_id == invoice_id)
        query = query.order_by(i.c.due_date, i.c.invoice_id)
        items: list[OpenItemRow] = []
        covered = 0
        for row in self._c.execute(query.execution_options(yield_per=64)):
            items.append(OpenItemRow(row[0], row[1], row[2], bool(row[3]), row[4], row[5], row[6]))
            covered += row[2]
            if covered >= enough:
                break
        return items

    def payment_exists(self, payment_id: str) -> bool:
        found = self._c.execute(select(t.payments.c.payment_id).where(t.payments.c.payment_id == payment_id)).first()
        return found is not None

    def add_payment(self, payment: Payment, allocations: list[Allocation], unapplied: int) -> None:
        self._c.execute(
            insert(t.payments),
            {
                "payment_id": payment.payment_id,
                "customer_id": payment.customer_id,
                "payment_date": payment.payment_date,
                "amount_minor": payment.amount.minor,
                "currency": payment.amount.currency,
                "invoice_id": payment.invoice_id,
                "unapplied_minor": unapplied,
                "kind": payment.kind.value,
                "company_code": payment.company_code,
                **_doc_columns(payment.doc_amount, payment.fx_rate, open_too=False),
            },
        )
        if allocations:
            self._c.execute(
                insert(t.payment_allocations),
                [
                    {
                        "payment_id": a.payment_id,
                        "invoice_id": a.invoice_id,
                        "amount_minor": a.amount.minor,
                        "applied_on": payment.payment_date,
                    }
                    for a in allocations
                ],
            )
            self._c.execute(
                update(t.invoices)
                .where(t.invoices.c.invoice_id == bindparam("iid"))
                .values(
                    open_minor=t.invoices.c.open_minor - bindparam("applied"),
                    # Part disputed: the flag follows what stays open (whole-invoice flags are kept).
                    disputed=case(
                        (
                            t.invoices.c.disputed_minor > 0,
                            (t.invoices.c.open_minor - bindparam("applied") > 0)
                            & (t.invoices.c.disputed_minor >= t.invoices.c.open_minor - bindparam("applied")),
                        ),
                        else_=t.invoices.c.disputed,
                    ),
                ),
                [{"iid": a.invoice_id, "applied": a.amount.minor} for a in allocations],
            )
            in_doc = [{"iid": a.invoice_id, "doc": a.doc_amount.minor} for a in allocations if a.doc_amount is not None]
            if in_doc:  # what is open in the document currency (docs/currencies.md)
                self._c.execute(
                    update(t.invoices)
                    .where(t.invoices.c.invoice_id == bindparam("iid"))
                    .values(doc_open_minor=t.invoices.c.doc_open_minor - bindparam("doc")),
                    in_doc,
                )

    # revaluation (service/revaluation.py) -------------------------------------------------
    def customers_with_foreign_items(self) -> list[str]:
        i = t.invoices
        query = (
            select(i.c.customer_id)
            .where(i.c.doc_currency.is_not(None), i.c.doc_open_minor > 0)
            .distinct()
            .order_by(i.c.customer_id)
        )
        return list(self._c.execute(query).scalars())

    def foreign_open_items(self, customer_id: str) -> list[OpenItemRow]:
        i = t.invoices
        query = (
            select(i.c.invoice_id, i.c.due_date, i.c.open_minor, i.c.disputed, i.c.disputed_minor, *_DOC_OPEN)
            .where(i.c.customer_id == customer_id, i.c.doc_currency.is_not(None), i.c.doc_open_minor > 0)
            .order_by(i.c.invoice_id)
        )
        return [OpenItemRow(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6]) for r in self._c.execute(query)]

    def set_open_minor(self, invoice_id: str, open_minor: int) -> None:
        self._c.execute(update(t.invoices).where(t.invoices.c.invoice_id == invoice_id).values(open_minor=open_minor))

    # standing, groups and policies ------------------------------------------------------
    def set_standing(self, customer_id: str, change: StandingChange) -> None:
        values: dict[str, Any] = {}
        if change.status is not None:  # a person's status: the monitor's rules respect it for a respite
            values.update(status=change.status.value, status_source="manual", status_changed_on=change.on)
        if change.risk_class is not None:
            values["risk_class"] = change.risk_class
        if change.next_review_on is not None:
            values["next_review_on"] = change.next_review_on
        self._c.execute(
            update(t.credit_accounts).where(t.credit_accounts.c.customer_id == customer_id).values(**values)
        )

    def lock_group_members(self, group_id: str, today: date) -> list[AccountState]:
        groups = {group_id}
        while True:
            below = set(
                self._c.execute(
                    select(t.customer_groups.c.group_id).where(t.customer_groups.c.parent_group_id.in_(sorted(groups)))
                ).scalars()
            )
            if below <= groups:
                break
            groups |= below
        members = self._c.execute(
            select(t.customers.c.customer_id)
            .where(t.customers.c.group_id.in_(sorted(groups)))
            .order_by(t.customers.c.customer_id)
        ).scalars()
        found = []
        for customer_id in list(members):
            state = self.account(customer_id, today, lock=True)
            if state is not None:
                found.append(state)
        return found

    def open_group_account(self, group_id: str, currency: str, limit: int) -> None:
        self._c.execute(
            insert(t.group_accounts),
            {
                "group_id": group_id,
                "currency": currency,
                "limit_minor": limit,
                "receivable_minor": 0,
                "reserved_minor": 0,
                "delivered_minor": 0,
                "unapplied_minor": 0,
            },
        )

    def set_group_limit(self, group_id: str, limit: int) -> None:
        self._c.execute(
            update(t.group_accounts).where(t.group_accounts.c.group_id == group_id).values(limit_minor=limit)
        )

    def add_check_policy(self, name: str, body: str, actor: str, at: datetime) -> int:
        version = int(self._c.execute(select(func.coalesce(func.max(t.check_policies.c.version), 0))).scalar_one()) + 1
        self._c.execute(
            insert(t.check_policies),
            {
                "version": version,
                "name": name,
                "body": body,
                "sha256": hashlib.sha256(body.encode()).hexdigest(),
                "activated_at": at,
                "activated_by": actor,
            },
        )
        return version

    # the ledger and the outbox -----------------------------------------------------------
    def post(self, postings: list[Posting], at: datetime) -> None:
        self._c.execute(insert(t.ledger_entries), ledger_rows(postings, at))
        for p in postings:
            table, where = _account_row(p.account_kind, p.account_id)
            # Relative updates: the totals move by exactly what the ledger records.
            self._c.execute(
                update(table)
                .where(*where)
                .values(
                    receivable_minor=table.c.receivable_minor + p.delta.receivable,
                    reserved_minor=table.c.reserved_minor + p.delta.reserved,
                    delivered_minor=table.c.delivered_minor + p.delta.delivered,
                    unapplied_minor=table.c.unapplied_minor + p.delta.unapplied,
                )
            )

    def emit(self, stream: str, event_type: str, payload: dict[str, Any], at: datetime) -> None:
        seq = self._c.execute(
            update(t.credit_accounts)
            .where(t.credit_accounts.c.customer_id == stream)
            .values(event_seq=t.credit_accounts.c.event_seq + 1)
            .returning(t.credit_accounts.c.event_seq)
        ).scalar_one()
        self._c.execute(
            insert(t.outbox),
            {"stream": stream, "stream_seq": seq, "type": event_type, "payload": _json(payload), "at": at},
        )

    def emit_numbered(self, events: list[tuple[str, int, str, dict[str, Any]]], at: datetime) -> None:
        """Events (stream, number, type, payload) whose streams' accounts the caller has moved on
        to these numbers (``emit`` moves it itself, one event at a time)."""
        columns = ("stream", "stream_seq", "type", "payload", "at")
        rows = [(stream, number, kind, _json(payload), at) for stream, number, kind, payload in events]
        insert_each(self._c, t.outbox, columns, rows)
