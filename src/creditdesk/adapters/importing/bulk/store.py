"""What the bulk way asks of the database, in bulk: SQLite through prepared statements run over
many rows, PostgreSQL through COPY. All in the caller's transaction (one per import).

Stored invoices are looked up by id (not at all when none is stored between the block's lowest
and highest id); one this import wrote itself is an id twice in the file (SQLite: a rowid beyond
the largest before the import; PostgreSQL: a row of this transaction). The ids of invoices the
file names again are kept in a temporary table, where a second time is a duplicate key. Either
raises NotEligible, as does any write the database refuses (a duplicate id, a foreign key, a
value).

When the file brings at least as many rows as a table holds (a first load): that table's
secondary indexes (and on PostgreSQL its foreign keys, checked row by row in COPY) are dropped
before the rows go in and created again (from their stored definitions) after, in the same
transaction, which sorting does in a fraction of the time of a million inserts at random places;
a failed import rolls the dropping back with the rest. On SQLite readers see the old indexes until
the commit, as they see the old rows. On PostgreSQL dropping takes the table's ACCESS EXCLUSIVE
lock: while a first load runs (about 10 s a million rows), nothing reads or writes the invoices
and the ledger; a later, smaller file keeps every index and lets them be. While the ledger is so
held, its entry ids are taken from the sequence a block at a time and written in the COPY (one
nextval a row was a fifth of the ledger's COPY), in the file's order as before.

A block's writes run in a writer thread while the caller reads and checks the next block. On
PostgreSQL the server is the bottleneck (a profile: 8.2 s of an 11.4 s import waiting on it, 3.2 s
of the client's own work after it); on SQLite binding the values is most of the insert (sqlite3
lets go of the GIL while it steps). The writer runs psycopg on bytes, or sqlite3 on Python values,
that the caller made: no pyarrow in a second thread (parsing there once left processes that later
trained LightGBM to die of a segmentation fault).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy import Connection

from creditdesk.adapters.db import tables as t
from creditdesk.domain.ledger import EntryKind
from creditdesk.domain.orders import OrderStatus

from . import NotEligible
from .invoice_columns import InvoiceColumns

_SEEN = "bulk_import_seen_invoices"
_INVOICE_COLUMNS = ", ".join(
    (
        "invoice_id, customer_id, invoice_date, due_date, amount_minor, currency",
        "disputed, open_minor, order_id, company_code",
    )
)
_LEDGER_COLUMNS = (
    "account_kind, account_id, kind, ref_id, reserved_delta, delivered_delta, receivable_delta, unapplied_delta, at"
)
_AS_ISSUED = (  # StoredInvoices' columns: the invoice as its file gave it (booleans as 1 or 0)
    "invoice_id, customer_id, invoice_date, due_date,"
    " CASE WHEN doc_currency IS NULL THEN amount_minor ELSE doc_amount_minor END,"
    " COALESCE(doc_currency, currency), order_id, CASE WHEN disputed THEN 1 ELSE 0 END, company_code"
)
_ORDER_COLUMNS = (  # open as 1 or 0 on either database (PostgreSQL's comparison is a boolean)
    "order_id, customer_id, company_code,"
    f" CASE WHEN status = '{OrderStatus.OPEN.value}' THEN 1 ELSE 0 END, reserved_minor, delivered_minor"
)
_BEARING = f"status = '{OrderStatus.OPEN.value}' OR company_code IS NOT NULL"  # on its invoice's booking
_BILLED = (
    f"UPDATE orders SET status = '{OrderStatus.INVOICED.value}', reserved_minor = 0, delivered_minor = 0"
    " WHERE order_id "
)
_ANY_BETWEEN = "SELECT 1 FROM invoices WHERE invoice_id BETWEEN ? AND ? LIMIT 1"
_ANY_AMONG = (  # one row of bounds, then one index range probe (a join could rescan the array)
    "SELECT EXISTS (SELECT 1 FROM invoices WHERE invoice_id BETWEEN ids.lowest AND ids.highest)"
    " FROM (SELECT min(id) AS lowest, max(id) AS highest FROM unnest(%s::text[]) AS id) AS ids"
)
_BYTEWISE = "SELECT datcollate IN ('C', 'POSIX') FROM pg_database WHERE datname = current_database()"
_HELD_UP_TO = "SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS held"  # counts no further
_SECONDARY_INDEXES = (
    "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
    " WHERE indrelid = %s::regclass AND NOT indisprimary AND NOT indisunique"
)
_FOREIGN_KEYS = (
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'"
)
_ENTRY_IDS = "pg_get_serial_sequence('ledger_entries', 'entry_id')"
_SQLITE_CACHE_KIB = 65_536  # the page cache while importing: index pages stay in memory


@dataclass(frozen=True, slots=True)
class StoredInvoices:
    """Stored invoices as their files gave them (the fields the row-by-row way's ``compare``
    compares), as columns (pyarrow arrays; dates as their ISO text)."""

    invoice_id: Any
    customer_id: Any
    invoice_date: Any
    due_date: Any
    amount_minor: Any
    currency: Any
    order_id: Any
    disputed: Any
    company_code: Any
    written_now: Any  # by this import: the file names the invoice twice

    def __len__(self) -> int:
        return len(self.invoice_id)


@dataclass(frozen=True, slots=True)
class StoredOrders:
    """Stored orders as columns (pyarrow arrays, one value an order)."""

    order_id: Any
    customer_id: Any
    company_code: Any
    open: Any  # not billed yet: the invoice of it (its customer's) releases what it holds
    reserved_minor: Any
    delivered_minor: Any


class BulkStore(Protocol):
    def customer_currencies(self, ids: list[str]) -> dict[str, str]: ...

    def known_codes(self, codes: list[str]) -> set[str]:
        """Those of ``codes`` that are company codes."""

    def orders(self, ids: list[str], coded: list[str]) -> StoredOrders:
        """The stored orders of ``ids`` an invoice's booking depends on: the open ones, those of a
        company code, and those of ``coded`` (named by an invoice naming a code: it must be the
        order's). Any other order gives its invoice nothing (a history load bills millions)."""

    def stored(self, ids: Any, lowest: str, highest: str) -> StoredInvoices | None:
        """None, or the stored invoices of these ids (a pyarrow string array; the lowest and highest of them:
        a range to look in first)."""

    def remember(self, ids: list[str]) -> None:
        """Keep the ids of stored invoices the file names; NotEligible when one is kept already."""

    def expect(self, rows: int) -> None:
        """About how many rows the file will insert (before the first ``insert``)."""

    def insert(self, rows: InvoiceColumns, at: datetime) -> None:
        """The invoices, and per invoice its ledger entry (in the file's order)."""

    def inserted(self) -> None:
        """Every row is in (the bookings that follow read the tables)."""

    def bill_orders(self, billed: list[tuple[str, str, str, int, int]], at: datetime) -> None:
        """Open orders billed by new invoices: (customer, invoice, order, reserved and delivered
        deltas): the invoice's second ledger entry, releasing what the order held; the order
        invoiced. After the last ``insert``."""


@contextmanager
def bulk_store(conn: Connection) -> Iterator[BulkStore]:
    driver = conn.connection.driver_connection
    dbapi: Any = conn.dialect.dbapi
    refused = (dbapi.IntegrityError, dbapi.DataError)  # a key twice, a foreign key, a value refused
    store: _SqliteStore | _PostgresStore
    if conn.dialect.name == "sqlite":
        store = _SqliteStore(driver, conn.dialect)
    elif conn.dialect.name == "postgresql":
        store = _PostgresStore(driver)
    else:
        raise NotEligible(f"no bulk way into {conn.dialect.name}")
    try:
        yield store
    except refused:
        raise NotEligible("the database refused a row") from None
    finally:
        store.close()


def _orders(rows: list[tuple[Any, ...]]) -> StoredOrders:
    """The rows of ``_ORDER_COLUMNS`` as columns (not an object an order: a million of them took
    seconds)."""
    order_id, customer_id, code, open_, reserved, delivered = list(zip(*rows, strict=True)) or [()] * 6
    return StoredOrders(
        pa.array(order_id, pa.string()),
        pa.array(customer_id, pa.string()),
        pa.array(code, pa.string()),
        pc.cast(pa.array(open_, pa.int64()), pa.bool_()),
        pa.array(reserved, pa.int64()),
        pa.array(delivered, pa.int64()),
    )


def _stored(rows: list[tuple[Any, ...]]) -> StoredInvoices | None:
    """The rows of ``_AS_ISSUED`` and whether this import wrote them, as columns."""
    if not rows:
        return None
    invoice_id, customer_id, issued, due, amount, currency, order_id, disputed, code, now = zip(*rows, strict=True)
    return StoredInvoices(
        pa.array(invoice_id, pa.string()),
        pa.array(customer_id, pa.string()),
        _iso(issued),
        _iso(due),
        pa.array(amount, pa.int64()),
        pa.array(currency, pa.string()),
        pa.array(order_id, pa.string()),
        pc.cast(pa.array(disputed, pa.int64()), pa.bool_()),
        pa.array(code, pa.string()),
        pc.cast(pa.array(now, pa.int64()), pa.bool_()),
    )


def _iso(dates: tuple[Any, ...]) -> Any:
    """Dates as their ISO text (SQLite stores the text, psycopg gives ``date``)."""
    if isinstance(dates[0], date):
        return pc.cast(pa.array(dates, pa.date32()), pa.string())
    return pa.array(dates, pa.string())


class _Writer:
    """A block's writes run in a thread of their own while the caller reads and checks the next
    block (pyarrow and the database both work without the GIL). Every other use of the connection
    first waits for them (``written``, raising what they raised)."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="bulk-write")
        self._writing: Future[None] | None = None

    def written(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            writing.result()

    def submit(self, write: Callable[..., None], *args: Any) -> None:
        self.written()
        self._writing = self._thread.submit(write, *args)

    def close(self) -> None:
        """Ends once the last write did (what it raised is the failed import's, rolled back)."""
        self._thread.shutdown(wait=True)


class _SqliteStore:
    def __init__(self, driver: Any, dialect: Any) -> None:
        self._db = driver
        # New rows get rowids past the largest (SQLite's rule until the largest possible one).
        self._mark = driver.execute("SELECT coalesce(max(rowid), 0) FROM invoices").fetchone()[0]
        if self._mark > 2**62:
            raise NotEligible("rowids near their end")
        self._at = t.ledger_entries.c.at.type.dialect_impl(dialect).bind_processor(dialect)
        self._cache = driver.execute("PRAGMA cache_size").fetchone()[0]
        self._threads = driver.execute("PRAGMA threads").fetchone()[0]
        driver.execute(f"PRAGMA cache_size = -{_SQLITE_CACHE_KIB}")
        driver.execute(f"DROP TABLE IF EXISTS temp.{_SEEN}")
        self._seen = False
        self._dropped: list[str] = []  # index definitions to create again
        self._writer = _Writer()
        self._written = self._writer.written

    def customer_currencies(self, ids: list[str]) -> dict[str, str]:
        self._written()
        query = "SELECT customer_id, currency FROM customers WHERE customer_id IN (SELECT value FROM json_each(?))"
        return dict(self._db.execute(query, (json.dumps(ids),)).fetchall())

    def known_codes(self, codes: list[str]) -> set[str]:
        self._written()
        query = "SELECT code FROM company_codes WHERE code IN (SELECT value FROM json_each(?))"
        return {code for (code,) in self._db.execute(query, (json.dumps(codes),))}

    def orders(self, ids: list[str], coded: list[str]) -> StoredOrders:
        self._written()
        query = (
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE order_id IN (SELECT value FROM json_each(?))"
            f" AND ({_BEARING} OR order_id IN (SELECT value FROM json_each(?)))"
        )
        return _orders(self._db.execute(query, (json.dumps(ids), json.dumps(coded))).fetchall())

    def stored(self, ids: Any, lowest: str, highest: str) -> StoredInvoices | None:
        self._written()
        # TEXT compares as its UTF-8 bytes here (BINARY), as pyarrow orders strings.
        if self._db.execute(_ANY_BETWEEN, (lowest, highest)).fetchone() is None:
            return None
        query = (
            f"SELECT {_AS_ISSUED}, CASE WHEN rowid > ? THEN 1 ELSE 0 END"
            " FROM invoices WHERE invoice_id IN (SELECT value FROM json_each(?))"
        )
        return _stored(self._db.execute(query, (self._mark, json.dumps(ids.to_pylist()))).fetchall())

    def remember(self, ids: list[str]) -> None:
        self._written()
        if not self._seen:
            self._db.execute(f"CREATE TEMP TABLE {_SEEN} (invoice_id TEXT PRIMARY KEY) WITHOUT ROWID")
            self._seen = True
        # One statement over the ids as JSON: a fourth of the time of binding each (2.0 -> 0.6 s a million).
        self._db.execute(f"INSERT INTO temp.{_SEEN} SELECT value FROM json_each(?)", (json.dumps(ids),))

    def expect(self, rows: int) -> None:
        self._written()
        for table, key in (("invoices", "rowid"), ("ledger_entries", "entry_id")):
            held = self._db.execute(f"SELECT coalesce(max({key}), 0) FROM {table}").fetchone()[0]
            if rows >= held:
                self._drop_indexes(table)

    def _drop_indexes(self, table: str) -> None:
        for _, name, unique, origin, *_ in self._db.execute(f"PRAGMA index_list({table})").fetchall():
            if unique or origin != "c":  # a constraint's index (the primary key) stays
                continue
            (sql,) = self._db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
            ).fetchone()
            self._db.execute(f'DROP INDEX "{name}"')
            self._dropped.append(sql)

    def insert(self, rows: InvoiceColumns, at: datetime) -> None:
        values, bound = _sqlite_values(rows)
        self._writer.submit(self._write, values, bound, self._at(at) if self._at else at)

    def _write(self, values: str, bound: list[list[Any]], at: Any) -> None:
        """In the writer thread: sqlite3 on Python values, no pyarrow (see the module's note)."""
        before = self._db.execute("SELECT coalesce(max(rowid), 0) FROM invoices").fetchone()[0]
        self._db.executemany(f"INSERT INTO invoices ({_INVOICE_COLUMNS}) VALUES ({values})", zip(*bound, strict=True))
        # The entries from the rows just written, in rowid order (the file's): one statement, no
        # second pass of Python values.
        self._db.execute(
            f"INSERT INTO ledger_entries ({_LEDGER_COLUMNS})"
            " SELECT 'customer', customer_id, ?, invoice_id, 0, 0, amount_minor, 0, ?"
            " FROM invoices WHERE rowid > ? ORDER BY rowid",
            (EntryKind.POST.value, at, before),
        )

    def bill_orders(self, billed: list[tuple[str, str, str, int, int]], at: datetime) -> None:
        self._written()
        when, post = self._at(at) if self._at else at, EntryKind.POST.value
        self._db.executemany(
            f"INSERT INTO ledger_entries ({_LEDGER_COLUMNS}) VALUES ('customer', ?, ?, ?, ?, ?, 0, 0, ?)",
            ((cid, post, invoice, reserved, delivered, when) for cid, invoice, _, reserved, delivered in billed),
        )
        self._db.execute(_BILLED + "IN (SELECT value FROM json_each(?))", (json.dumps([row[2] for row in billed]),))

    def inserted(self) -> None:
        self._written()
        # Sorting for an index is faster in a small page cache, and with a helper thread (kept
        # until the end: the booking that follows recounts the overdue in a sort too).
        self._db.execute(f"PRAGMA cache_size = {self._cache}")
        self._db.execute("PRAGMA threads = 2")
        while self._dropped:
            self._db.execute(self._dropped.pop(0))

    def close(self) -> None:
        self._writer.close()
        if self._seen:
            self._db.execute(f"DROP TABLE IF EXISTS temp.{_SEEN}")
        self._db.execute(f"PRAGMA cache_size = {self._cache}")
        self._db.execute(f"PRAGMA threads = {self._threads}")


def _sqlite_values(rows: InvoiceColumns) -> tuple[str, list[list[Any]]]:
    """The VALUES of an invoice (``_INVOICE_COLUMNS``) and the columns bound to them: only those
    that vary in the block, each bound once (the open amount is the amount). Binding is most of
    the insert's time, a Python bool or None the slowest of it (sqlite3 adapts them)."""
    bound = [rows.invoice_id, rows.customer_id, rows.invoice_date, rows.due_date, rows.amount_minor, rows.currency]
    values = ["?1", "?2", "?3", "?4", "?5", "?6", "0", "?5", "NULL", "NULL"]
    if pc.any(rows.disputed).as_py():
        bound.append(pc.cast(rows.disputed, pa.int8()))
        values[6] = f"?{len(bound)}"
    for at, column in ((8, rows.order_id), (9, rows.company_code)):
        if column.null_count < len(column):
            bound.append(column)
            values[at] = f"?{len(bound)}"
    return ", ".join(values), [column.to_pylist() for column in bound]


class _PostgresStore:
    """Its COPYs run in a writer thread while the caller reads the next block; every other use of
    the connection first waits for them (and raises what they raised)."""

    def __init__(self, driver: Any) -> None:
        self._db = driver
        self._seen = False
        # Text ordered as its bytes (as pyarrow orders it) only in the C collation.
        self._bytewise = driver.execute(_BYTEWISE).fetchone()[0]
        self._dropped: list[str] = []
        self._locked: set[str] = set()  # tables held ACCESS EXCLUSIVE (a first load)
        self._expected = 0
        self._entry_ids = range(0)  # ids taken from the sequence and not given yet
        self._writer = _Writer()
        self._written = self._writer.written

    def customer_currencies(self, ids: list[str]) -> dict[str, str]:
        self._written()
        query = "SELECT customer_id, currency FROM customers WHERE customer_id = ANY(%s)"
        return dict(self._db.execute(query, (ids,)).fetchall())

    def known_codes(self, codes: list[str]) -> set[str]:
        self._written()
        return {code for (code,) in self._db.execute("SELECT code FROM company_codes WHERE code = ANY(%s)", (codes,))}

    def orders(self, ids: list[str], coded: list[str]) -> StoredOrders:
        self._written()
        query = f"SELECT {_ORDER_COLUMNS} FROM orders WHERE order_id = ANY(%s) AND ({_BEARING} OR order_id = ANY(%s))"
        return _orders(self._db.execute(query, (ids, coded)).fetchall())

    def stored(self, ids: Any, lowest: str, highest: str) -> StoredInvoices | None:
        self._written()
        ids = ids.to_pylist()
        if self._bytewise:
            anything = self._db.execute(_ANY_BETWEEN.replace("?", "%s"), (lowest, highest)).fetchone()
        else:  # the range in the column's own collation (it need not order as pyarrow does)
            anything = self._db.execute(_ANY_AMONG, (ids,)).fetchone()[0]
        if not anything:
            return None
        query = (
            f"SELECT {_AS_ISSUED}, CASE WHEN xmin = pg_current_xact_id()::xid THEN 1 ELSE 0 END"
            " FROM invoices WHERE invoice_id = ANY(%s)"
        )
        return _stored(self._db.execute(query, (ids,)).fetchall())

    def remember(self, ids: list[str]) -> None:
        self._written()
        if not self._seen:
            self._db.execute(f"CREATE TEMP TABLE {_SEEN} (invoice_id text PRIMARY KEY) ON COMMIT DROP")
            self._seen = True
        self._copy(f"COPY {_SEEN} (invoice_id) FROM STDIN (FORMAT csv)", _csv(pa.table({"invoice_id": pa.array(ids)})))

    def insert(self, rows: InvoiceColumns, at: datetime) -> None:
        invoices = pa.table(
            [
                rows.invoice_id,
                rows.customer_id,
                rows.invoice_date,
                rows.due_date,
                rows.amount_minor,
                rows.currency,
                rows.disputed,
                rows.amount_minor,
                rows.order_id,
                rows.company_code,
            ],
            names=[name.strip() for name in _INVOICE_COLUMNS.split(",")],
        )
        # In the order of the customer indexes (the order of rows in a table is no part of them):
        # their entries go in next to one another rather than all over the index (when kept).
        if not self._dropped:
            invoices = invoices.take(
                pc.sort_indices(invoices, sort_keys=[("customer_id", "ascending"), ("due_date", "ascending")])
            )
        count = len(rows)
        zero = pa.repeat(pa.scalar(0, pa.int64()), count)
        entries = [
            pa.repeat(pa.scalar("customer"), count),
            rows.customer_id,
            pa.repeat(pa.scalar(EntryKind.POST.value), count),
            rows.invoice_id,
            zero,
            zero,
            rows.amount_minor,
            zero,
            pa.repeat(pa.scalar(at.isoformat()), count),
        ]
        columns = _LEDGER_COLUMNS
        if "ledger_entries" in self._locked:  # the file's order, as the sequence would give them
            entries.append(pa.array(self._take_entry_ids(count), pa.int64()))
            columns += ", entry_id"
        ledger = _csv(pa.table(entries, names=[name.strip() for name in columns.split(",")]))
        invoices_csv = _csv(invoices)
        self._writer.submit(
            self._copy_both,
            (f"COPY invoices ({_INVOICE_COLUMNS}) FROM STDIN (FORMAT csv)", invoices_csv),
            (f"COPY ledger_entries ({columns}) FROM STDIN (FORMAT csv)", ledger),
        )

    def _copy_both(self, *copies: tuple[str, io.BytesIO]) -> None:
        for statement, data in copies:
            self._copy(statement, data)

    def _copy(self, statement: str, data: io.BytesIO) -> None:
        with self._db.cursor() as cursor, cursor.copy(statement) as copy:
            copy.write(data.getbuffer())

    def expect(self, rows: int) -> None:
        self._written()
        self._expected = rows
        for table in ("invoices", "ledger_entries"):
            held = self._db.execute(_HELD_UP_TO.format(table=table), (rows,)).fetchone()[0]
            if rows >= held:
                self._db.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                self._locked.add(table)
                self._drop_indexes(table)

    def _take_entry_ids(self, count: int) -> range:
        """``count`` entry ids, taken from the sequence many at a time rather than one a row in the
        COPY. Only while the ledger is locked: no one else takes any meanwhile. The ids not given
        are given back when every row is in."""
        if len(self._entry_ids) < count:
            self._written()
            wanted = max(count - len(self._entry_ids), self._expected)
            (last,) = self._db.execute(
                f"SELECT setval({_ENTRY_IDS}, nextval({_ENTRY_IDS}) + %s - 1)", (wanted,)
            ).fetchone()
            # Right after the ids not given yet: no one else took any between.
            self._entry_ids = range(last - wanted - len(self._entry_ids) + 1, last + 1)
        taken, self._entry_ids = self._entry_ids[:count], self._entry_ids[count:]
        return taken

    def _drop_indexes(self, table: str) -> None:
        for name, definition in self._db.execute(_SECONDARY_INDEXES, (table,)).fetchall():
            self._db.execute(f"DROP INDEX {name}")  # regclass's text: quoted where it needs to be
            self._dropped.append(definition)
        for name, definition in self._db.execute(_FOREIGN_KEYS, (table,)).fetchall():
            self._db.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            self._dropped.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

    def inserted(self) -> None:
        self._written()
        if self._entry_ids:  # the ids taken and not given back to the sequence: no gap
            unused = self._entry_ids.start
            self._db.execute(f"SELECT setval({_ENTRY_IDS}, %s, %s)", (max(unused - 1, 1), unused > 1))
            self._entry_ids = range(0)
        if self._dropped:  # memory to sort in: the default (64 MB) spills a million keys to disk
            self._db.execute("SET LOCAL maintenance_work_mem = '256MB'")
        while self._dropped:
            self._db.execute(self._dropped.pop(0))

    def bill_orders(self, billed: list[tuple[str, str, str, int, int]], at: datetime) -> None:
        self._written()
        cid, invoice, order, reserved, delivered = (list(column) for column in zip(*billed, strict=True))
        count = len(billed)
        zero = pa.repeat(pa.scalar(0, pa.int64()), count)
        entries = pa.table(
            [
                pa.repeat(pa.scalar("customer"), count),
                pa.array(cid, pa.string()),
                pa.repeat(pa.scalar(EntryKind.POST.value), count),
                pa.array(invoice, pa.string()),
                pa.array(reserved, pa.int64()),
                pa.array(delivered, pa.int64()),
                zero,
                zero,
                pa.repeat(pa.scalar(at.isoformat()), count),
            ],
            names=[name.strip() for name in _LEDGER_COLUMNS.split(",")],
        )
        columns = _LEDGER_COLUMNS
        if "ledger_entries" in self._locked:  # the ids the sequence would give, as for the invoices'
            entries = entries.append_column("entry_id", pa.array(self._take_entry_ids(count), pa.int64()))
            columns += ", entry_id"
        self._copy(f"COPY ledger_entries ({columns}) FROM STDIN (FORMAT csv)", _csv(entries))
        self._db.execute(_BILLED + "= ANY(%s)", (order,))

    def close(self) -> None:
        """The temporary table goes with the transaction; the writer ends before it does."""
        self._writer.close()


def _csv(table: Any) -> io.BytesIO:
    """``table`` as CSV for COPY: every value is plain (checked: no comma, quote or line break)."""
    buffer = io.BytesIO()
    pcsv.write_csv(table, buffer, pcsv.WriteOptions(include_header=False, quoting_style="none"))
    return buffer
