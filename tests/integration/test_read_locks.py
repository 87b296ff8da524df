"""On SQLite a transaction takes the write lock when it begins unless it is read-only: the long
reads (a report's whole ledger, the scoring's tables, the batch's export, the snapshots' data
version) must not, or a credit check waits behind a report being computed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from creditdesk.adapters.batch.exchange import export
from creditdesk.adapters.db.engine import reading
from creditdesk.bootstrap import Services

DAY = date(2026, 3, 31)


def _begins(engine: Engine) -> list[bool]:
    """Whether each transaction begun on ``engine`` from now on is read-only."""
    found: list[bool] = []

    def record(conn: Any) -> None:
        found.append(bool(conn.get_execution_options().get("readonly")))

    event.listen(engine, "begin", record)
    return found


def _write_waits(engine: Engine) -> bool:
    """Whether a write on a connection of its own finds the write lock taken (after 0.1 s)."""
    with engine.connect() as conn:
        conn.connection.driver_connection.execute("PRAGMA busy_timeout = 100")
        try:
            conn.execute(text("DELETE FROM report_snapshots WHERE key = 'nothing'"))
            conn.commit()
        except OperationalError as error:  # sqlite3's "database is locked"
            assert "locked" in str(error)
            return True
    return False


def test_a_long_read_leaves_the_writers_be_and_a_plain_connection_would_not(sqlite_services: Services) -> None:
    engine = sqlite_services.engine
    with reading(engine) as conn:
        conn.execute(text("SELECT count(*) FROM invoices")).scalar()  # the read's transaction is open
        assert not _write_waits(engine)
    with engine.connect() as conn:  # the negative control: a transaction begun as a writer's
        conn.execute(text("SELECT count(*) FROM invoices")).scalar()
        assert _write_waits(engine)


def test_the_heavy_reads_begin_read_only(sqlite_services: Services, tmp_path: Path) -> None:
    services = sqlite_services
    begins = _begins(services.engine)
    services.receivables().frames(DAY)
    services.receivables().statements(DAY)
    services.snapshot_store().data_version()
    services.snapshot_store().headers()
    services.scoring_store().source_tables()
    services.limit_inputs().limit_inputs(DAY)
    export(services.engine, DAY, tmp_path / "inputs", ("v1", "models/v1"))
    assert begins and all(begins), begins


@pytest.fixture
def sqlite_services(services: Services) -> Services:
    if services.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL's readers never block its writers")
    return services
