"""The credit check's speed, side by side: ``python -m bench.credit_check`` from a checkout (``make
bench`` runs it with the others; it was ``creditdesk bench credit-check``). One JSON line of figures.

- in process: what-if checks per second on SQLite (one thread);
- on a ledger of 1,000,000 invoices: check latency for a customer with 10 open items and
  for one with 100,000, and a naive check that re-sums the big customer's open items
  with SQL (the way ERP limit checks do);
- over HTTP, 32 connections (wrk): checks per second and p50/p99 on SQLite and on a
  durable PostgreSQL, orders (check and reserve) per second on PostgreSQL, and a bare
  ``GET /healthz`` of the same server under the same load: the framework's ceiling here;
- to size a server: ``--workers 1,2,4 --connections 8,32`` measures PostgreSQL with every
  number of server processes against every number of connections (``postgres_sizing``).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text
from tests.support.throwaway_pg import PostgresServer

from bench import load
from creditdesk.adapters.db.migrate import upgrade
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services, bootstrap
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.served import served
from creditdesk.service.auth import create_token
from creditdesk.service.credit_check import what_if

CURRENCY = "CNY"
BIG, SMALL = "C-BIG", "C-SMALL"
Step = Callable[[str], None]


def write_portfolio(folder: Path, customers: int, invoices: int, big_items: int, as_of: date) -> tuple[Path, Path]:
    """Customers, and invoices: ``big_items`` for BIG, 10 for SMALL, the rest spread over the others."""
    rng = np.random.default_rng(7)
    customer_file = folder / "customers.csv"
    with customer_file.open("w") as handle:
        handle.write("customer_id,name,currency,credit_limit\n")
        handle.write(f"{BIG},Big Buyer,{CURRENCY},900000000.00\n{SMALL},Small Buyer,{CURRENCY},5000000.00\n")
        for i in range(customers - 2):
            handle.write(f"C{i:07d},Customer {i},{CURRENCY},5000000.00\n")
    owners = np.concatenate(
        [np.full(big_items, -1), np.full(10, -2), rng.integers(0, customers - 2, invoices - big_items - 10)]
    )
    # Invoices of the last two years, due 30 days later: the older ones overdue on ``as_of``.
    days = rng.integers(0, 730, invoices)
    cents = rng.integers(10_000, 5_000_000, invoices)
    start = np.datetime64(as_of - timedelta(days=730))
    invoice_file = folder / "invoices.csv"
    with invoice_file.open("w") as handle:
        handle.write("invoice_id,customer_id,invoice_date,due_date,amount,currency\n")
        for i in range(invoices):
            owner = BIG if owners[i] == -1 else SMALL if owners[i] == -2 else f"C{owners[i]:07d}"
            d = start + days[i]
            handle.write(f"I{i:08d},{owner},{d},{d + 30},{cents[i] // 100}.{cents[i] % 100:02d},{CURRENCY}\n")
    return customer_file, invoice_file


def _timed(step: Step, customer: str, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        step(customer)
        samples.append(time.perf_counter() - started)
    return samples


def _ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 4)


def ledger_figures(services: Services, repeat: int) -> dict[str, Any]:
    amount = Money.of("100.00", CURRENCY)

    def engine(customer: str) -> None:
        what_if(customer, amount, services.check_uow(), services.clock)

    def naive(customer: str) -> None:
        # ERPNext's way: re-sum the customer's outstanding documents, then compare with the limit.
        with services.engine.connect() as conn:
            outstanding = conn.execute(
                text("SELECT COALESCE(SUM(open_minor), 0) FROM invoices WHERE customer_id = :c"), {"c": customer}
            ).scalar_one()
            orders = conn.execute(
                text("SELECT COALESCE(SUM(amount_minor), 0) FROM orders WHERE customer_id = :c AND status = 'open'"),
                {"c": customer},
            ).scalar_one()
            limit = conn.execute(
                text("SELECT limit_minor FROM credit_accounts WHERE customer_id = :c"), {"c": customer}
            ).scalar_one()
        assert outstanding + orders + amount.minor <= limit or True

    for step in (engine, naive):  # warm the page cache and the policy cache
        _timed(step, BIG, 3)
        _timed(step, SMALL, 3)
    small, big = [], []
    for _ in range(repeat):  # interleaved, so drift in the machine's load hits both alike
        small += _timed(engine, SMALL, 1)
        big += _timed(engine, BIG, 1)
    naive_big = _timed(naive, BIG, max(5, repeat // 20))
    return {
        "check_ms_10_items": _ms(small),
        "check_ms_100k_items": _ms(big),
        "naive_ms_100k_items": _ms(naive_big),
        "latency_ratio_100k_vs_10": round(statistics.median(big) / statistics.median(small), 3),
        "naive_vs_engine_ratio_100k": round(statistics.median(naive_big) / statistics.median(big), 1),
    }


def inprocess_rate(services: Services, customers: list[str], seconds: float) -> float:
    amount = Money.of("100.00", CURRENCY)
    rng = random.Random(1)
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        what_if(rng.choice(customers), amount, services.check_uow(), services.clock)
        done += 1
    return done / (time.perf_counter() - started)


def http_figures(
    services: Services, customers: list[str], cwd: Path, *, workers: int, connections: int, seconds: int, orders: bool
) -> dict[str, Any]:
    token = create_token("bench", services.uow(), services.clock, "bench", role=Role.SALES)
    url = services.settings.database_url
    figures: dict[str, Any] = {}
    with served(url, cwd, workers=workers) as base:
        script = load.checks_script(token, customers, "100.00", CURRENCY)
        load.run_wrk(base, connections=connections, seconds=2, script=script)  # warm-up
        figures["checks"] = load.run_wrk(base, connections=connections, seconds=seconds, script=script).as_json()
        figures["healthz"] = load.run_wrk(f"{base}/healthz", connections=connections, seconds=seconds).as_json()
        if orders:
            script = load.orders_script(token, customers, "1.00", CURRENCY)
            figures["orders"] = load.run_wrk(base, connections=connections, seconds=seconds, script=script).as_json()
    return figures


def run(
    *,
    customers: int = 10_000,
    invoices: int = 1_000_000,
    big_items: int = 100_000,
    repeat: int = 400,
    seconds: int = 10,
    connections: int = 32,
    workers: int = 2,
    sizing: list[tuple[int, int]] | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """``sizing``: further (server processes, connections) pairs measured on PostgreSQL."""
    result: dict[str, Any] = {
        "customers": customers,
        "invoices": invoices,
        "connections": connections,
        "workers": workers,
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        services = bootstrap(f"sqlite:///{folder / 'bench.db'}")
        as_of = services.clock.today()
        progress(f"writing {invoices:,} invoices")
        customer_file, invoice_file = write_portfolio(folder, customers, invoices, big_items, as_of)
        upgrade(services.engine)
        progress("importing them into SQLite")
        for kind, path in (("customers", customer_file), ("invoices", invoice_file)):
            report = import_file(kind, path, services.engine, services.clock, role=Role.ADMIN)
            assert report.ok, report.problems[:3]
        progress("timing checks in process")
        result.update(ledger_figures(services, repeat))
        ids = [BIG, SMALL, *[f"C{i:07d}" for i in range(customers - 2)]]
        result["inprocess_checks_per_s"] = round(inprocess_rate(services, ids, seconds / 2), 1)
        if not load.wrk_available():
            result["http"] = "skipped: wrk is not installed (apt-get install wrk)"
            return result
        progress("HTTP on SQLite")
        sqlite = http_figures(
            services, ids, folder, workers=workers, connections=connections, seconds=seconds, orders=True
        )
        services.engine.dispose()
        progress("starting a durable PostgreSQL")
        server = PostgresServer(durable=True)
        server.start()
        try:
            pg = bootstrap(server.url())
            upgrade(pg.engine)
            progress("importing into PostgreSQL")
            small_file = folder / "invoices-pg.csv"
            with invoice_file.open() as source, small_file.open("w") as target:
                for n, line in enumerate(source):
                    if n > 200_000:
                        break
                    target.write(line)
            for kind, path in (("customers", customer_file), ("invoices", small_file)):
                report = import_file(kind, path, pg.engine, pg.clock, role=Role.ADMIN)
                assert report.ok, report.problems[:3]
            progress("HTTP on PostgreSQL")
            postgres = http_figures(
                pg, ids, folder, workers=workers, connections=connections, seconds=seconds, orders=True
            )
            result["postgres_sizing"] = []
            for processes, clients in sizing or []:
                progress(f"HTTP on PostgreSQL: {processes} server processes, {clients} connections")
                found = http_figures(
                    pg, ids, folder, workers=processes, connections=clients, seconds=seconds, orders=True
                )
                result["postgres_sizing"].append(
                    {
                        "workers": processes,
                        "connections": clients,
                        "checks_per_s": found["checks"]["per_s"],
                        "checks_p99_ms": found["checks"]["p99_ms"],
                        "orders_per_s": found["orders"]["per_s"],
                        "orders_p99_ms": found["orders"]["p99_ms"],
                        "healthz_per_s": found["healthz"]["per_s"],
                    }
                )
            pg.engine.dispose()
        finally:
            server.stop()
    result["http_sqlite"] = sqlite
    result["http_postgres"] = postgres
    result["http_checks_per_s_sqlite"] = sqlite["checks"]["per_s"]
    result["http_p50_ms_sqlite"] = sqlite["checks"]["p50_ms"]
    result["http_p99_ms_sqlite"] = sqlite["checks"]["p99_ms"]
    result["http_checks_per_s_postgres"] = postgres["checks"]["per_s"]
    result["http_p50_ms_postgres"] = postgres["checks"]["p50_ms"]
    result["http_p99_ms_postgres"] = postgres["checks"]["p99_ms"]
    result["http_orders_per_s_postgres"] = postgres["orders"]["per_s"]
    result["healthz_per_s"] = postgres["healthz"]["per_s"]
    result["checks_vs_healthz_postgres"] = round(postgres["checks"]["per_s"] / postgres["healthz"]["per_s"], 3)
    result["orders_vs_healthz_postgres"] = round(postgres["orders"]["per_s"] / postgres["healthz"]["per_s"], 3)
    return result


def _counts(text: str) -> list[int]:
    try:
        found = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number or a list of numbers (1,2,4); got {text!r}") from None
    if not found or min(found) < 1:
        raise argparse.ArgumentTypeError(f"numbers of at least 1; got {text!r}")
    return found


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="accepted for the old command line: it always is JSON")
    parser.add_argument("--invoices", type=int, default=1_000_000, help="size of the ledger")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--big-items", type=int, default=100_000, help="open items of the largest customer")
    parser.add_argument("--seconds", type=int, default=10, help="length of each HTTP load run")
    parser.add_argument("--connections", type=_counts, default=[32], help="one number, or a list: 8,32")
    parser.add_argument("--workers", type=_counts, default=[2], help="server processes; a list (1,2,4) sizes")
    args = parser.parse_args(argv)
    grid = [(w, c) for w in args.workers for c in args.connections]
    figures = run(
        customers=args.customers,
        invoices=args.invoices,
        big_items=args.big_items,
        seconds=args.seconds,
        connections=grid[0][1],
        workers=grid[0][0],
        sizing=grid if len(grid) > 1 else None,
        progress=lambda message: print(f"{message}...", file=sys.stderr),
    )
    print(json.dumps(figures))  # one line, as every benchmark of `python -m bench`
    return figures


if __name__ == "__main__":
    main()
