"""An invoices file imported the bulk way: block by block, checked set-wise, written in bulk.

What it writes is what the row-by-row way writes for the same file: the new invoices, one ledger
entry per invoice in the file's order, and at the end the same ``Booker.finish`` (account totals,
overdue, pooled groups, one event per customer). Stored invoices the file repeats unchanged are
counted, not written. An invoice naming an order stores it, and takes the order's company code
when it names none; naming a company code, it moves that credit segment too. A new invoice of its
customer's open order bills it: the order is invoiced and what it held released (a second ledger
entry of the invoice, as the row-by-row way books it), after every invoice is in. Anything else
(a problem, an invoice in another currency than its account's, one that differs from the stored
one, an unknown company code or one other than its order's, an open order named twice) is
NotEligible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from creditdesk.domain.ledger import BalanceOutOfRange
from creditdesk.domain.orders import OrderStatus
from creditdesk.service.ports import Clock

from ..booking import Booker, MissingGroupRate
from . import NotEligible
from .invoice_columns import InvoiceColumns, invoice_columns
from .plain_csv import PlainCsv
from .store import BulkStore, StoredOrders, bulk_store

_RELEASES_AT_ONCE = 50_000  # orders billed a statement

_COMPARED = (
    "invoice_id",
    "customer_id",
    "invoice_date",
    "due_date",
    "amount_minor",
    "currency",
    "order_id",
    "disputed",
    "company_code",
)


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
    known_codes: dict[str, bool] = {}
    receivables = _Receivables()
    releases = _Releases()
    rows = inserted = unchanged = 0
    with bulk_store(conn) as store:
        for block in file.blocks(header):
            try:
                columns = invoice_columns(block, header)
                rows += len(columns)
                _check_customers(store, columns, currencies)
                columns, orders = _with_orders_codes(store, columns, known_codes)
                fresh, repeated = _without_stored(store, columns)
                releases.add(fresh, orders)
            except pa.ArrowException as error:  # a value pyarrow cannot take after all
                raise NotEligible(str(error)) from None
            unchanged += repeated
            if len(fresh):
                if not inserted:
                    store.expect(len(fresh) * size // len(block))
                store.insert(fresh, booker.now)
                receivables.add(fresh)
                inserted += len(fresh)
        releases.book(booker, store)  # while a first load's indexes are away
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


def _with_orders_codes(
    store: BulkStore, columns: InvoiceColumns, known: dict[str, bool]
) -> tuple[InvoiceColumns, StoredOrders | None]:
    """The rows with each company code as stored: the one named (a known code, the order's if the
    invoice names an order), or its order's; and the stored orders they name."""
    named = pc.drop_null(pc.unique(columns.company_code)).to_pylist()
    new = [code for code in named if code not in known]
    if new:
        found = store.known_codes(new)
        known.update({code: code in found for code in new})
    if not all(known[code] for code in named):
        raise NotEligible("an unknown company code")
    billed = pc.drop_null(pc.unique(columns.order_id))
    if not len(billed):
        return columns, None
    named_code = pc.is_valid(columns.company_code)
    coded = pc.drop_null(pc.unique(pc.filter(columns.order_id, named_code)))
    orders = store.orders(billed.to_pylist(), coded.to_pylist())
    at = pc.index_in(columns.order_id, orders.order_id)  # null: none named, stored or bearing on it
    of_order = pc.take(orders.company_code, at)
    # A row whose order is stored: the code it names must be the order's (null for null).
    differs = pc.and_(
        pc.and_(pc.is_valid(at), named_code),
        pc.fill_null(pc.not_equal(columns.company_code, of_order), True),
    )
    if pc.any(differs).as_py():
        raise NotEligible("a company code other than its order's")
    code = pc.if_else(named_code, columns.company_code, of_order)
    return replace(columns, company_code=code), orders


def _without_stored(store: BulkStore, columns: InvoiceColumns) -> tuple[InvoiceColumns, int]:
    """The rows not stored yet, and how many are stored with the same content."""
    if pc.count_distinct(columns.invoice_id).as_py() != len(columns):
        raise NotEligible("an invoice id twice in the file")
    if not len(columns):
        return columns, 0
    bounds = pc.min_max(columns.invoice_id)
    stored = store.stored(columns.invoice_id, bounds["min"].as_py(), bounds["max"].as_py())
    if stored is None:
        return columns, 0
    if pc.any(stored.written_now).as_py():
        raise NotEligible("an invoice id twice in the file")
    at = pc.index_in(stored.invoice_id, columns.invoice_id)
    for name in _COMPARED:
        given, held = pc.take(getattr(columns, name), at), getattr(stored, name)
        both_null = pc.and_(pc.is_null(given), pc.is_null(held))
        if not pc.all(pc.or_(pc.fill_null(pc.equal(given, held), False), both_null), min_count=0).as_py():
            raise NotEligible("a stored invoice with other content")
    store.remember(stored.invoice_id.to_pylist())
    return columns.where(pc.invert(pc.is_in(columns.invoice_id, stored.invoice_id))), len(stored)


@dataclass
class _Releases:
    """The open orders the new invoices bill (each by its own customer), booked once every invoice
    is in: the order invoiced, what it reserved and delivered released in its company code."""

    # pa.Table (customer, invoice, order, code of the order, reserved, delivered), in the file's order
    billed: list[Any] = field(default_factory=list)
    named: set[str] = field(default_factory=set)  # open orders named so far (by any customer)

    def add(self, rows: InvoiceColumns, orders: StoredOrders | None) -> None:
        if orders is None:
            return
        at = pc.index_in(rows.order_id, orders.order_id)
        naming_open = pc.fill_null(pc.take(orders.open, at), False)
        if not pc.any(naming_open).as_py():
            return
        at, naming = pc.filter(at, naming_open), rows.where(naming_open)
        ids = naming.order_id.to_pylist()
        # Which invoice bills an order named twice is the row-by-row way's rule.
        if len(set(ids)) < len(ids) or not self.named.isdisjoint(ids):
            raise NotEligible("an open order named twice")
        self.named.update(ids)
        own = pc.equal(naming.customer_id, pc.take(orders.customer_id, at))  # another's bills nothing
        at, naming = pc.filter(at, own), naming.where(own)
        self.billed.append(
            pa.table(
                {
                    "customer": naming.customer_id,
                    "invoice": naming.invoice_id,
                    "order": naming.order_id,
                    "code": pc.take(orders.company_code, at),
                    "reserved": pc.take(orders.reserved_minor, at),
                    "delivered": pc.take(orders.delivered_minor, at),
                }
            )
        )

    def book(self, booker: Booker, store: BulkStore) -> None:
        if not self.billed:
            return
        billed = pa.concat_tables(self.billed)
        # Summed as 38-digit decimals: a customer's many orders never wrap around 64 bits.
        held = {name: pc.cast(billed[name], pa.decimal128(38, 0)) for name in ("reserved", "delivered")}
        summed = (
            pa.table({"customer": billed["customer"], "code": billed["code"], **held})
            .group_by(["customer", "code"], use_threads=False)
            .aggregate([("reserved", "sum"), ("delivered", "sum")])
        )
        columns = (summed[name].to_pylist() for name in ("customer", "code", "reserved_sum", "delivered_sum"))
        for customer_id, code, reserved, delivered in zip(*columns, strict=True):
            booker.moved(customer_id, code, reserved=-int(reserved), delivered=-int(delivered))
        invoiced = OrderStatus.INVOICED.value  # once, not an enum lookup a row
        for customer_id, order_id in zip(billed["customer"].to_pylist(), billed["order"].to_pylist(), strict=True):
            booker.order_changed(customer_id, order_id, invoiced, 0, 0)
        for start in range(0, len(billed), _RELEASES_AT_ONCE):
            chunk = billed.slice(start, _RELEASES_AT_ONCE)
            releases = (
                chunk["customer"],
                chunk["invoice"],
                chunk["order"],
                pc.negate(chunk["reserved"]),
                pc.negate(chunk["delivered"]),
            )
            store.bill_orders(list(zip(*(column.to_pylist() for column in releases), strict=True)), booker.now)


@dataclass
class _Receivables:
    """What each customer's new invoices add to the receivable, and to the credit segment of the
    company code they name (their ledger entries are written)."""

    # pa.Table (customer, code, amount), summed now and then
    sums: list[Any] = field(default_factory=list)

    def add(self, rows: InvoiceColumns) -> None:
        # As 38-digit decimals: a customer's sum never wraps around as 64-bit integers would.
        amount = pc.cast(rows.amount_minor, pa.decimal128(38, 0))
        self.sums.append(pa.table({"customer": rows.customer_id, "code": rows.company_code, "amount": amount}))
        if len(self.sums) >= 8:
            self.sums = [self._summed()]

    def _summed(self) -> Any:
        table = pa.concat_tables(self.sums)
        grouped = table.group_by(["customer", "code"], use_threads=False).aggregate([("amount", "sum")])
        return pa.table({"customer": grouped["customer"], "code": grouped["code"], "amount": grouped["amount_sum"]})

    def book(self, booker: Booker) -> None:
        if not self.sums:
            return
        totals = self._summed()
        columns = (totals[name].to_pylist() for name in ("customer", "code", "amount"))
        for customer, code, amount in zip(*columns, strict=True):
            booker.moved(customer, code, receivable=int(amount))
