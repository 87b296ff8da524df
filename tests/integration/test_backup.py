"""Backups and restores on both engines, taken while orders are being posted (docs/backup.md).

The proof of consistency: orders are posted by another thread through the service while the
backup runs; the backup hook waits until some of them are committed *after* the snapshot was
taken. Those orders are in the source and not in the backup (the backup is one snapshot, not
a smear across time); the restored database reconciles (ledger totals = sum of entries), its
audit trail verifies, its orders are a prefix of the writer's sequence, and its digest is the
one the backup printed. With the writer stopped, a backup's digest equals the source's.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner, Result

from creditdesk.adapters.db import backup as backups
from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.digest import business_digest
from creditdesk.adapters.db.engine import normalise_url
from creditdesk.bootstrap import Services
from creditdesk.domain.customers import Customer
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.cli.main import app
from creditdesk.entrypoints.worker.backup_job import backup as nightly_backup
from creditdesk.service.customers import RegisterCustomer, register_customer
from creditdesk.service.orders import SubmitOrder, submit_order
from tests.conftest import fresh_postgres
from tests.support.throwaway_pg import find_pg_bin

CUSTOMERS = ("B1", "B2", "B3")
PATIENCE = 60.0  # seconds: a bound on waiting for a condition, never a sleep


def cli(services: Services, url: str, *args: str) -> Result:
    env = {
        "CREDITDESK_VAR_DIR": str(services.settings.var_dir),  # the same audit key as the source's
        "CREDITDESK_AUDIT_KEY_FILE": None,
        "CREDITDESK_AUDIT_SEAL_FILE": None,
        "CREDITDESK_PG_BIN_DIR": str(services.settings.pg_bin_dir or ""),
    }
    if not services.settings.pg_bin_dir:
        env["CREDITDESK_PG_BIN_DIR"] = None
    return CliRunner().invoke(app, ["--db", url, *args], env=env)


def reader(url: str) -> Engine:
    """A plain engine: the application's would switch a backup file to WAL mode by opening it."""
    return create_engine(normalise_url(url), poolclass=NullPool)


def digest_of(url: str) -> str:
    engine = reader(url)
    try:
        with engine.connect() as conn:
            return business_digest(conn)
    finally:
        engine.dispose()


def order_ids(url: str) -> set[str]:
    engine = reader(url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(select(t.orders.c.order_id)).scalars())
    finally:
        engine.dispose()


@pytest.fixture
def empty_url(services: Services, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Another database of the same engine, empty (PostgreSQL: without a schema)."""
    if services.engine.dialect.name == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.db'}"
    return fresh_postgres(request.getfixturevalue("pg_server"))


@pytest.fixture
def book(services: Services) -> Services:
    """A small book: three customers registered through the service, a few orders."""
    if services.engine.dialect.name == "postgresql":
        services.settings.pg_bin_dir = find_pg_bin()  # the server's own client programs
    for customer_id in CUSTOMERS:
        customer = Customer(customer_id, f"Customer {customer_id}", "EUR")
        command = RegisterCustomer(customer, Money.of("1000000", "EUR"), "test", Role.ADMIN)
        register_customer(command, services.uow(), services.clock)
    for n in range(3):
        post(services, f"P{n}")
    return services


def post(services: Services, order_id: str) -> None:
    customer_id = CUSTOMERS[int(order_id[1:]) % len(CUSTOMERS)]
    command = SubmitOrder(order_id, customer_id, Money.of("10", "EUR"), "writer")
    submit_order(command, services.uow(), services.clock)


class Writer:
    """Posts orders W0, W1, ... through the service, one after another, until stopped."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.posted = 0
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="writer", daemon=True)

    def _run(self) -> None:
        try:
            while not self.stopping.is_set():
                post(self.services, f"W{self.posted}")
                with self.changed:
                    self.posted += 1
                    self.changed.notify_all()
        except BaseException as error:  # surfaced by stop()
            self.error = error

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + PATIENCE
        with self.changed:
            while self.posted < count:
                assert self.error is None, self.error
                assert time.monotonic() < deadline, f"the writer posted {self.posted} of {count} orders"
                self.changed.wait(0.5)

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def stop(self) -> int:
        self.stopping.set()
        self.thread.join(PATIENCE)
        assert not self.thread.is_alive()
        assert self.error is None, self.error
        return self.posted

    def __exit__(self, *_: Any) -> None:
        self.stopping.set()
        self.thread.join(PATIENCE)


@pytest.fixture
def small_steps(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """SQLite copies a few pages a step, so the tiny test database takes many steps."""
    monkeypatch.setattr(backups, "STEP_PAGES", 8)
    yield


def backup_while_posting(book: Services, file: Path, target: str, *, snapshot: bool = True) -> dict[str, Any]:
    """Back ``book`` up to ``file`` while a writer posts orders (some of them committed after
    the snapshot was taken, while the copy runs), restore it into ``target`` and say what the
    restored database holds."""
    with Writer(book) as writer:
        writer.wait_for(3)
        meanwhile: list[int] = []

        def write_meanwhile() -> None:  # and then stop, so a copy that restarts on writes ends
            at = writer.posted
            writer.wait_for(at + 3)
            meanwhile.extend([at, writer.stop()])

        started = writer.posted  # the snapshot is taken after this, before ``write_meanwhile`` runs
        made = backups.back_up(
            book.engine, file, pg_bin_dir=book.settings.pg_bin_dir, during=write_meanwhile, snapshot=snapshot
        )
        posted = writer.stop()
    assert {f"W{n}" for n in range(posted)} <= order_ids(book.settings.database_url)  # the source has them all
    restored = cli(book, target, "--json", "restore", str(file))
    assert restored.exit_code in (0, 1), restored.output
    writes = sorted(int(order[1:]) for order in order_ids(target) if order.startswith("W"))
    return {
        "made": made,
        "report": json.loads(restored.stdout),
        "writes": writes,
        "started": started,
        "meanwhile": meanwhile,
    }


def one_moment(seen: dict[str, Any]) -> bool:
    """The restored book is one moment of the source's: the digest the backup printed, orders
    a prefix of the writer's sequence without those committed while the copy ran, a ledger
    that reconciles and an audit trail that verifies."""
    before, after = seen["meanwhile"]
    writes, report = seen["writes"], seen["report"]
    return bool(
        report["digest"] == seen["made"].contents.digest
        and writes == list(range(len(writes)))
        # Taken between the call and the writes made while the copy ran (the writer may commit
        # one more between the snapshot and the moment ``write_meanwhile`` counts).
        and seen["started"] <= len(writes) <= before < after
        and report["reconcile"]["ok"]
        and report["audit"]["intact"]
    )


def test_a_backup_taken_while_orders_are_posted_restores_one_moment_of_the_book(
    book: Services, empty_url: str, tmp_path: Path, small_steps: None
) -> None:
    source = book.settings.database_url
    file = tmp_path / f"during.{backups.extension(book.engine)}"
    seen = backup_while_posting(book, file, empty_url)
    assert one_moment(seen), seen
    made, report, target = seen["made"], seen["report"], empty_url
    assert report["ok"] and report["reconcile"]["entries"] > 0 and made.bytes == file.stat().st_size
    assert digest_of(source) != made.contents.digest  # the digest does see the orders posted since

    # Writers stopped: a backup through the command line equals the source, digest for digest.
    quiet = tmp_path / f"quiet.{backups.extension(book.engine)}"
    printed = cli(book, source, "--json", "backup", str(quiet))
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout)["digest"] == digest_of(source)
    assert json.loads(printed.stdout)["rows"] > 0

    # The restored database holds a book now: restoring over it is refused, nothing changed ...
    refused = cli(book, target, "restore", str(quiet))
    assert refused.exit_code == 1, refused.output
    assert "--force" in refused.stderr
    assert digest_of(target) == made.contents.digest
    # ... and with --force it is replaced (SQLite keeps the replaced file aside).
    forced = cli(book, target, "--json", "restore", "--force", str(quiet))
    assert forced.exit_code == 0, forced.output
    replaced = json.loads(forced.stdout)
    assert replaced["ok"] and replaced["digest"] == digest_of(source) == digest_of(target)
    if book.engine.dialect.name == "sqlite":
        aside = Path(replaced["kept_aside"])
        assert aside.exists() and digest_of(f"sqlite:///{aside}") == made.contents.digest
        assert aside.stat().st_mode & 0o077 == 0


def test_negative_control_a_copy_without_one_snapshot_is_caught(
    book: Services, empty_url: str, tmp_path: Path, small_steps: None
) -> None:
    """The same harness, the copy taken without holding one snapshot (SQLite: the copy restarts
    and takes in the later orders; PostgreSQL: pg_dump's snapshot is not the digest's): caught."""
    seen = backup_while_posting(book, tmp_path / "smeared.backup", empty_url, snapshot=False)
    assert not one_moment(seen), seen


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"this is not a database at all\n" * 10, "not a creditdesk backup"),
        (b"PGDMP\x01\x0e\x00" + bytes(200), "PostgreSQL (pg_dump) backup"),
        (b"SQLite format 3\x00" + bytes(200), "SQLite database"),
    ],
    ids=["empty", "garbage", "pg-dump-into-sqlite", "damaged-sqlite"],
)
def test_a_bad_backup_file_exits_65_and_changes_nothing(
    sqlite_services: Services, tmp_path: Path, content: bytes, message: str
) -> None:
    register_customer(
        RegisterCustomer(Customer("K1", "Kept", "EUR"), Money.of("100", "EUR"), "test", Role.ADMIN),
        sqlite_services.uow(),
        sqlite_services.clock,
    )
    url = sqlite_services.settings.database_url
    database = Path(make_url(url).database or "")
    before = digest_of(url)
    bad = tmp_path / "bad.backup"
    bad.write_bytes(content)
    for force in ([], ["--force"]):
        result = cli(sqlite_services, url, "restore", *force, str(bad))
        assert result.exit_code == 65, result.output
        assert message in result.stderr
    assert digest_of(url) == before
    assert not list(database.parent.glob("*.bak"))


def test_a_sqlite_backup_is_refused_by_postgresql_and_a_missing_pg_dump_exits_69(
    sqlite_services: Services, tmp_path: Path
) -> None:
    file = tmp_path / "book.db"
    assert cli(sqlite_services, sqlite_services.settings.database_url, "backup", str(file)).exit_code == 0
    sqlite_services.settings.pg_bin_dir = tmp_path / "no-programs-here"
    (tmp_path / "no-programs-here").mkdir()
    # No server is needed: both are refused before a connection is made.
    nowhere = "postgresql://someone:s3cret@127.0.0.1:9/nowhere"
    wrong = cli(sqlite_services, nowhere, "restore", str(file))
    assert wrong.exit_code == 65 and "SQLite backup" in wrong.stderr, wrong.output
    missing = cli(sqlite_services, nowhere, "backup", str(tmp_path / "x.dump"))
    assert missing.exit_code == 69 and "pg_dump not found" in missing.stderr, missing.output
    assert "s3cret" not in missing.output


def test_the_client_programs_get_the_connection_from_the_environment() -> None:
    url = make_url("postgresql+psycopg://clerk:p%40ss%20word@db.example:6543/credit?sslmode=require")
    env = backups.pg_environment(url)
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == ("db.example", "6543", "clerk", "credit")
    assert env["PGPASSWORD"] == "p@ss word" and env["PGSSLMODE"] == "require"


def test_the_nightly_backup_is_idempotent_for_its_day_and_keeps_the_newest(
    sqlite_services: Services, tmp_path: Path
) -> None:
    services = sqlite_services
    register_customer(
        RegisterCustomer(Customer("N1", "Nightly", "EUR"), Money.of("100", "EUR"), "test", Role.ADMIN),
        services.uow(),
        services.clock,
    )
    folder = tmp_path / "backups"
    services.settings.backup_dir = folder
    services.settings.backup_keep = 3
    today = services.clock.today()
    first = nightly_backup(services, today)
    assert (first["written"], first["kept"], first["deleted"]) == (1, 1, 0)
    made = folder / str(first["file"])
    assert made.name == f"creditdesk-{today.isoformat()}.db"
    assert digest_of(f"sqlite:///{made}") == digest_of(services.settings.database_url)
    # Earlier days' backups (copies will do), a hand-made one, and the same day again.
    for day in (1, 2, 3, 4):
        shutil.copyfile(made, folder / f"creditdesk-2026-03-0{day}.db")
    (folder / "before-upgrade.db").write_bytes(made.read_bytes())
    stamp = made.stat().st_mtime_ns
    again = nightly_backup(services, today)
    assert (again["written"], again["kept"], again["deleted"]) == (0, 3, 2)
    assert made.stat().st_mtime_ns == stamp  # the day's checked file is kept as it is
    names = sorted(path.name for path in folder.iterdir())
    assert names == ["before-upgrade.db", "creditdesk-2026-03-03.db", "creditdesk-2026-03-04.db", made.name]
    assert nightly_backup(services, today)["deleted"] == 0
    # A damaged file of the day is written again; a day long past is not backed up at all.
    made.write_bytes(b"torn")
    assert nightly_backup(services, today)["written"] == 1
    assert made.read_bytes().startswith(backups.SQLITE_MAGIC)
    late = nightly_backup(services, date(2026, 3, 1))
    assert "skipped" in late and not (folder / "creditdesk-2026-03-01.db").exists()
