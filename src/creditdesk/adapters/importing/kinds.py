"""The six import kinds (and groups): their fields, how a row is built and checked, and written.

Rows are plain dicts shaped like the database rows, so a million of them stream through
without building domain objects; money becomes integer minor units here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import Connection, Table, bindparam, insert, select, tuple_, update

from creditdesk.adapters.clock import SystemClock
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.audit_log import SqlAuditLog
from creditdesk.adapters.db.limit_management import SqlLimitManagement
from creditdesk.domain.customers import Customer
from creditdesk.domain.documents import SettlementKind
from creditdesk.domain.ledger import EntryKind
from creditdesk.domain.money import Money
from creditdesk.domain.orders import OrderStatus
from creditdesk.domain.roles import Role
from creditdesk.service.customers import initial_limit_request, initial_request_id, may_set_initial_limit

from . import fields as f
from .booking import Booker
from .problems import Code, FieldError


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    parse: f.Parser
    required: bool = False


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A problem with one built row: which field and what."""

    index: int
    field: str
    code: Code
    message: str


@dataclass
class ImportState:
    """What one pass remembers across batches (bounded by the number of distinct ids)."""

    customer_currency: dict[str, str | None] = field(default_factory=dict)
    groups: dict[str, bool] = field(default_factory=dict)
    invoice_open: dict[str, int] = field(default_factory=dict)
    invoice_customer: dict[str, str | None] = field(default_factory=dict)
    open_items_loaded: set[str] = field(default_factory=set)
    customer_open_items: dict[str, list[tuple[date, str]]] = field(default_factory=dict)
    booker: Booker = field(default_factory=lambda: Booker(SystemClock(), datetime.now(UTC)))
    source: str = "import"
    actor: str = "import"
    # Whose authority initial limits in the file are set with; None: they are all proposals.
    role: Role | None = None

    @property
    def now(self) -> datetime:
        return self.booker.now


def _in_chunks(values: Sequence[Any], size: int = 500) -> list[Sequence[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def load_customers(conn: Connection, state: ImportState, ids: set[str]) -> None:
    missing = [cid for cid in ids if cid not in state.customer_currency]
    for chunk in _in_chunks(missing):
        found = dict(
            conn.execute(
                select(t.customers.c.customer_id, t.customers.c.currency).where(t.customers.c.customer_id.in_(chunk))
            ).all()
        )
        for cid in chunk:
            state.customer_currency[cid] = found.get(cid)


class Kind:
    name: ClassVar[str]
    table: ClassVar[Table]
    key: ClassVar[tuple[str, ...]]
    fields: ClassVar[tuple[Field, ...]]
    # Stored columns that are derived, not given by the file; left out of the identity check.
    derived: ClassVar[tuple[str, ...]] = ()

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        """A database row from parsed values; raises FieldError keyed by field via BuildError."""
        return dict(values)

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        """References and rules that need the database."""
        return []

    def compare(self, row: dict[str, Any], stored: dict[str, Any]) -> bool:
        return all(stored.get(name) == value for name, value in row.items() if name not in self.derived)

    def write(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> None:
        conn.execute(insert(self.table), rows)

    def finish(self, conn: Connection, state: ImportState) -> None:
        """Apply what was accumulated over the whole file (account running totals)."""

    def key_of(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row[name] for name in self.key)

    def existing(self, conn: Connection, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        found: dict[tuple[Any, ...], dict[str, Any]] = {}
        columns = [self.table.c[name] for name in self.key]
        for chunk in _in_chunks(keys):
            where = columns[0].in_([k[0] for k in chunk]) if len(columns) == 1 else tuple_(*columns).in_(chunk)
            for row in conn.execute(select(self.table).where(where)).mappings():
                stored = dict(row)
                found[tuple(stored[name] for name in self.key)] = stored
        return found


class BuildError(Exception):
    def __init__(self, field_name: str, error: FieldError) -> None:
        super().__init__(error.message)
        self.field = field_name
        self.error = error


def _minor(
    values: dict[str, Any], amount_field: str, ccy: str | None, *, positive: bool = False, non_negative: bool = False
) -> int | None:
    amount = values.get(amount_field)
    if amount is None:
        return None
    if ccy is None:
        raise BuildError(
            "currency", FieldError(Code.MISSING_VALUE, f"expected a currency for {amount_field}, found none")
        )
    if positive and amount <= 0:
        raise BuildError(amount_field, FieldError(Code.OUT_OF_RANGE, f"expected an amount above 0, found {amount}"))
    if non_negative and amount < 0:
        raise BuildError(
            amount_field, FieldError(Code.OUT_OF_RANGE, f"expected an amount of 0 or more, found {amount}")
        )
    try:
        return f.to_minor(amount, ccy)
    except FieldError as error:
        raise BuildError(amount_field, error) from None


def _customer_issues(
    conn: Connection, rows: list[dict[str, Any]], state: ImportState, *, currency_must_match: bool = True
) -> list[RowIssue]:
    load_customers(conn, state, {row["customer_id"] for row in rows})
    issues = []
    for index, row in enumerate(rows):
        ccy = state.customer_currency.get(row["customer_id"])
        if ccy is None:
            issues.append(
                RowIssue(
                    index,
                    "customer_id",
                    Code.UNKNOWN_CUSTOMER,
                    f"expected a stored customer, found unknown id {row['customer_id']!r}",
                )
            )
        elif currency_must_match and row.get("currency") not in (None, ccy):
            issues.append(
                RowIssue(
                    index,
                    "currency",
                    Code.CURRENCY_MISMATCH,
                    f"expected {ccy} (the customer's account currency), found {row['currency']}",
                )
            )
    return issues


class Groups(Kind):
    name = "groups"
    table = t.customer_groups
    key = ("group_id",)
    fields = (
        Field("group_id", f.identifier, required=True),
        Field("name", f.bounded_text(200), required=True),
        Field("parent_group_id", f.identifier),
    )

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        wanted = {row["parent_group_id"] for row in rows if row["parent_group_id"]} - set(state.groups)
        for chunk in _in_chunks(sorted(wanted)):
            stored = set(
                conn.execute(
                    select(t.customer_groups.c.group_id).where(t.customer_groups.c.group_id.in_(chunk))
                ).scalars()
            )
            state.groups.update({gid: gid in stored for gid in chunk})
        issues = []
        for index, row in enumerate(rows):
            parent = row["parent_group_id"]
            if parent == row["group_id"]:
                issues.append(
                    RowIssue(
                        index,
                        "parent_group_id",
                        Code.GROUP_CYCLE,
                        "expected another group as parent, found the group itself",
                    )
                )
            elif parent and not state.groups.get(parent):
                issues.append(
                    RowIssue(
                        index,
                        "parent_group_id",
                        Code.UNKNOWN_GROUP,
                        f"expected a stored group or one earlier in the file, found {parent!r}",
                    )
                )
            # Parents must come first, so a group defined here may parent later rows.
            state.groups[row["group_id"]] = True
        return issues


class Customers(Kind):
    name = "customers"
    table = t.customers
    key = ("customer_id",)
    fields = (
        Field("customer_id", f.identifier, required=True),
        Field("name", f.bounded_text(200), required=True),
        Field("currency", f.currency, required=True),
        Field("segment", f.one_of("standard", "strategic", "government", "new", "related_party", "insured", "secured")),
        Field("group_id", f.identifier),
        Field("country", f.country_code),
        Field("industry", f.bounded_text(64)),
        Field("registered_on", f.iso_date),
        Field("payment_terms_days", f.integer),
        Field("credit_limit", f.decimal_amount),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        terms = values.get("payment_terms_days")
        if terms is not None and not 0 <= terms <= 365:
            raise BuildError(
                "payment_terms_days", FieldError(Code.OUT_OF_RANGE, f"expected 0 to 365 days, found {terms}")
            )
        limit = _minor(values, "credit_limit", values["currency"], non_negative=True)
        return {
            "customer_id": values["customer_id"],
            "name": values["name"],
            "currency": values["currency"],
            "segment": values.get("segment") or "standard",
            "group_id": values.get("group_id"),
            "country": values.get("country"),
            "industry": values.get("industry"),
            "registered_on": values.get("registered_on"),
            "payment_terms_days": 30 if terms is None else terms,
            "limit_minor": limit,
        }

    def existing(self, conn: Connection, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], dict[str, Any]]:
        found = super().existing(conn, keys)
        for chunk in _in_chunks([k[0] for k in found]):
            for cid, limit in conn.execute(
                select(t.credit_accounts.c.customer_id, t.credit_accounts.c.limit_minor).where(
                    t.credit_accounts.c.customer_id.in_(chunk)
                )
            ):
                found[(cid,)]["limit_minor"] = limit
            # A limit proposed by an earlier import (waiting for approval) is the same content.
            proposals = {initial_request_id(cid): cid for cid in chunk}
            r = t.limit_requests
            for request_id, amount in conn.execute(
                select(r.c.request_id, r.c.amount_minor).where(r.c.request_id.in_(list(proposals)))
            ):
                if not found[(proposals[request_id],)]["limit_minor"]:
                    found[(proposals[request_id],)]["limit_minor"] = amount
        return found

    def compare(self, row: dict[str, Any], stored: dict[str, Any]) -> bool:
        same = all(stored.get(k) == v for k, v in row.items() if k != "limit_minor")
        return same and (row["limit_minor"] is None or row["limit_minor"] == stored.get("limit_minor"))

    def write(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> None:
        groups = sorted(
            {row["group_id"] for row in rows if row["group_id"]} - {g for g, ok in state.groups.items() if ok}
        )
        for chunk in _in_chunks(groups):
            stored = set(
                conn.execute(
                    select(t.customer_groups.c.group_id).where(t.customer_groups.c.group_id.in_(chunk))
                ).scalars()
            )
            new = [g for g in chunk if g not in stored]
            if new:
                # ERP exports carry group codes without a group master; the code creates the group.
                conn.execute(
                    insert(t.customer_groups), [{"group_id": g, "name": g, "parent_group_id": None} for g in new]
                )
            state.groups.update(dict.fromkeys(chunk, True))
        conn.execute(insert(t.customers), [{k: v for k, v in row.items() if k != "limit_minor"} for row in rows])
        conn.execute(
            insert(t.credit_accounts),
            [
                {
                    "customer_id": row["customer_id"],
                    "currency": row["currency"],
                    "limit_minor": row["limit_minor"] or 0,
                    "limit_valid_to": None,
                    "status": "active",
                    "receivable_minor": 0,
                    "reserved_minor": 0,
                }
                for row in rows
            ],
        )
        limited = [row for row in rows if row["limit_minor"] is not None]
        limited = _propose_beyond_authority(conn, limited, state)
        if limited:
            now = state.now
            conn.execute(
                insert(t.limit_changes),
                [
                    {
                        "customer_id": row["customer_id"],
                        "amount_minor": row["limit_minor"],
                        "currency": row["currency"],
                        "valid_from": now.date(),
                        "valid_to": None,
                        "reason": "imported limit",
                        "source": "import",
                        "changed_by": state.actor,
                        "changed_at": now,
                    }
                    for row in limited
                ],
            )


def _propose_beyond_authority(
    conn: Connection, limited: list[dict[str, Any]], state: ImportState
) -> list[dict[str, Any]]:
    """The rows whose limit the importer may set alone (kept); every other one's account stays at
    zero and its limit waits as a request for someone who may decide it (audited)."""
    if not limited:
        return limited
    management = SqlLimitManagement(conn)
    version, policy = management.limit_policy()
    kept = []
    for row in limited:
        limit = Money.from_minor(row["limit_minor"], row["currency"])
        if not limit.amount or may_set_initial_limit(policy, state.role, limit, row["segment"]):
            kept.append(row)
            continue
        conn.execute(
            update(t.credit_accounts).where(t.credit_accounts.c.customer_id == row["customer_id"]).values(limit_minor=0)
        )
        customer = Customer(row["customer_id"], row["name"], row["currency"], segment=row["segment"])
        request = initial_limit_request(policy, version, customer, limit, state.actor, state.booker.clock)
        management.add_request(request)
        audit = SqlAuditLog(conn, state.booker.clock)
        audit.append(
            state.actor, "limit.requested", "customer", row["customer_id"], request.as_json(), stream=row["customer_id"]
        )
    return kept


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
        amount = _minor(values, "amount", values["currency"], positive=True)
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
        return _customer_issues(conn, rows, state)

    def write(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> None:
        conn.execute(insert(self.table), rows)
        book = state.booker
        for row in rows:
            book.book(row["customer_id"], EntryKind.POST, row["invoice_id"], receivable=row["amount_minor"])
        by_order = {row["order_id"]: row for row in rows if row["order_id"]}
        o = t.orders
        for chunk in _in_chunks(sorted(by_order)):
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
        amount = _minor(values, "amount", values["currency"], positive=True)
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
        issues = _customer_issues(conn, rows, state)
        wanted = sorted({row["invoice_id"] for row in rows if row["invoice_id"]} - set(state.invoice_customer))
        for chunk in _in_chunks(wanted):
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
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "order_id": values["order_id"],
            "customer_id": values["customer_id"],
            "order_date": values["order_date"],
            "amount_minor": _minor(values, "amount", values["currency"], positive=True),
            "currency": values["currency"],
            "status": values.get("status") or OrderStatus.OPEN.value,
        }

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        return _customer_issues(conn, rows, state)

    def write(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> None:
        # Open orders from the ERP are reservations already made there: they are booked as
        # they are, not re-decided (a check happens when an order is submitted here).
        stored = []
        for row in rows:
            is_open = row["status"] == OrderStatus.OPEN.value
            reserved = row["amount_minor"] if is_open else 0
            stored.append({**row, "account_minor": row["amount_minor"], "reserved_minor": reserved})
            if is_open:
                state.booker.book(row["customer_id"], EntryKind.RESERVE, row["order_id"], reserved=reserved)
            state.booker.order_changed(row["customer_id"], row["order_id"], row["status"], reserved, 0)
        conn.execute(insert(self.table), stored)
        state.booker.flush(conn)

    def finish(self, conn: Connection, state: ImportState) -> None:
        state.booker.finish(conn, state.source)


_STATEMENT_REQUIRED = t.STATEMENT_REQUIRED_MONEY
_STATEMENT_OPTIONAL = t.STATEMENT_OPTIONAL_MONEY


class Financials(Kind):
    name = "financials"
    table = t.financial_statements
    key = ("customer_id", "period_end")
    fields = (
        Field("customer_id", f.identifier, required=True),
        Field("period_end", f.iso_date, required=True),
        Field("currency", f.currency, required=True),
        *(Field(name, f.decimal_amount, required=True) for name in _STATEMENT_REQUIRED),
        *(Field(name, f.decimal_amount) for name in _STATEMENT_OPTIONAL),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {
            "customer_id": values["customer_id"],
            "period_end": values["period_end"],
            "currency": values["currency"],
        }
        for name in (*_STATEMENT_REQUIRED, *_STATEMENT_OPTIONAL):
            row[f"{name}_minor"] = _minor(
                values,
                name,
                values["currency"],
                non_negative=name in ("total_assets", "current_assets", "cash", "inventory"),
            )
        return row

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        # Statements may be kept in another currency than the credit account.
        return _customer_issues(conn, rows, state, currency_must_match=False)


class Bureau(Kind):
    name = "bureau"
    table = t.bureau_reports
    key = ("customer_id", "provider", "report_date")
    fields = (
        Field("customer_id", f.identifier, required=True),
        Field("provider", f.identifier, required=True),
        Field("report_date", f.iso_date, required=True),
        Field("score", f.integer, required=True),
        Field("rating", f.bounded_text(16)),
        Field("pd", f.number),
        Field("recommended_limit", f.decimal_amount),
        Field("currency", f.currency),
        Field("events", f.event_list),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        pd = values.get("pd")
        if pd is not None and not 0.0 <= pd <= 1.0:
            raise BuildError("pd", FieldError(Code.OUT_OF_RANGE, f"expected a probability from 0 to 1, found {pd}"))
        return {
            "customer_id": values["customer_id"],
            "provider": values["provider"],
            "report_date": values["report_date"],
            "score": values["score"],
            "rating": values.get("rating") or None,
            "pd": pd,
            "recommended_limit_minor": _minor(values, "recommended_limit", values.get("currency"), non_negative=True),
            "currency": values.get("currency"),
            "events": values.get("events") or None,
        }

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        return _customer_issues(conn, rows, state, currency_must_match=False)


SUPPORT_KINDS = ("insurance", "guarantee", "letter_of_credit")


class CreditSupport(Kind):
    """Credit insurance (the insurer's buyer limit and the share of a loss it bears), guarantees
    and letters of credit: what lets a limit go beyond the customer's own standing."""

    name = "credit_support"
    table = t.credit_support
    key = ("support_id",)
    fields = (
        Field("support_id", f.identifier, required=True),
        Field("customer_id", f.identifier, required=True),
        Field("kind", f.bounded_text(24), required=True),
        Field("provider", f.identifier, required=True),
        Field("amount", f.decimal_amount, required=True),
        Field("currency", f.currency, required=True),
        Field("valid_from", f.iso_date, required=True),
        Field("valid_to", f.iso_date),
        Field("cover_share", f.decimal_amount),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        kind = values["kind"]
        if kind not in SUPPORT_KINDS:
            raise BuildError(
                "kind", FieldError(Code.OUT_OF_RANGE, f"expected one of {', '.join(SUPPORT_KINDS)}, found {kind!r}")
            )
        share = values.get("cover_share")
        if kind == "insurance" and share is None:
            raise BuildError(
                "cover_share", FieldError(Code.MISSING_VALUE, "expected the share of a loss the insurer bears")
            )
        if share is not None and not 0 <= share <= 1:
            raise BuildError("cover_share", FieldError(Code.OUT_OF_RANGE, f"expected 0 to 1, found {share}"))
        valid_to = values.get("valid_to")
        if valid_to is not None and valid_to < values["valid_from"]:
            raise BuildError(
                "valid_to", FieldError(Code.OUT_OF_RANGE, f"expected a date on or after {values['valid_from']}")
            )
        return {
            "support_id": values["support_id"],
            "customer_id": values["customer_id"],
            "kind": kind,
            "provider": values["provider"],
            "amount_minor": _minor(values, "amount", values["currency"], non_negative=True),
            "currency": values["currency"],
            "cover_share": None if share is None else str(share),
            "valid_from": values["valid_from"],
            "valid_to": valid_to,
        }

    def check(self, conn: Connection, rows: list[dict[str, Any]], state: ImportState) -> list[RowIssue]:
        return _customer_issues(conn, rows, state)


class FxRates(Kind):
    name = "fx_rates"
    table = t.fx_rates
    key = ("base_currency", "quote_currency", "rate_date")
    fields = (
        Field("base_currency", f.currency, required=True),
        Field("quote_currency", f.currency, required=True),
        Field("rate_date", f.iso_date, required=True),
        Field("rate", f.decimal_amount, required=True),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        if values["base_currency"] == values["quote_currency"]:
            raise BuildError(
                "quote_currency",
                FieldError(Code.OUT_OF_RANGE, f"expected a currency other than {values['base_currency']}"),
            )
        if not values["rate"] > 0:
            raise BuildError("rate", FieldError(Code.OUT_OF_RANGE, f"expected a positive rate, found {values['rate']}"))
        return {**values, "rate": str(values["rate"])}


KINDS: dict[str, Callable[[], Kind]] = {
    kind.name: kind
    for kind in (Customers, Invoices, Payments, Orders, Financials, Bureau, Groups, FxRates, CreditSupport)
}
