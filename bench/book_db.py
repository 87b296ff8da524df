"""A SQLite database of a generated book, written straight from its Parquet files, to time the
pages at a million customers: python -m bench.book_db --book DIR --db PATH [--run RUN]

The importers would take hours to build such a book (a million customers, ~34M invoices and as
many payments); this writes the tables the pages read directly, table by table, the secondary
indexes dropped first and built again after (as the bulk import does): groups, customers,
accounts, invoices (with what is still open), payments (one per applied payment: the unapplied
cash of the book is left out), their allocations, statements, bureau reports and credit support.
No ledger entries are written: an account's balances are the book's own. It bypasses every rule
of the importers, so it is a bench, not a way in.

``--run``: a batch run of that book (`creditdesk batch run --inputs DIR --no-load`), loaded as
`batch run` loads one (scores, limits, report snapshots; its proposals not applied). The book's
manifest is given the database's data version first, since the database is the book: the run's
reports then read fresh, as after a nightly run on a database of one's own.

Then `creditdesk --db sqlite:///PATH serve` and `python -m bench.web_pages --url URL`.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import update
from tests.support.model_rows import register_model_row

from creditdesk.adapters.batch.exchange import Manifest
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.migrate import upgrade
from creditdesk.bootstrap import bootstrap
from creditdesk.service.snapshots import RECEIVABLES

BATCH_ROWS = 200_000
sqlite3.register_adapter(Decimal, str)  # a decimal column is text in the schema


def _parquet(book: Path, name: str) -> str:
    return "read_parquet('" + str(book / f"{name}.parquet").replace("'", "''") + "')"


def _queries(book: Path) -> dict[str, str]:
    """Each table's rows from the book's files, in the table's column names."""

    def p(name: str) -> str:
        return _parquet(book, name)

    return {
        "customer_groups": f"SELECT group_id, group_id AS name, parent_group_id FROM {p('groups')}",
        "customers": (
            "SELECT customer_id, 'Customer ' || customer_id AS name, currency, segment, group_id, country,"
            f" industry, registered_on, payment_terms_days FROM {p('limit_customers')}"
        ),
        "credit_accounts": f"SELECT * EXCLUDE (_row) FROM {p('accounts')}",
        "invoices": (
            "SELECT i.invoice_id, i.customer_id, i.invoice_date, i.due_date, i.amount_minor, i.currency,"
            " i.disputed, i.amount_minor - coalesce(a.paid, 0) AS open_minor"
            f" FROM {p('invoices')} i LEFT JOIN (SELECT invoice_id, sum(amount_minor) AS paid"
            f" FROM {p('allocations')} GROUP BY invoice_id) a USING (invoice_id)"
        ),
        "payments": (
            "SELECT 'P' || _row AS payment_id, customer_id, applied_on AS payment_date, amount_minor, currency,"
            f" invoice_id, 0 AS unapplied_minor, kind FROM {p('allocations')}"
        ),
        "payment_allocations": (
            f"SELECT 'P' || _row AS payment_id, invoice_id, amount_minor, applied_on FROM {p('allocations')}"
        ),
        "financial_statements": f"SELECT * EXCLUDE (_row) FROM {p('statements')}",
        "bureau_reports": f"SELECT * EXCLUDE (_row) FROM {p('reports')}",
        "credit_support": (
            "SELECT 'S' || _row AS support_id, customer_id, kind, 'bench' AS provider, amount_minor, currency,"
            f" cover_share, valid_from, valid_to FROM {p('cover')}"
        ),
    }


def _dropped_indexes(db: sqlite3.Connection, table: str) -> list[str]:
    found = []
    for _, name, unique, origin, *_ in db.execute(f"PRAGMA index_list({table})").fetchall():
        if unique or origin != "c":  # a constraint's index (the primary key) stays
            continue
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)).fetchone()
        db.execute(f'DROP INDEX "{name}"')
        found.append(sql)
    return found


def _batches(con: duckdb.DuckDBPyConnection, query: str) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
    reader = con.sql(query).to_arrow_reader(BATCH_ROWS)
    for batch in reader:
        columns = batch.schema.names
        yield columns, list(zip(*(batch.column(k).to_pylist() for k in range(len(columns))), strict=True))


def write_tables(book: Path, path: Path) -> dict[str, dict[str, float]]:
    """The book's tables into the database at ``path`` (migrated and empty); rows and seconds each."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")  # a bench's database: rebuilt, never recovered
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA foreign_keys = OFF")  # the book's own ids agree (the generator checks them)
    con = duckdb.connect(config={"memory_limit": "4GB", "threads": 2})
    written: dict[str, dict[str, float]] = {}
    try:
        for table, query in _queries(book).items():
            started, rows = time.perf_counter(), 0
            db.execute("BEGIN")
            indexes = _dropped_indexes(db, table)
            for columns, values in _batches(con, query):
                marks = ", ".join("?" for _ in columns)
                db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)
                rows += len(values)
            for sql in indexes:
                db.execute(sql)
            db.execute("COMMIT")
            written[table] = {"rows": rows, "seconds": round(time.perf_counter() - started, 1)}
            print(json.dumps({"table": table, **written[table]}), flush=True)
        db.execute("ANALYZE")
    finally:
        con.close()
        db.close()
    return written


def load_run(url: str, book: Path, run: Path) -> dict[str, Any]:
    """The batch run of the book, loaded as `batch run` loads it (its proposals not applied)."""
    from creditdesk.adapters.batch import loading

    services = bootstrap(url)
    manifest = Manifest.read(book)
    register_model_row(services.engine, manifest.champion, manifest.as_of, datetime.now(UTC))
    with services.engine.begin() as conn:  # the champion the run scored with, where it lies
        conn.execute(
            update(t.model_versions)
            .where(t.model_versions.c.version == manifest.champion)
            .values(artefact_path=manifest.champion_path)
        )
    version = services.snapshot_store().data_version(RECEIVABLES)
    Manifest(**{**manifest.__dict__, "data_version": version}).write(book)
    started = time.perf_counter()
    loaded = loading.load(run, services.uow, services.clock, apply=False)
    services.engine.dispose()
    return {**loaded.as_json(), "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--book", type=Path, required=True, help="a book's folder (`demo --parquet`)")
    parser.add_argument("--db", type=Path, required=True, help="the SQLite file to write (must not exist)")
    parser.add_argument("--run", type=Path, help="a batch run of the book to load")
    args = parser.parse_args(argv)
    if args.db.exists():
        raise SystemExit(f"{args.db} exists: give a new file")
    url = f"sqlite:///{args.db}"
    services = bootstrap(url)
    upgrade(services.engine)
    services.engine.dispose()
    started = datetime.now(UTC)
    tables = write_tables(args.book, args.db)
    result: dict[str, Any] = {"bench": "book_db", "tables": tables}
    if args.run is not None:
        result["run"] = load_run(url, args.book, args.run)
    result["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
