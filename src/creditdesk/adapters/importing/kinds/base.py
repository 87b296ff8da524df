"""What every import kind shares: its fields, the row issues, the import state, and the checks of
customers and money that several kinds make.

Rows are plain dicts shaped like the database rows, so a million of them stream through
without building domain objects; money becomes integer minor units here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import Connection, Table, insert, select, tuple_

from creditdesk.adapters.clock import SystemClock
from creditdesk.adapters.db import tables as t
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
        for chunk in in_chunks(keys):
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


def customer_issues(
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
