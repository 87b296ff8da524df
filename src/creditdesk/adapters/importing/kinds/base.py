"""What every import kind shares: its fields, the row issues, the import state, and the checks of
customers and money that several kinds make.

Rows are plain dicts shaped like the database rows, so a million of them stream through
without building domain objects; money becomes integer minor units here.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import Connection, Table, insert, select, tuple_

from creditdesk.adapters.clock import SystemClock
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.credit_store import SqlCreditStore
from creditdesk.domain.fx import MissingRate, Rate
from creditdesk.domain.roles import Role

from .. import fields as f
from ..booking import Booker
from ..problems import Code, FieldError


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
    invoice_code: dict[str, str | None] = field(default_factory=dict)  # each invoice's company code
    open_items_loaded: set[str] = field(default_factory=set)
    customer_open_items: dict[str, list[tuple[date, str]]] = field(default_factory=dict)
    booker: Booker = field(default_factory=lambda: Booker(SystemClock(), datetime.now(UTC)))
    source: str = "import"
    actor: str = "import"
    # Whose authority initial limits in the file are set with; None: they are all proposals.
    role: Role | None = None
    # Exchange rates looked up for documents in another currency (docs/currencies.md).
    rates: dict[tuple[str, str, date], Rate | None] = field(default_factory=dict)
    invoice_doc_open: dict[str, tuple[str, int]] = field(default_factory=dict)  # currency, open in it

    @property
    def now(self) -> datetime:
        return self.booker.now


def in_chunks(values: Sequence[Any], size: int = 500) -> list[Sequence[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def load_customers(conn: Connection, state: ImportState, ids: set[str]) -> None:
    missing = [cid for cid in ids if cid not in state.customer_currency]
    for chunk in in_chunks(missing):
        found = dict(
            conn.execute(
                select(t.customers.c.customer_id, t.customers.c.currency).where(t.customers.c.customer_id.in_(chunk))
            ).all()
        )
        for cid in chunk:
            state.customer_currency[cid] = found.get(cid)


@dataclass
class ChangePlan:
    """What a batch's rows that differ from what is stored would change (kinds whose stored rows
    may change: customers' master data)."""

    issues: list[RowIssue] = field(default_factory=list)
    apply: list[dict[str, Any]] = field(default_factory=list)  # customer_id, before, values, changes, index
    unchanged: int = 0
    changes: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # (id, field, before, after)
    protected: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # kept, not overwritten


class ChangeRefused(Exception):
    """A change the write pass could not apply (the index of its row in the plan)."""

    def __init__(self, index: int, code: Code, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.code = code
        self.message = message


class Kind:
    name: ClassVar[str]
    table: ClassVar[Table]
    key: ClassVar[tuple[str, ...]]
    fields: ClassVar[tuple[Field, ...]]
    # Stored columns that are derived, not given by the file; left out of the identity check.
    derived: ClassVar[tuple[str, ...]] = ()
    # Whether a row that differs from the stored one is a change (True) or a conflict.

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
        for chunk in in_chunks(keys):
            where = columns[0].in_([k[0] for k in chunk]) if len(columns) == 1 else tuple_(*columns).in_(chunk)
            for row in conn.execute(select(self.table).where(where)).mappings():
                stored = dict(row)
                found[tuple(stored[name] for name in self.key)] = stored
        return found


class ChangingKind(Kind):
    """A kind whose stored rows a later file may change (customers: an ERP's nightly master data).
    A row that differs from the stored one is planned as a change instead of a CONFLICT."""

    @abstractmethod
    def plan_changes(
        self, conn: Connection, items: list[tuple[dict[str, Any], dict[str, Any], set[str]]], state: ImportState
    ) -> ChangePlan:
        """(row, stored, columns present) of rows that differ from what is stored."""

    @abstractmethod
    def apply_changes(self, conn: Connection, plan: ChangePlan, state: ImportState) -> None:
        """Apply the planned changes through the service layer's rules."""


class BuildError(Exception):
    def __init__(self, field_name: str, error: FieldError) -> None:
        super().__init__(error.message)
        self.field = field_name
        self.error = error


def minor_of(
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


def company_code_issues(conn: Connection, rows: list[dict[str, Any]]) -> list[RowIssue]:
    """Rows naming a company code that is not one (``creditdesk company add`` makes it)."""
    named = {row["company_code"] for row in rows if row.get("company_code")}
    if not named:
        return []
    known = set(conn.execute(select(t.company_codes.c.code).where(t.company_codes.c.code.in_(named))).scalars())
    return [
        RowIssue(
            index,
            "company_code",
            Code.UNKNOWN_COMPANY_CODE,
            f"expected a company code (creditdesk company list), found unknown code {row['company_code']!r}",
        )
        for index, row in enumerate(rows)
        if row.get("company_code") and row["company_code"] not in known
    ]


def account_rate(conn: Connection, state: ImportState, base: str, quote: str, on: date) -> Rate | None:
    """The latest rate on or before ``on`` (fx_rates, either direction), cached for the import."""
    key = (base, quote, on)
    if key not in state.rates:
        try:
            state.rates[key] = SqlCreditStore(conn, state.booker.clock).rate(base, quote, on)
        except MissingRate:
            state.rates[key] = None
    return state.rates[key]


def to_account_currency(conn: Connection, state: ImportState, row: dict[str, Any], date_field: str) -> Rate | None:
    """Convert a document row in another currency to its account's, in place, at its date's rate
    (rounded once half-even), keeping the document as issued; None when already in it."""
    account = state.customer_currency[row["customer_id"]]
    assert account is not None
    if row["currency"] == account:
        return None
    rate = account_rate(conn, state, row["currency"], account, row[date_field])
    assert rate is not None, "checked by customer_issues(convert_on=...)"
    converted = rate(row["amount_minor"])
    row.update(
        doc_amount_minor=row["amount_minor"],
        doc_currency=row["currency"],
        fx_rate=str(rate.rate),
        amount_minor=converted,
        currency=account,
    )
    return rate


DOC_COLUMNS = ("doc_amount_minor", "doc_currency", "fx_rate")


def as_issued(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored document row as its file gave it: a converted one in its own currency."""
    if stored.get("doc_currency") is None:
        return stored
    return {**stored, "amount_minor": stored["doc_amount_minor"], "currency": stored["doc_currency"]}


def doc_source(row: dict[str, Any]) -> tuple[int, str, str] | None:
    """The ledger entry's source of a converted document row (minor, currency, rate)."""
    if row.get("doc_currency") is None:
        return None
    return row["doc_amount_minor"], row["doc_currency"], row["fx_rate"]


def customer_issues(
    conn: Connection,
    rows: list[dict[str, Any]],
    state: ImportState,
    *,
    currency_must_match: bool = True,
    convert_on: str | None = None,
) -> list[RowIssue]:
    """Unknown customers, and documents not in the account currency: refused, or (``convert_on``:
    the document's date field) converted at that date's rate when there is one."""
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
        elif convert_on is not None and row.get("currency") not in (None, ccy):
            if account_rate(conn, state, row["currency"], ccy, row[convert_on]) is None:
                issues.append(
                    RowIssue(
                        index,
                        "currency",
                        Code.CURRENCY_MISMATCH,
                        f"expected {ccy} (the customer's account currency) or a currency with a rate to it; "
                        f"found {row['currency']} with no rate from {row['currency']} to {ccy} on or before "
                        f"{row[convert_on]}",
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
