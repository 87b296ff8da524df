"""An invoices file imported the bulk way: block by block, checked set-wise, written in bulk.

What it writes is what the row-by-row way writes for the same file: the new invoices, one ledger
entry per invoice in the file's order, and at the end the same ``Booker.finish`` (account totals,
overdue, pooled groups, one event per customer). Stored invoices the file repeats unchanged are
counted, not written. Anything else (a problem, an invoice in another currency than its
account's, one that differs from the stored one) is NotEligible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from creditdesk.domain.ledger import BalanceOutOfRange
from creditdesk.service.ports import Clock

from ..booking import BUCKETS, Booker, MissingGroupRate
from . import NotEligible
from .invoice_columns import InvoiceColumns, invoice_columns
from .plain_csv import PlainCsv
from .store import BulkStore, StoredInvoice, bulk_store

_COMPARED = ("invoice_id", "customer_id", "invoice_date", "due_date", "amount_minor", "currency", "disputed")


@dataclass(frozen=True, slots=True)
class BulkImport:
    rows: int
    inserted: int
    unchanged: int
    sha256: str  # of the file as read


def import_invoices(
    path: Path,
    header: list[str],
    conn: Connection,
    clock: Clock,
    *,
    source: str,
    progress: Callable[[int], None] | None = None,
) -> BulkImport:
    """Import in ``conn``'s transaction; NotEligible (roll it back) for the row-by-row way."""
    booker = Booker(clock, clock.now())
    file = PlainCsv(path, progress)
    size = max(path.stat().st_size, 1)
    currencies: dict[str, str | None] = {}
    receivables = _Receivables()
    rows = inserted = unchanged = 0
    with bulk_store(conn) as store:
        for block in file.blocks(header):
            try:
                columns = invoice_columns(block, header)
                rows += len(columns)
                _check_customers(store, columns, currencies)
                fresh, repeated = _without_stored(store, columns)
            except pa.ArrowException as error:  # a value pyarrow cannot take after all
                raise NotEligible(str(error)) from None
            unchanged += repeated
            if len(fresh):
                if not inserted:
                    store.expect(len(fresh) * size // len(block))
                store.insert(fresh, booker.now)
                receivables.add(fresh)
                inserted += len(fresh)
        store.inserted()
        receivables.book(booker)
        try:
            booker.finish(conn, source)
        except (BalanceOutOfRange, MissingGroupRate):  # the row-by-row way reports them
            raise NotEligible("a balance beyond the bound or a missing rate") from None
    return BulkImport(rows, inserted, unchanged, file.sha256)


def _check_customers(store: BulkStore, columns: InvoiceColumns, currencies: dict[str, str | None]) -> None:
    """Every invoice of a stored customer, in the customer's currency (no conversion here)."""
    named = pc.unique(columns.customer_id)
    ids = named.to_pylist()
    new = [cid for cid in ids if cid not in currencies]
    if new:
        found = store.customer_currencies(new)
        currencies.update({cid: found.get(cid) for cid in new})
    account = pc.take(pa.array([currencies[cid] for cid in ids], pa.string()), pc.index_in(columns.customer_id, named))
    same = pc.equal(account, columns.currency)
    if same.null_count or not pc.all(same, min_count=0).as_py():
        raise NotEligible("an unknown customer or another currency than the account's")


def _without_stored(store: BulkStore, columns: InvoiceColumns) -> tuple[InvoiceColumns, int]:
    """The rows not stored yet, and how many are stored with the same content."""
    if pc.count_distinct(columns.invoice_id).as_py() != len(columns):
        raise NotEligible("an invoice id twice in the file")
    if not len(columns):
        return columns, 0
    bounds = pc.min_max(columns.invoice_id)
    stored = store.stored(columns.invoice_id, bounds["min"].as_py(), bounds["max"].as_py())
    if not stored:
        return columns, 0
    if any(invoice.written_now for invoice in stored):
        raise NotEligible("an invoice id twice in the file")
    ids = pa.array([invoice.invoice_id for invoice in stored], pa.string())
    at = pc.index_in(ids, columns.invoice_id)
    given = zip(*(pc.take(getattr(columns, name), at).to_pylist() for name in _COMPARED), strict=True)
    if any(_as_given(invoice) != row for invoice, row in zip(stored, given, strict=True)):
        raise NotEligible("a stored invoice with other content")
    store.remember(ids.to_pylist())
    return columns.where(pc.invert(pc.is_in(columns.invoice_id, ids))), len(stored)


def _as_given(invoice: StoredInvoice) -> tuple[Any, ...] | None:
    """The stored invoice as a bulk row, or None when it has what no bulk row has (an order, a code)."""
    if invoice.order_id is not None or invoice.company_code is not None:
        return None
    return tuple(getattr(invoice, name) for name in _COMPARED)


@dataclass
class _Receivables:
    """What each customer's new invoices add to the receivable (their ledger entries are written)."""

    sums: list[Any] = field(default_factory=list)  # pa.Table (customer, amount), summed now and then

    def add(self, rows: InvoiceColumns) -> None:
        # As 38-digit decimals: a customer's sum never wraps around as 64-bit integers would.
        amount = pc.cast(rows.amount_minor, pa.decimal128(38, 0))
        self.sums.append(pa.table({"customer": rows.customer_id, "amount": amount}))
        if len(self.sums) >= 8:
            self.sums = [self._summed()]

    def _summed(self) -> Any:
        grouped = pa.concat_tables(self.sums).group_by("customer", use_threads=False).aggregate([("amount", "sum")])
        return pa.table({"customer": grouped["customer"], "amount": grouped["amount_sum"]})

    def book(self, booker: Booker) -> None:
        if not self.sums:
            return
        totals = self._summed()
        for customer, amount in zip(totals["customer"].to_pylist(), totals["amount"].to_pylist(), strict=True):
            booker.deltas.setdefault(customer, dict.fromkeys(BUCKETS, 0))["receivable"] += int(amount)
