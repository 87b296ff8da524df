"""In-memory fakes of the service layer's ports, for service tests without a database.

One ``Books`` holds everything; each port is a small object over it, so a test sets up state
directly (``books.open_account(...)``) and reads it back the same way. A unit of work copies the
books on entry and puts the copy back unless committed, as a transaction rolls back.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Self

from creditdesk.domain.accounts import AccountStatus, LimitChange, ManagedAccount
from creditdesk.domain.audit import AuditHead, AuditKeys, AuditRecord
from creditdesk.domain.collections import Promise, PromiseStatus
from creditdesk.domain.company_codes import CompanyCode
from creditdesk.domain.customers import Customer
from creditdesk.domain.documents import Allocation, Invoice, Payment
from creditdesk.domain.fx import MissingRate, Rate
from creditdesk.domain.ledger import Totals
from creditdesk.domain.limit_policy import LimitPolicy
from creditdesk.domain.limit_requests import LimitRequest, RequestStatus
from creditdesk.domain.money import Money
from creditdesk.domain.orders import HELD, Order, OrderStatus
from creditdesk.domain.rules import CheckPolicy, builtin_policy
from creditdesk.service.ports import (
    AccountState,
    GroupAccountState,
    OpenItemRow,
    Posting,
    RecordedChange,
    StandingChange,
    StoredOutcome,
    UserRecord,
)


@dataclass
class Account:
    """One credit-account row: what both the credit engine and limit management read."""

    customer_id: str
    currency: str
    limit: int
    segment: str | None = "standard"
    group_id: str | None = None
    risk_class: str | None = None
    status: AccountStatus = AccountStatus.ACTIVE
    status_source: str | None = None
    status_changed_on: date | None = None
    totals: Totals = field(default_factory=Totals)
    limit_valid_to: date | None = None
    base_limit: int | None = None
    next_review_on: date | None = None
    next_expiry: date | None = None
    increases_frozen_since: date | None = None
    last_increase_on: date | None = None
    in_default_since: date | None = None
    dunning_level: int = 0
    dunning_since: date | None = None


@dataclass
class OpenInvoice:
    invoice: Invoice
    open_minor: int
    disputed: bool


@dataclass
class Books:
    accounts: dict[str, Account] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    invoices: dict[str, OpenInvoice] = field(default_factory=dict)
    payments: dict[str, tuple[Payment, list[Allocation], int]] = field(default_factory=dict)
    outcomes: dict[str, StoredOutcome] = field(default_factory=dict)
    rates: dict[tuple[str, str], Rate] = field(default_factory=dict)
    check_policy: CheckPolicy = field(default_factory=builtin_policy)
    limit_policy: LimitPolicy = field(default_factory=LimitPolicy)
    grades: dict[str, int] = field(default_factory=dict)
    postings: list[Posting] = field(default_factory=list)
    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    audit: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)  # actor, action, id, payload
    users: dict[str, UserRecord] = field(default_factory=dict)
    limit_changes: list[LimitChange] = field(default_factory=list)
    recorded: list[RecordedChange] = field(default_factory=list)
    requests: dict[str, LimitRequest] = field(default_factory=dict)
    promises: dict[str, Promise] = field(default_factory=dict)
    cash: list[tuple[str, date, int]] = field(default_factory=list)  # customer, day, minor units

    def open_account(self, customer_id: str, limit: str, currency: str = "EUR", **values: Any) -> Account:
        self.customers[customer_id] = Customer(
            customer_id, customer_id, currency, segment=values.get("segment", "standard")
        )
        account = Account(customer_id, currency, Money.of(limit, currency).minor, **values)
        self.accounts[customer_id] = account
        return account

    def add_user(self, username: str, role: str = "analyst", kind: str = "person") -> None:
        self.users[username] = UserRecord(username, "-", role, "en", kind, 1, False)


# --- the credit engine's ports ---------------------------------------------------------------


class FakeCommandLog:
    def __init__(self, books: Books) -> None:
        self.b = books

    def outcome(self, command_id: str) -> StoredOutcome | None:
        return self.b.outcomes.get(command_id)

    def save_outcome(self, command_id: str, request_hash: str, receipt: dict[str, Any]) -> None:
        assert command_id not in self.b.outcomes, "the command log's key is unique"
        # Through JSON, as the database keeps it: a receipt must survive the trip.
        self.b.outcomes[command_id] = StoredOutcome(request_hash, json.loads(json.dumps(receipt, sort_keys=True)))


class FakeCreditAccounts:
    def __init__(self, books: Books) -> None:
        self.b = books

    def account(self, customer_id: str, today: date, *, lock: bool) -> AccountState | None:
        a = self.b.accounts.get(customer_id)
        if a is None:
            return None
        undisputed = [i for i in self.b.invoices.values() if i.invoice.customer_id == customer_id]
        undisputed = [i for i in undisputed if i.open_minor > 0 and not i.disputed]
        limit, valid_to = a.limit, a.limit_valid_to
        if a.base_limit is not None and valid_to is not None and valid_to < today:
            limit, valid_to = a.base_limit, None  # a temporary limit lapses by itself
        return AccountState(
            customer_id=customer_id,
            currency=a.currency,
            segment=a.segment,
            group_id=a.group_id,
            risk_class=a.risk_class,
            status=a.status,
            limit=limit,
            totals=a.totals,
            limit_valid_to=valid_to,
            next_review_on=a.next_review_on,
            next_expiry=a.next_expiry,
            oldest_open_due=min((i.invoice.due_date for i in undisputed), default=None),
            overdue=sum(i.open_minor for i in undisputed if i.invoice.due_date < today),
            overdue_is_stored=True,  # computed exactly on every read: no watermark to move
            dunning_level=a.dunning_level,
            dunning_since=a.dunning_since,
        )

    def store_overdue(self, customer_id: str, overdue: int, through: date) -> None:
        pass  # the fake computes the overdue figure on every read

    def set_next_expiry(self, customer_id: str, on: date | None) -> None:
        if on is None:
            open_orders = [o for o in self.b.orders.values() if o.customer_id == customer_id]
            dates = [o.valid_until for o in open_orders if o.status is OrderStatus.OPEN and o.reserved > 0]
            on = min((d for d in dates if d is not None), default=None)
        self.b.accounts[customer_id].next_expiry = on

    def customers_with_expired_orders(self, today: date) -> list[str]:
        return sorted(c for c, a in self.b.accounts.items() if a.next_expiry is not None and a.next_expiry < today)

    def set_standing(self, customer_id: str, change: StandingChange) -> None:
        a = self.b.accounts[customer_id]
        if change.status is not None:
            a.status, a.status_source, a.status_changed_on = change.status, "manual", change.on
        if change.risk_class is not None:
            a.risk_class = change.risk_class
        if change.next_review_on is not None:
            a.next_review_on = change.next_review_on


class FakeGroupAccounts:
    """No pooled limits: the fakes' customers belong to no group account."""

    def __init__(self, books: Books) -> None:
        self.b = books

    def groups_over(self, group_id: str, *, lock: bool) -> list[GroupAccountState]:
        return []

    def lock_group_members(self, group_id: str, today: date) -> list[AccountState]:
        raise NotImplementedError("group accounts are tested on the database")

    def open_group_account(self, group_id: str, currency: str, limit: int) -> None:
        raise NotImplementedError("group accounts are tested on the database")

    def set_group_limit(self, group_id: str, limit: int) -> None:
        raise NotImplementedError("group accounts are tested on the database")

    def segment_account(self, customer_id: str, company_code: str, *, lock: bool) -> GroupAccountState | None:
        return None  # no credit segments either: they are tested on the database


class FakeReferenceData:
    def __init__(self, books: Books) -> None:
        self.b = books

    def rate(self, base: str, quote: str, on: date) -> Rate:
        found = self.b.rates.get((base, quote))
        if found is None:
            raise MissingRate(base, quote, on)
        return found

    def check_policy(self) -> CheckPolicy:
        return self.b.check_policy

    def add_check_policy(self, name: str, body: str, actor: str, at: datetime) -> int:
        raise NotImplementedError("policy files are parsed by an adapter; tested on the database")

    def company_code(self, code: str) -> CompanyCode | None:
        return None  # the fakes sell through the one company


class FakeOrderBook:
    def __init__(self, books: Books) -> None:
        self.b = books

    def order(self, order_id: str) -> Order | None:
        return self.b.orders.get(order_id)

    def add_order(self, order: Order) -> None:
        assert order.order_id not in self.b.orders
        self.b.orders[order.order_id] = order

    def save_order(self, order: Order) -> None:
        assert order.order_id in self.b.orders
        self.b.orders[order.order_id] = order

    def expiring_orders(self, customer_id: str, today: date) -> list[Order]:
        return sorted(
            (
                o
                for o in self.b.orders.values()
                if o.customer_id == customer_id
                and o.status is OrderStatus.OPEN
                and o.reserved > 0
                and o.valid_until is not None
                and o.valid_until < today
            ),
            key=lambda o: o.order_id,
        )

    def blocked_orders(self, *, limit: int = 200) -> list[Order]:
        held = sorted((o for o in self.b.orders.values() if o.status in HELD), key=lambda o: (o.order_date, o.order_id))
        return held[:limit]

    def reserved_beyond(self, customer_id: str, after: date) -> int:
        return sum(
            o.reserved
            for o in self.b.orders.values()
            if o.customer_id == customer_id
            and o.status is OrderStatus.OPEN
            and o.delivery_date is not None
            and o.delivery_date > after
        )


class FakeReceivables:
    def __init__(self, books: Books) -> None:
        self.b = books

    def invoice_customer(self, invoice_id: str) -> str | None:
        found = self.b.invoices.get(invoice_id)
        return found.invoice.customer_id if found else None

    def invoice_company_code(self, invoice_id: str) -> str | None:
        found = self.b.invoices.get(invoice_id)
        return found.invoice.company_code if found else None

    def open_item(self, invoice_id: str) -> OpenItemRow | None:
        found = self.b.invoices.get(invoice_id)
        return _row(found) if found else None

    def set_disputed(self, invoice_id: str, disputed: bool) -> None:
        self.b.invoices[invoice_id].disputed = disputed

    def set_disputed_amount(self, invoice_id: str, disputed_minor: int) -> None:
        # Whole-invoice flags only: part disputes are tested on the database (test_disputes.py).
        item = self.b.invoices[invoice_id]
        item.disputed = item.open_minor > 0 and disputed_minor >= item.open_minor

    def add_invoice(self, invoice: Invoice) -> None:
        assert invoice.invoice_id not in self.b.invoices
        self.b.invoices[invoice.invoice_id] = OpenInvoice(invoice, invoice.amount.minor, invoice.disputed)

    def open_items(
        self, customer_id: str, invoice_id: str | None, enough: int, company_code: str | None = None
    ) -> list[OpenItemRow]:
        found = [
            i
            for i in self.b.invoices.values()
            if i.invoice.customer_id == customer_id and i.open_minor > 0 and i.invoice.company_code == company_code
        ]
        if invoice_id is not None:
            found = [i for i in found if i.invoice.invoice_id == invoice_id]
        items, covered = [], 0
        for item in sorted(found, key=lambda i: (i.invoice.due_date, i.invoice.invoice_id)):
            items.append(_row(item))
            covered += item.open_minor
            if covered >= enough:
                break
        return items

    def add_payment(self, payment: Payment, allocations: list[Allocation], unapplied: int) -> None:
        assert payment.payment_id not in self.b.payments
        self.b.payments[payment.payment_id] = (payment, allocations, unapplied)
        for allocation in allocations:
            self.b.invoices[allocation.invoice_id].open_minor -= allocation.amount.minor

    def payment_exists(self, payment_id: str) -> bool:
        return payment_id in self.b.payments

    # The fake keeps no document-currency amounts: revaluation is tested on the database
    # (tests/integration/test_currencies.py).
    def customers_with_foreign_items(self) -> list[str]:
        return []

    def foreign_open_items(self, customer_id: str) -> list[OpenItemRow]:
        return []

    def set_open_minor(self, invoice_id: str, open_minor: int) -> None:
        self.b.invoices[invoice_id].open_minor = open_minor


def _row(item: OpenInvoice) -> OpenItemRow:
    return OpenItemRow(item.invoice.invoice_id, item.invoice.due_date, item.open_minor, item.disputed)


class FakeLedger:
    def __init__(self, books: Books) -> None:
        self.b = books

    def post(self, postings: list[Posting], at: datetime) -> None:
        for p in postings:
            assert p.account_kind == "customer", "the fakes keep no group accounts"
            account = self.b.accounts[p.account_id]
            account.totals = account.totals.moved_by(p.delta, p.account_id)
        self.b.postings.extend(postings)

    def emit(self, stream: str, event_type: str, payload: dict[str, Any], at: datetime) -> None:
        self.b.events.append((stream, event_type, payload))


# --- everything else the credit, limit and collections services use --------------------------


class FakeAudit:
    def __init__(self, books: Books) -> None:
        self.b = books

    def append(
        self, actor: str, action: str, entity: str, entity_id: str, payload: dict[str, Any], *, stream: str = "system"
    ) -> AuditRecord:
        self.b.audit.append((actor, action, entity_id, payload))
        now = datetime.now(UTC)
        return AuditRecord(len(self.b.audit), now, actor, action, entity, entity_id, payload, "", "", stream)

    def records(self) -> Iterator[AuditRecord]:
        raise NotImplementedError("the audit chain is tested on the database")

    def records_by_stream(self) -> Iterator[AuditRecord]:
        raise NotImplementedError("the audit chain is tested on the database")

    def heads(self) -> dict[str, AuditHead]:
        raise NotImplementedError("the audit chain is tested on the database")

    def keys(self, *, create: bool = False) -> AuditKeys:
        raise NotImplementedError("the audit chain is tested on the database")

    def begin_snapshot(self) -> None:
        pass

    def is_empty(self) -> bool:
        return not self.b.audit

    def actions(self) -> list[str]:
        return [action for _, action, _, _ in self.b.audit]


class FakeUsers:
    def __init__(self, books: Books) -> None:
        self.b = books

    def get(self, username: str) -> UserRecord | None:
        return self.b.users.get(username)


class FakeCustomers:
    def __init__(self, books: Books) -> None:
        self.b = books

    def get(self, customer_id: str) -> Customer | None:
        return self.b.customers.get(customer_id)


class FakeLimitHistory:
    def __init__(self, books: Books) -> None:
        self.b = books

    def add(self, change: LimitChange) -> None:
        self.b.limit_changes.append(change)

    def for_customer(self, customer_id: str) -> list[LimitChange]:
        return [c for c in self.b.limit_changes if c.customer_id == customer_id]


class FakeLimitManagement:
    def __init__(self, books: Books) -> None:
        self.b = books

    def limit_policy(self) -> tuple[int | None, LimitPolicy]:
        return None, self.b.limit_policy

    def account(self, customer_id: str, *, lock: bool = False) -> ManagedAccount | None:
        a = self.b.accounts.get(customer_id)
        if a is None:
            return None
        return ManagedAccount(
            customer_id=a.customer_id,
            currency=a.currency,
            limit=Money.from_minor(a.limit, a.currency),
            limit_valid_to=a.limit_valid_to,
            base_limit=None if a.base_limit is None else Money.from_minor(a.base_limit, a.currency),
            status=a.status,
            status_source=a.status_source,
            status_changed_on=a.status_changed_on,
            increases_frozen_since=a.increases_frozen_since,
            last_increase_on=a.last_increase_on,
            in_default_since=a.in_default_since,
            next_review_on=a.next_review_on,
        )

    def grade(self, customer_id: str) -> int | None:
        return self.b.grades.get(customer_id)

    def set_limit(
        self, customer_id: str, limit: Money, valid_to: date | None, base_limit: Money | None, increased_on: date | None
    ) -> None:
        a = self.b.accounts[customer_id]
        a.limit, a.limit_valid_to = limit.minor, valid_to
        a.base_limit = None if base_limit is None else base_limit.minor
        if increased_on is not None:
            a.last_increase_on = increased_on

    def set_rule_status(self, customer_id: str, status: AccountStatus, on: date) -> None:
        a = self.b.accounts[customer_id]
        a.status, a.status_source, a.status_changed_on = status, "rule", on

    def set_next_review(self, customer_id: str, on: date) -> None:
        self.b.accounts[customer_id].next_review_on = on

    def set_increases_frozen(self, customer_id: str, since: date | None) -> None:
        self.b.accounts[customer_id].increases_frozen_since = since

    def set_in_default(self, customer_id: str, since: date | None) -> None:
        self.b.accounts[customer_id].in_default_since = since

    def set_dunning(self, customer_id: str, level: int, since: date | None) -> None:
        a = self.b.accounts[customer_id]
        a.dunning_level, a.dunning_since = level, since

    def record(self, change: RecordedChange) -> None:
        self.b.recorded.append(change)

    def changes(self, customer_id: str) -> list[RecordedChange]:
        return [c for c in self.b.recorded if c.customer_id == customer_id]

    def add_request(self, request: LimitRequest) -> None:
        self.b.requests[request.request_id] = request

    def request(self, request_id: str, *, lock: bool = False) -> LimitRequest | None:
        return self.b.requests.get(request_id)

    def requests(self, *, status: RequestStatus | None = None, customer_id: str | None = None) -> list[LimitRequest]:
        found = self.b.requests.values()
        return [
            r
            for r in found
            if (status is None or r.status is status) and (customer_id is None or r.customer_id == customer_id)
        ]

    def decide(self, request_id: str, status: RequestStatus, by: str, at: datetime, comment: str | None) -> None:
        request = self.b.requests[request_id]
        self.b.requests[request_id] = replace(request, status=status, decided_by=by, decided_at=at, comment=comment)

    def pending_customers(self) -> set[str]:
        return {r.customer_id for r in self.b.requests.values() if r.status is RequestStatus.PENDING}

    def rejections(self) -> dict[str, date]:
        raise NotImplementedError("the monitor is tested on the database")

    def reviews_due(self, on: date) -> list[dict[str, Any]]:
        raise NotImplementedError("the monitor is tested on the database")

    def downgrades_seen(self) -> dict[str, date]:
        raise NotImplementedError("the monitor is tested on the database")


class FakeCollections:
    def __init__(self, books: Books) -> None:
        self.b = books

    def add_promise(self, promise: Promise) -> None:
        self.b.promises[promise.promise_id] = promise

    def promise(self, promise_id: str) -> Promise | None:
        return self.b.promises.get(promise_id)

    def promises(self, *, status: PromiseStatus | None = None, customer_id: str | None = None) -> list[Promise]:
        return [
            p
            for p in self.b.promises.values()
            if (status is None or p.status is status) and (customer_id is None or p.customer_id == customer_id)
        ]

    def resolve_promise(self, promise_id: str, status: PromiseStatus, on: date) -> None:
        self.b.promises[promise_id] = replace(self.b.promises[promise_id], status=status, resolved_on=on)

    def cash_received(self, customer_id: str, start: date, end: date) -> int:
        return sum(minor for c, day, minor in self.b.cash if c == customer_id and start <= day <= end)

    def dunning_level(self, customer_id: str) -> int | None:
        a = self.b.accounts.get(customer_id)
        return a.dunning_level if a else None

    def dunning_levels(self) -> dict[str, tuple[int, date | None]]:
        return {c: (a.dunning_level, a.dunning_since) for c, a in self.b.accounts.items()}


class FakeUnitOfWork:
    """The ports over one ``Books``; rolled back (the books restored) unless committed."""

    def __init__(self, books: Books) -> None:
        self.books = books
        self.committed = False
        self._saved: Books | None = None
        self.commands = FakeCommandLog(books)
        self.credit_accounts = FakeCreditAccounts(books)
        self.group_accounts = FakeGroupAccounts(books)
        self.reference = FakeReferenceData(books)
        self.orders = FakeOrderBook(books)
        self.receivables = FakeReceivables(books)
        self.ledger = FakeLedger(books)
        self.audit = FakeAudit(books)
        self.users = FakeUsers(books)
        self.customers = FakeCustomers(books)
        self.limits = FakeLimitHistory(books)
        self.management = FakeLimitManagement(books)
        self.collections = FakeCollections(books)

    def __enter__(self) -> Self:
        self._saved = copy.deepcopy(self.books)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self._saved = copy.deepcopy(self.books)
        self.committed = True

    def rollback(self) -> None:
        if self._saved is not None:
            # Put the committed state back in place: the ports keep pointing at the same Books.
            self.books.__dict__.update(copy.deepcopy(self._saved).__dict__)
