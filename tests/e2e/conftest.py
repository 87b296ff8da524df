"""A real server on a demo database, driven over HTTP and by the CLI as a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from creditdesk.bootstrap import bootstrap
from creditdesk.entrypoints.served import served
from creditdesk.service.auth import create_token
from tests.conftest import built_once

# How long a request or a page may take before the test calls the server hung: waits are on
# conditions (the answer, the element), and this only bounds them, far above any normal answer,
# so a loaded machine slows the suite down instead of failing it.
PATIENCE_SECONDS = 300.0
# The scored demo: enough customers for the scoring to see the 20 defaults it needs to train a
# champion (1,500 see 16 on the suite's day; the 300 of the small demo, none).
SCORED_CUSTOMERS = 2000


def cli_process(
    cwd: Path, *args: str, stdin: str | None = None, db: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``creditdesk ARGS`` as its own process: for the tests of the process itself (its start,
    exit status, standard streams); the others run the command in-process (``cli``)."""
    env = {**os.environ, "CI": "true"}
    if db:
        env["CREDITDESK_DATABASE_URL"] = db
    return subprocess.run(
        [sys.executable, "-m", "creditdesk", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=300,
    )


def cli(cwd: Path, *args: str, stdin: str | None = None, db: str | None = None) -> subprocess.CompletedProcess[str]:
    """``creditdesk ARGS`` run in this process, in ``cwd``, answered as a finished process would be:
    the same exit status and streams, a crash's traceback on stderr. The imports are paid once."""
    from typer.testing import CliRunner

    from creditdesk.entrypoints.cli.main import app

    env = {"CI": "true", **({"CREDITDESK_DATABASE_URL": db} if db else {})}
    with contextlib.chdir(cwd):  # var/ (the audit key, models) is relative to the working folder
        result = CliRunner().invoke(app, list(args), input=stdin, env=env)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(["creditdesk", *args], result.exit_code, result.stdout, stderr)


def person_token(cwd: Path, db: str, name: str, role: str) -> str:
    """A token that acts as the person ``name`` (made with ``role`` if missing, without a
    password: API only). Set up in-process: the subprocess boundary is not what is tested."""
    services = bootstrap(db)
    services.settings.var_dir = cwd / "var"  # the server's audit key and seals live there
    try:
        with services.read_uow() as uow:
            known = uow.users.get(name)
        if known is None:
            with services.uow() as uow:
                uow.users.add(name, "!", role, "en")
                uow.commit()
        return create_token(f"{name}-api", services.uow(), services.clock, "tests", user=name)
    finally:
        services.engine.dispose()


@dataclass
class DemoServer:
    url: str
    cwd: Path
    db: str
    summary: dict[str, object]

    def token(self, role: str) -> str:
        return person_token(self.cwd, self.db, f"test-{role}", role)

    def client(self, role: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.token(role)}"}, timeout=PATIENCE_SECONDS
        )


@contextlib.contextmanager
def signed_in_reader(server: DemoServer, username: str = "viewer") -> Iterator[httpx.Client]:
    """A web session of a demo user (its sign-in form's CSRF token included), to read the pages."""
    from creditdesk.entrypoints.cli.demo import DEMO_PASSWORD

    with httpx.Client(base_url=server.url, timeout=PATIENCE_SECONDS) as browser:
        form = browser.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        data = {"username": username, "password": DEMO_PASSWORD, "csrf": token.group(1), "next": "/"}
        assert browser.post("/login", data=data).status_code == 303
        yield browser


def demo_name(customers: int, months: int) -> str:
    return f"demo-{customers}-{months}"


def demo_builder(
    customers: int, months: int, run: Callable[..., subprocess.CompletedProcess[str]] = cli
) -> Callable[[Path], None]:
    """What fills a demo's folder for ``built_once``: ``var/`` (database, audit key) and ``summary.json``."""

    def build(folder: Path) -> None:
        db = f"sqlite:///{folder / 'var' / 'creditdesk.db'}"
        args = ("demo", "--customers", str(customers), "--months", str(months), "--no-serve", "--json")
        built = run(folder, *args, db=db)
        assert built.returncode == 0, built.stderr
        (folder / "summary.json").write_text(built.stdout)

    return build


def demo_copy(
    tmp_path_factory: pytest.TempPathFactory, customers: int, months: int, cwd: Path
) -> tuple[str, dict[str, object]]:
    """The demo of ``customers`` over ``months`` (on the suite's day), built once for the whole run,
    copied into ``cwd`` with its audit key (tests write to their copy); its URL and summary."""
    source = built_once(tmp_path_factory, demo_name(customers, months), demo_builder(customers, months))
    shutil.copytree(source / "var", cwd / "var", dirs_exist_ok=True)
    summary: dict[str, object] = json.loads((source / "summary.json").read_text())
    return f"sqlite:///{cwd / 'var' / 'creditdesk.db'}", summary


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    cwd = tmp_path_factory.mktemp("demo")
    db, summary = demo_copy(tmp_path_factory, 300, 12, cwd)
    with served(db, cwd) as url:
        yield DemoServer(url, cwd, db, summary)


@pytest.fixture(scope="session")
def scored_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    cwd = tmp_path_factory.mktemp("scored")
    db, summary = demo_copy(tmp_path_factory, SCORED_CUSTOMERS, 24, cwd)
    with served(db, cwd) as url:
        yield DemoServer(url, cwd, db, summary)
