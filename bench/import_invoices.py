"""Import 1,000,000 invoice rows (CSV) into SQLite or PostgreSQL; print rows/s and peak memory.

python -m bench.import_invoices [--rows N] [--customers N] [--database sqlite|postgres|URL] [--row-by-row]
                                [--orders open|invoiced]

--database postgres starts a throwaway durable PostgreSQL server (initdb, pg_ctl) for the run;
a postgresql:// URL names an empty database of a server of your own (migrated here).
--row-by-row: never the bulk way (adapters/importing/bulk), to compare.
--orders open|invoiced: as an ERP sends them, every invoice naming the order it bills (imported
first, one in twenty sold by company code SH01: the invoice takes the order's code). Open: the
daily file, each invoice bills its order and releases what it reserved; invoiced: a history load.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from tests.support.throwaway_pg import PostgresServer

from creditdesk.adapters.db.migrate import upgrade
from creditdesk.adapters.importing import pipeline
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import bootstrap
from creditdesk.domain.company_codes import CompanyCode
from creditdesk.domain.roles import Role
from creditdesk.service.segments import AddCompanyCode, add_company_code


def write_files(folder: Path, rows: int, customers: int, orders: str = "") -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    customer_file = folder / "customers.csv"
    with customer_file.open("w") as handle:
        handle.write("customer_id,name,currency,credit_limit\n")
        for i in range(customers):
            handle.write(f"C{i:07d},Customer {i},EUR,100000.00\n")
    invoice_file = folder / "invoices.csv"
    cust = rng.integers(0, customers, rows)
    day = rng.integers(0, 700, rows)
    cents = rng.integers(100, 10_000_000, rows)
    base = np.datetime64("2024-01-01")
    with invoice_file.open("w") as handle:
        handle.write(
            "invoice_id,customer_id,invoice_date,due_date,amount,currency" + (",order_id\n" if orders else "\n")
        )
        for i in range(rows):
            d = base + day[i]
            order = f",O{i:08d}" if orders else ""
            handle.write(f"I{i:08d},C{cust[i]:07d},{d},{d + 30},{cents[i] // 100}.{cents[i] % 100:02d},EUR{order}\n")
    if orders:
        with (folder / "orders.csv").open("w") as handle:
            handle.write("order_id,customer_id,order_date,amount,currency,status,company_code\n")
            for i in range(rows):
                code = "SH01" if i % 20 == 0 else ""
                amount = f"{cents[i] // 100}.{cents[i] % 100:02d}"
                handle.write(f"O{i:08d},C{cust[i]:07d},{base + day[i]},{amount},EUR,{orders},{code}\n")
    return customer_file, invoice_file


@contextmanager
def database_url(database: str, folder: Path) -> Iterator[str]:
    if database == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
    elif database == "postgres":
        server = PostgresServer(durable=True)
        server.start()
        try:
            yield server.url()
        finally:
            server.stop()
    else:
        yield database


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--database", default="sqlite", help="sqlite, postgres (a throwaway server) or a URL")
    parser.add_argument("--row-by-row", action="store_true", help="never the bulk way")
    parser.add_argument("--orders", choices=["open", "invoiced"], default="", help="invoices naming their orders")
    args = parser.parse_args(argv)
    if args.row_by_row:
        pipeline.BULK_FROM_BYTES = 1 << 62
    with tempfile.TemporaryDirectory() as tmp, database_url(args.database, Path(tmp)) as url:
        folder = Path(tmp)
        customer_file, invoice_file = write_files(folder, args.rows, args.customers, args.orders)
        file_mib = invoice_file.stat().st_size / 2**20
        services = bootstrap(url)
        upgrade(services.engine)
        import_file("customers", customer_file, services.engine, services.clock)
        if args.orders:
            company = CompanyCode("SH01", "Seller SH01", "EUR")
            add_company_code(AddCompanyCode(company, "bench", Role.ADMIN), services.uow(), services.clock)
            assert import_file("orders", folder / "orders.csv", services.engine, services.clock).ok
        peak_before_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        report = import_file("invoices", invoice_file, services.engine, services.clock)
        elapsed = time.perf_counter() - started
        assert report.ok and report.inserted == args.rows, report.problems[:5]
        started = time.perf_counter()
        again = import_file("invoices", invoice_file, services.engine, services.clock)
        reimport = time.perf_counter() - started
        assert again.inserted == 0 and again.unchanged == args.rows, again.problems[:5]
        services.engine.dispose()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "benchmark": "import_invoices",
                "database": services.engine.dialect.name,
                "bulk": report.bulk,
                "rows": args.rows,
                "with_orders": args.orders,
                "seconds": round(elapsed, 1),
                "rows_per_s": round(args.rows / elapsed),
                "reimport_seconds": round(reimport, 1),
                "peak_memory_mib": round(peak_mib),
                "peak_memory_before_invoices_mib": round(peak_before_mib),
                "file_mib": round(file_mib, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
