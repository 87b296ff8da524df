"""Shared fixtures: the same integration tests run on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from creditdesk.adapters.clock import FixedClock
from creditdesk.adapters.db.migrate import upgrade
from creditdesk.adapters.db.throwaway_pg import PostgresServer
from creditdesk.bootstrap import Services, bootstrap
from creditdesk.risk.datasets import datasets_dir

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# The suite's business date: every demo, server and CLI run below sees this day, whatever the
# machine's calendar says. CREDITDESK_TEST_TODAY runs the whole suite on another day.
TEST_TODAY = os.environ.get("CREDITDESK_TEST_TODAY", "2026-06-30")
os.environ["CREDITDESK_TODAY"] = TEST_TODAY
_counter = itertools.count()


def reliability_scale() -> int:
    return max(1, int(os.environ.get("CREDITDESK_RELIABILITY_SCALE", "1")))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
    except Exception as error:
        server.stop()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL could not be started in CI: {error}")
        pytest.skip(f"PostgreSQL unavailable: {error}")
    yield server
    server.stop()


def _fresh_postgres(server: PostgresServer) -> str:
    name = f"t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'creditdesk.db'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return _fresh_postgres(server)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 31, 9, 0, tzinfo=UTC))


@pytest.fixture
def services(database_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Services]:
    services = bootstrap(database_url, clock=clock)
    services.settings.var_dir = tmp_path / "var"
    upgrade(services.engine)
    yield services
    services.engine.dispose()


@pytest.fixture
def sqlite_services(tmp_path: Path, clock: FixedClock) -> Iterator[Services]:
    services = bootstrap(f"sqlite:///{tmp_path / 'creditdesk.db'}", clock=clock)
    services.settings.var_dir = tmp_path / "var"
    upgrade(services.engine)
    yield services
    services.engine.dispose()


def needs_shared() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not datasets_dir().exists(), reason=f"needs {datasets_dir()}")
