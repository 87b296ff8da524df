"""``creditdesk serve`` in a subprocess on a free port, for end-to-end tests and benchmarks.

Migrating is an explicit step (``creditdesk serve`` refuses a schema behind this code's), so
``served`` runs ``creditdesk db upgrade`` first when the database is not at head. The server's
output (its JSON log lines) goes to a file, ``server_log(cwd, url)``: a pipe nobody reads would
fill up and stop the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from creditdesk.adapters.db.engine import make_engine
from creditdesk.adapters.db.migrate import schema_status


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_log(cwd: Path, url: str) -> Path:
    """Where the server started by ``served(…, cwd)`` at ``url`` writes its output."""
    return cwd / f"server-{url.rsplit(':', 1)[-1]}.log"


def _at_head(database_url: str) -> bool:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_absolute():
        return False  # relative to the server's folder, not ours: let `db upgrade` look
    engine = make_engine(database_url, pool_size=1)
    try:
        return schema_status(engine).at_head
    except SQLAlchemyError:
        return False  # `db upgrade` says what is wrong
    finally:
        engine.dispose()


def upgrade_schema(database_url: str, cwd: Path, env: Mapping[str, str] | None = None) -> None:
    """``creditdesk db upgrade`` on ``database_url`` (in ``cwd``, where its audit key lives) unless at head."""
    if _at_head(database_url):
        return
    done = subprocess.run(
        [sys.executable, "-m", "creditdesk", "db", "upgrade"],
        cwd=cwd,
        env={**os.environ, **(env or {}), "CREDITDESK_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"creditdesk db upgrade failed ({done.returncode}): {done.stderr}")


@contextmanager
def served(
    database_url: str,
    cwd: Path,
    *,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
    upgrade: bool = True,
) -> Iterator[str]:
    """Start the server on ``database_url``, wait until /healthz answers, yield its base URL.
    ``upgrade``: migrate first, when behind (the explicit step before every start)."""
    if upgrade:
        upgrade_schema(database_url, cwd, env)
    port = _free_port()
    args = ["-m", "creditdesk", "serve", "--port", str(port), "--workers", str(workers)]
    with _running(args, port, database_url, cwd, env) as url:
        yield url


@contextmanager
def served_app(database_url: str, cwd: Path, *, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """The ASGI app under uvicorn as ``creditdesk serve`` runs it, but without the command's own
    checks: a server on a database that ``serve`` would refuse (what ``/readyz`` says then)."""
    port = _free_port()
    args = [
        "-m",
        "uvicorn",
        "creditdesk.entrypoints.api.asgi:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with _running(args, port, database_url, cwd, env) as url:
        yield url


@contextmanager
def _running(args: list[str], port: int, database_url: str, cwd: Path, env: Mapping[str, str] | None) -> Iterator[str]:
    url = f"http://127.0.0.1:{port}"
    log = server_log(cwd, url)
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=cwd,
            env={**os.environ, **(env or {}), "CREDITDESK_DATABASE_URL": database_url},
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + 300  # a bound on a condition: a loaded machine starts slowly
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise RuntimeError(f"the server did not start: {log.read_text(encoding='utf-8', errors='replace')}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
