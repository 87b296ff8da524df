"""What an operator sees of a live server: request ids, the JSON log line, /metrics, /readyz, /healthz."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from creditdesk.adapters.db.engine import make_engine
from creditdesk.adapters.db.migrate import schema_status, upgrade
from creditdesk.entrypoints.served import _free_port, served, served_app, server_log
from tests.e2e.conftest import PATIENCE_SECONDS, DemoServer

pytestmark = pytest.mark.e2e

VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def metric(url: str, name: str, **labels: str) -> float:
    """One sample of the server's /metrics (0 when it is not there yet)."""
    response = httpx.get(f"{url}/metrics", timeout=PATIENCE_SECONDS)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def log_line(cwd: Path, url: str, request_id: str) -> dict[str, Any]:
    """The server's JSON request line for ``request_id`` (written once the response is sent)."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    while True:
        for line in server_log(cwd, url).read_text(encoding="utf-8").splitlines():
            if request_id in line and '"creditdesk.request"' in line:
                document: dict[str, Any] = json.loads(line)
                if document.get("request_id") == request_id:
                    return document
        assert time.monotonic() < deadline, f"no log line for {request_id}"
        time.sleep(0.1)


def test_request_id_is_echoed_generated_and_never_junk(demo_server: DemoServer) -> None:
    url = demo_server.url
    echoed = httpx.get(f"{url}/healthz", headers={"X-Request-ID": "erp-42.retry_1"}, timeout=PATIENCE_SECONDS)
    assert echoed.headers["x-request-id"] == "erp-42.retry_1"
    longest = "a" * 128
    assert httpx.get(f"{url}/healthz", headers={"X-Request-ID": longest}).headers["x-request-id"] == longest
    generated = {httpx.get(f"{url}/healthz", timeout=PATIENCE_SECONDS).headers["x-request-id"] for _ in range(3)}
    assert len(generated) == 3 and all(VALID_ID.fullmatch(rid) for rid in generated)
    for junk in ("has space", "<script>", "a" * 129, "semi;colon", "ünï", "new\\nline"):
        sent = junk.encode()  # raw bytes: non-ASCII too
        answered = httpx.get(f"{url}/healthz", headers={"X-Request-ID": sent}, timeout=PATIENCE_SECONDS)
        replaced = answered.headers["x-request-id"]
        assert replaced != junk and VALID_ID.fullmatch(replaced), junk
    # Errors too: an unknown path, a missing token, invalid input (problem+json each time).
    with demo_server.client("sales") as sales:
        failures = [
            httpx.get(f"{url}/no/such/page", headers={"X-Request-ID": "err-404"}, timeout=PATIENCE_SECONDS),
            httpx.get(f"{url}/api/v1/customers/C000001", headers={"X-Request-ID": "err-401"}, timeout=PATIENCE_SECONDS),
            sales.post("/api/v1/checks", json={"customer_id": "C000001"}, headers={"X-Request-ID": "err-422"}),
        ]
    for answered, status in zip(failures, (404, 401, 422), strict=True):
        assert answered.status_code == status
        assert answered.headers["x-request-id"] == f"err-{status}"
    assert failures[1].headers["content-type"].startswith("application/problem+json")


def test_one_json_log_line_per_request(demo_server: DemoServer) -> None:
    url, cwd = demo_server.url, demo_server.cwd
    rid = f"log-{uuid.uuid4().hex}"
    with demo_server.client("viewer") as viewer:
        assert viewer.get("/api/v1/customers/C000001", headers={"X-Request-ID": rid}).status_code == 200
    line = log_line(cwd, url, rid)
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/customers/{customer_id}"  # the route, not the customer
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], int | float) and 0 <= line["duration_ms"] < PATIENCE_SECONDS * 1000
    assert line["user"] == "test-viewer"
    assert line["level"] == "info" and line["logger"] == "creditdesk.request"
    # Nobody signed in, and a path no route knows: the raw path, user null.
    anonymous = f"anon-{uuid.uuid4().hex}"
    httpx.get(f"{url}/no/such/page", headers={"X-Request-ID": anonymous}, timeout=PATIENCE_SECONDS)
    line = log_line(cwd, url, anonymous)
    assert line["user"] is None and line["status"] == 404 and line["path"] == "/no/such/page"
    # Every line the server wrote is one JSON object.
    for text in server_log(cwd, url).read_text(encoding="utf-8").splitlines():
        if text.strip():
            assert isinstance(json.loads(text), dict), text


def test_metrics_count_routes_and_decisions(demo_server: DemoServer) -> None:
    url = demo_server.url
    route = {"method": "GET", "route": "/api/v1/customers/{customer_id}", "status": "200"}
    before = metric(url, "creditdesk_http_requests_total", **route)
    with demo_server.client("viewer") as viewer:
        for customer in ("C000001", "C000002"):
            assert viewer.get(f"/api/v1/customers/{customer}").status_code == 200
    assert metric(url, "creditdesk_http_requests_total", **route) == before + 2
    assert metric(url, "creditdesk_http_request_duration_seconds_count", **route) == before + 2
    customer = own_customer(demo_server)
    checks_before = metric(url, "creditdesk_credit_checks_total", decision="blocked")
    orders_before = metric(url, "creditdesk_orders_total", outcome="blocked")
    with demo_server.client("sales") as sales:
        check = sales.post("/api/v1/checks", json={"customer_id": customer, "amount": "10.00", "currency": "CNY"})
        assert check.status_code == 200 and check.json()["decision"] == "blocked", check.text
        order = {"order_id": f"SO-{customer}", "customer_id": customer, "amount": "10.00", "currency": "CNY"}
        submitted = sales.post("/api/v1/orders", json=order)
        assert submitted.status_code == 201 and submitted.json()["decision"] == "blocked", submitted.text
        # A refused check (unknown customer) is no decision.
        assert (
            sales.post("/api/v1/checks", json={"customer_id": "NOPE", "amount": "1", "currency": "CNY"}).status_code
            == 404
        )
    assert metric(url, "creditdesk_credit_checks_total", decision="blocked") == checks_before + 1
    assert metric(url, "creditdesk_orders_total", outcome="blocked") == orders_before + 1
    # Not in the OpenAPI schema; not for a client that came through a proxy (everyone looks local there).
    assert "/metrics" not in httpx.get(f"{url}/openapi.json", timeout=PATIENCE_SECONDS).json()["paths"]
    proxied = httpx.get(f"{url}/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=PATIENCE_SECONDS)
    assert proxied.status_code == 403 and proxied.headers["content-type"].startswith("application/problem+json")
    assert "creditdesk_" not in proxied.text


def own_customer(demo_server: DemoServer) -> str:
    """A customer of the calling test's own, with no limit yet (its checks and orders are blocked)."""
    customer = f"OBS-{uuid.uuid4().hex[:8]}"
    with demo_server.client("analyst") as analyst:
        created = analyst.post(
            "/api/v1/customers", json={"customer_id": customer, "name": "Obs Ltd", "currency": "CNY"}
        )
        assert created.status_code == 201, created.text
    return customer


def test_a_replayed_order_counts_as_replayed(demo_server: DemoServer) -> None:
    url = demo_server.url
    order = {"order_id": f"SO-R-{uuid.uuid4().hex[:8]}", "customer_id": own_customer(demo_server)}
    order |= {"amount": "10.00", "currency": "CNY"}
    with demo_server.client("sales") as sales:
        first = sales.post("/api/v1/orders", json=order)
        assert first.status_code == 201, first.text
        blocked = metric(url, "creditdesk_orders_total", outcome="blocked")
        replayed = metric(url, "creditdesk_orders_total", outcome="replayed")
        again = sales.post("/api/v1/orders", json=order)
        assert again.status_code == 200, again.text  # the stored outcome
    assert metric(url, "creditdesk_orders_total", outcome="replayed") == replayed + 1
    assert metric(url, "creditdesk_orders_total", outcome="blocked") == blocked  # not a second decision


def test_readyz_on_an_upgraded_database(demo_server: DemoServer) -> None:
    ready = httpx.get(f"{demo_server.url}/readyz", timeout=PATIENCE_SECONDS)
    assert ready.status_code == 200, ready.text
    schema = ready.json()["checks"]["schema"]
    assert schema["at_head"] is True and schema["current"] == schema["head"]


def test_readyz_503_while_the_schema_is_behind_then_200(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'var' / 'creditdesk.db'}"
    engine = make_engine(db)
    head = schema_status(engine).head
    assert head is not None
    previous = f"{int(head) - 1:04d}"  # the revisions are numbered 0001, 0002, …
    upgrade(engine, previous)
    try:
        with served_app(db, tmp_path) as url:
            behind = httpx.get(f"{url}/readyz", headers={"X-Request-ID": "ready-1"}, timeout=PATIENCE_SECONDS)
            assert behind.status_code == 503
            assert behind.headers["content-type"].startswith("application/problem+json")
            assert behind.headers["x-request-id"] == "ready-1"
            problem = behind.json()
            assert problem["status"] == 503 and f"revision {previous}" in problem["detail"]
            assert f"needs {head}" in problem["detail"] and "creditdesk db upgrade" in problem["detail"]
            assert httpx.get(f"{url}/healthz", timeout=PATIENCE_SECONDS).status_code == 200
            upgrade(engine)  # the explicit step, while the server runs: ready from now on
            assert httpx.get(f"{url}/readyz", timeout=PATIENCE_SECONDS).status_code == 200
    finally:
        engine.dispose()


def test_healthz_needs_no_database_and_readyz_says_it_is_down(tmp_path: Path) -> None:
    unreachable = f"postgresql://creditdesk@127.0.0.1:{_free_port()}/creditdesk"  # nothing listens there
    with served_app(unreachable, tmp_path) as url:
        assert httpx.get(f"{url}/healthz", timeout=PATIENCE_SECONDS).json() == {"status": "ok"}
        down = httpx.get(f"{url}/readyz", timeout=PATIENCE_SECONDS)
        assert down.status_code == 503
        assert down.json()["checks"] == {"database": "unavailable"}
        assert "the database does not answer" in down.json()["detail"]


def test_metrics_add_up_over_workers(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'var' / 'creditdesk.db'}"
    folder = tmp_path / "metrics"
    folder.mkdir()
    with served(db, tmp_path, workers=2, env={"PROMETHEUS_MULTIPROC_DIR": str(folder)}) as url:
        before = metric(url, "creditdesk_http_requests_total", method="GET", route="/healthz", status="200")
        made = 0
        while made < 20 or len(_writers(folder)) < 2:  # new connections: the two workers share them
            assert made < 500, _writers(folder)
            assert httpx.get(f"{url}/healthz", timeout=PATIENCE_SECONDS).status_code == 200
            made += 1
        after = metric(url, "creditdesk_http_requests_total", method="GET", route="/healthz", status="200")
        assert after == before + made  # whichever worker answered the scrape


def _writers(folder: Path) -> set[str]:
    """The processes that wrote request figures (prometheus_client's files: counter_PID.db)."""
    return {path.stem.rsplit("_", 1)[-1] for path in folder.glob("counter_*.db")}


def test_serve_refuses_a_schema_behind(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'var' / 'creditdesk.db'}"
    engine = make_engine(db)
    upgrade(engine, "0010")
    engine.dispose()
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "creditdesk", "serve", "--port", str(port)],
        cwd=tmp_path,
        env={**os.environ, "CREDITDESK_DATABASE_URL": db},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + PATIENCE_SECONDS
        while process.poll() is None:
            try:
                served_anyway = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                served_anyway = False
            assert not served_anyway, "serve started on a schema behind this code's"
            assert time.monotonic() < deadline
            time.sleep(0.2)
        _, stderr = process.communicate()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode not in (0, None)
    assert "schema is at revision 0010" in stderr and "creditdesk db upgrade" in stderr, stderr
    assert "Traceback" not in stderr
