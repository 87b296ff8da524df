"""A real server on a demo database, driven over HTTP and by the CLI as a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


def cli(cwd: Path, *args: str, stdin: str | None = None, db: str | None = None) -> subprocess.CompletedProcess[str]:
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


@dataclass
class DemoServer:
    url: str
    cwd: Path
    db: str
    summary: dict[str, object]

    def token(self, role: str) -> str:
        result = cli(self.cwd, "token", "create", "--name", f"test-{role}", "--role", role, db=self.db)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def client(self, role: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token(role)}"}, timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    cwd = tmp_path_factory.mktemp("demo")
    db = f"sqlite:///{cwd / 'var' / 'creditdesk.db'}"
    built = cli(cwd, "demo", "--customers", "300", "--months", "12", "--no-serve", "--json", db=db)
    assert built.returncode == 0, built.stderr
    summary = json.loads(built.stdout)
    port = _free_port()
    env = {**os.environ, "CREDITDESK_DATABASE_URL": db}
    process = subprocess.Popen(
        [sys.executable, "-m", "creditdesk", "serve", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            output = process.stdout.read() if process.stdout else ""
            process.kill()
            pytest.fail(f"the server did not start: {output}")
        time.sleep(0.2)
    yield DemoServer(url, cwd, db, summary)
    process.terminate()
    process.wait(timeout=20)
