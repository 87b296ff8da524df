"""Shared fixtures: the same integration tests run on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import itertools
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from filelock import FileLock
from sqlalchemy.engine import make_url

from creditdesk.adapters.clock import FixedClock
from creditdesk.adapters.db.migrate import upgrade
from creditdesk.bootstrap import Services, bootstrap
from creditdesk.risk.datasets import datasets_dir
from tests.support.throwaway_pg import PostgresServer

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


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder ``build`` fills once for the whole run, however many xdist workers ask: the first
    builds it under a file lock, the others wait and read it. Treat it as read-only: copy it to write."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's own
    folder = root / f"built-{name}"
    with FileLock(f"{folder}.lock"):
        if not (folder / ".built").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / ".built").touch()
    return folder


def _admin(server: PostgresServer) -> psycopg.Connection[object]:
    return psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True)


def fresh_postgres(server: PostgresServer, template: str | None = None) -> str:
    name = f"t{os.getpid()}_{next(_counter)}"
    with _admin(server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return server.url(name)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the schema's head, migrated once; tests get a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    engine = bootstrap(f"sqlite:///{path}").engine
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def migrated_postgres(pg_server: PostgresServer) -> str:
    """The PostgreSQL template database at the schema's head; ``CREATE DATABASE … TEMPLATE`` copies it."""
    url = fresh_postgres(pg_server)
    engine = bootstrap(url).engine
    upgrade(engine)
    engine.dispose()  # a template may have no open connection while it is copied
    return make_url(url).database or ""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'creditdesk.db'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    return fresh_postgres(server)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 31, 9, 0, tzinfo=UTC))


def _migrated_copy(request: pytest.FixtureRequest, database_url: str) -> str:
    """``database_url`` (empty) replaced by a copy of the migrated template: the schema at head
    without running the migrations again (they have tests of their own)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), url.database or "")
        return database_url
    server: PostgresServer = request.getfixturevalue("pg_server")
    return fresh_postgres(server, template=request.getfixturevalue("migrated_postgres"))


@pytest.fixture
def services(
    request: pytest.FixtureRequest, database_url: str, clock: FixedClock, tmp_path: Path
) -> Iterator[Services]:
    services = bootstrap(_migrated_copy(request, database_url), clock=clock)
    services.settings.var_dir = tmp_path / "var"
    yield services
    services.engine.dispose()


@pytest.fixture
def sqlite_services(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Services]:
    url = _migrated_copy(request, f"sqlite:///{tmp_path / 'creditdesk.db'}")
    services = bootstrap(url, clock=clock)
    services.settings.var_dir = tmp_path / "var"
    yield services
    services.engine.dispose()


def needs_shared() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not datasets_dir().exists(), reason=f"needs {datasets_dir()}")


# The longest files, longest first (their time in a full run of 2026-12-08, beside another file):
# with two workers taking whole files (`make test` runs `-n 2 --dist loadfile
# --no-loadscope-reorder`: xdist otherwise puts the files with the most tests first), starting these
# early keeps one worker from finishing alone. Those that need the scored demo come after five that
# do not (about five minutes of one worker, two and a half of the two), so that its build (started
# with the session, see pytest_sessionstart) is done before a worker asks for it.
LONGEST_FIRST = (
    "tests/e2e/test_browser_every_page.py",  # 104 s
    "tests/e2e/test_controls_live.py",  # 60 s
    "tests/integration/test_scoring.py",  # 56 s
    "tests/e2e/test_browser_worklists.py",  # 49 s
    "tests/e2e/test_cli.py",  # 44 s
    # The scored demo's, longest first.
    "tests/e2e/test_batch.py",  # 206 s: the batch on two engines and its cash forecast
    "tests/e2e/test_browser.py",  # 93 s: its models page reads the scored demo
    "tests/e2e/test_browser_day.py",  # 75 s
    "tests/e2e/test_scoring.py",  # 70 s
    "tests/e2e/test_cash_forecast.py",  # 53 s
    # The rest over 20 s.
    "tests/integration/test_money_bounds.py",
    "tests/integration/test_bulk_import.py",
    "tests/integration/test_limit_year.py",
    "tests/reliability/test_concurrency.py",
    "tests/e2e/test_observability.py",
    "tests/e2e/test_browser_what_if.py",
    "tests/e2e/test_simulate.py",
    "tests/integration/test_web_views.py",
    "tests/e2e/test_daily_cycle_live.py",
    "tests/e2e/test_cli_credit_file.py",
    "tests/e2e/test_browser_charts.py",
    "tests/e2e/test_wheel.py",
)


_PREBUILD = pytest.StashKey[threading.Thread]()


def _prebuild_scored_demo(factory: pytest.TempPathFactory) -> None:
    from tests.e2e.conftest import SCORED_CUSTOMERS, cli_process, demo_builder, demo_name

    built_once(factory, demo_name(SCORED_CUSTOMERS, 24), demo_builder(SCORED_CUSTOMERS, 24, run=cli_process))


def pytest_sessionstart(session: pytest.Session) -> None:
    """With CREDITDESK_PREBUILD_DEMOS=1 (`make test`), the coordinating process builds the scored
    demo (a minute and more) in its own process while the workers start on the other tests: the
    files that need it wait on its lock instead of one worker building while the other waits."""
    if os.environ.get("PYTEST_XDIST_WORKER") or os.environ.get("CREDITDESK_PREBUILD_DEMOS") != "1":
        return
    factory: pytest.TempPathFactory = session.config._tmp_path_factory  # type: ignore[attr-defined]
    builder = threading.Thread(target=_prebuild_scored_demo, args=(factory,), name="prebuild", daemon=True)
    builder.start()
    session.config.stash[_PREBUILD] = builder


def pytest_sessionfinish(session: pytest.Session) -> None:
    builder = session.config.stash.get(_PREBUILD, None)
    if builder is not None:
        builder.join()  # a failed build leaves no mark: the first test that needs it builds and reports


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: place for place, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest keep their order
