"""Request ids, JSON log lines, job lines, the 500 answer, /metrics access and snapshot staleness, in process."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry
from starlette.requests import Request

from creditdesk.adapters.clock import FixedClock
from creditdesk.adapters.db.migrate import SchemaNotAtHead, SchemaStatus
from creditdesk.config import Settings
from creditdesk.entrypoints import metrics
from creditdesk.entrypoints.observability import (
    JsonFormatter,
    Observability,
    accepted_request_id,
    job_run,
    log_job,
    request_id_var,
)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("abc", True),
        ("A-b_c.9", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("", False),
        ("a b", False),
        ("a\nb", False),
        ("<script>", False),
        ("é", False),
        (b"\xff\xfe", False),
        (None, False),
    ],
)
def test_request_ids_are_kept_only_when_safe(given: str | bytes | None, kept: bool) -> None:
    assert (accepted_request_id(given) is not None) is kept


def _record(message: str, **extra: Any) -> logging.LogRecord:
    return logging.LogRecord("creditdesk.test", logging.INFO, __file__, 1, message, None, None, **extra)


def test_json_lines_carry_fields_and_the_current_request_id() -> None:
    formatter = JsonFormatter()
    record = _record("hello")
    record.fields = {"job": "monitor", "status": "ok"}
    token = request_id_var.set("rid-1")
    try:
        line = json.loads(formatter.format(record))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "hello" and line["job"] == "monitor" and line["request_id"] == "rid-1"
    assert line["level"] == "info" and line["logger"] == "creditdesk.test" and line["ts"].endswith("+00:00")
    assert "request_id" not in json.loads(formatter.format(_record("outside a request")))
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        failed = _record("failed")
        failed.exc_info = sys.exc_info()
    assert "ValueError: boom" in json.loads(formatter.format(failed))["exc"]


def _job_count(job: str, status: str) -> float:
    value = metrics.REGISTRY.get_sample_value("creditdesk_job_duration_seconds_count", {"job": job, "status": status})
    return value or 0.0


def test_a_job_run_is_one_line_and_one_observation(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="creditdesk.job")
    before = _job_count("nightly", "ok")
    log_job("nightly", 1234.5, "ok", as_of="2026-06-30")
    assert _job_count("nightly", "ok") == before + 1
    (record,) = [r for r in caplog.records if r.name == "creditdesk.job"]
    assert record.fields == {"as_of": "2026-06-30", "job": "nightly", "duration_ms": 1234.5, "status": "ok"}  # type: ignore[attr-defined]
    caplog.clear()
    failed_before = _job_count("breaks", "failed")
    with pytest.raises(RuntimeError), job_run("breaks"):
        raise RuntimeError("no data")
    assert _job_count("breaks", "failed") == failed_before + 1
    (record,) = [r for r in caplog.records if r.name == "creditdesk.job"]
    assert record.levelno == logging.ERROR
    assert record.fields["status"] == "failed" and "no data" in record.fields["error"]  # type: ignore[attr-defined]


def _crashing_app() -> FastAPI:
    app = FastAPI()

    @app.get("/boom/{n}")
    async def boom(n: int) -> None:
        raise RuntimeError(f"boom {n}")

    @app.get("/ok")
    async def ok() -> dict[str, str]:
        return {"ok": "yes"}

    app.add_middleware(Observability)
    return app


def test_a_crash_answers_problem_json_with_the_request_id(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="creditdesk.request")
    client = TestClient(_crashing_app(), raise_server_exceptions=False)
    crashed = client.get("/boom/7", headers={"X-Request-ID": "crash-1"})
    assert crashed.status_code == 500
    assert crashed.headers["content-type"] == "application/problem+json"
    assert crashed.headers["x-request-id"] == "crash-1"
    assert "crash-1" in crashed.json()["detail"] and "boom" not in crashed.text  # no internals
    (line,) = [r.fields for r in caplog.records if r.name == "creditdesk.request"]  # type: ignore[attr-defined]
    assert line["status"] == 500 and line["error"] == "RuntimeError" and line["path"] == "/boom/{n}"
    # The app's own X-Request-ID never wins over the request's.
    assert client.get("/ok", headers={"X-Request-ID": "ok-1"}).headers.get_list("x-request-id") == ["ok-1"]


def _request(host: str, headers: dict[str, str] | None = None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request({"type": "http", "method": "GET", "path": "/metrics", "headers": raw, "client": (host, 5000)})


def test_who_may_scrape_metrics() -> None:
    assert metrics.may_scrape(_request("127.0.0.1"), None, False)
    assert metrics.may_scrape(_request("::1"), None, False)
    assert not metrics.may_scrape(_request("10.0.0.5"), None, False)
    assert not metrics.may_scrape(_request("127.0.0.1", {"X-Forwarded-For": "203.0.113.1"}), None, False)
    assert not metrics.may_scrape(_request("testclient"), None, False)
    assert metrics.may_scrape(_request("10.0.0.5", {"Authorization": "Bearer s3cret"}), "s3cret", False)
    assert not metrics.may_scrape(_request("10.0.0.5", {"Authorization": "Bearer wrong"}), "s3cret", False)
    assert not metrics.may_scrape(_request("10.0.0.5", {"Authorization": "Bearer s3cret"}), None, False)
    assert metrics.may_scrape(_request("10.0.0.5"), None, True)


@dataclass
class _Store:
    rows: list[tuple[str, str, datetime]]
    version: str = "L2.A1.S1"

    def headers(self) -> list[tuple[str, str, datetime]]:
        return self.rows

    def data_version(self, scope: str | None = None) -> str:
        return self.version


@dataclass
class _Services:
    store: _Store
    clock: FixedClock = field(default_factory=lambda: FixedClock(datetime(2026, 6, 30, 12, 0, tzinfo=UTC)))

    def snapshot_store(self) -> _Store:
        return self.store


def _samples(collector: metrics.SnapshotStaleness) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_snapshot_staleness_is_measured_on_each_reports_latest_day() -> None:
    noon = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
    rows = [
        ('["aging","2026-06-30",null,[]]', "L1.A1.S1", noon - timedelta(seconds=300)),  # stale: the ledger moved
        ('["aging","2026-06-30","segment",[]]', "L2.A1.S1", noon - timedelta(seconds=60)),  # fresh
        ('["aging","2026-05-31",null,[]]', "L0.A0.S0", noon - timedelta(days=30)),  # an old day: counted only
        ('["dso","2026-06-30",null,[]]', "L2.A1.S1", (noon - timedelta(seconds=30)).replace(tzinfo=None)),
        # The dashboard's figures are fresh for FIGURES_MAX_AGE whatever moved, then stale.
        ('["figures","2026-06-30",null,[]]', "L1.A1.S1", noon - timedelta(seconds=299)),
        ('["figures","2026-06-30",null,[["company_code","DE01"]]]', "L2.A1.S1", noon - timedelta(seconds=301)),
    ]
    found = _samples(metrics.SnapshotStaleness(_Services(_Store(rows))))  # type: ignore[arg-type]
    assert found["creditdesk_report_snapshots_readable", ()] == 1
    assert found["creditdesk_report_snapshots", (("report", "aging"), ("state", "stale"))] == 2
    assert found["creditdesk_report_snapshots", (("report", "aging"), ("state", "fresh"))] == 1
    assert found["creditdesk_report_snapshot_staleness_seconds", (("report", "aging"),)] == 300
    assert found["creditdesk_report_snapshot_age_seconds", (("report", "aging"),)] == 300
    assert found["creditdesk_report_snapshot_staleness_seconds", (("report", "dso"),)] == 0
    assert found["creditdesk_report_snapshot_age_seconds", (("report", "dso"),)] == 30  # naive = UTC
    assert found["creditdesk_report_snapshots", (("report", "figures"), ("state", "fresh"))] == 1
    assert found["creditdesk_report_snapshots", (("report", "figures"), ("state", "stale"))] == 1
    assert found["creditdesk_report_snapshot_staleness_seconds", (("report", "figures"),)] == 301


def test_decisions_are_counted_from_the_answer() -> None:
    def value(name: str, **labels: str) -> float:
        return metrics.REGISTRY.get_sample_value(name, labels) or 0.0

    review = value("creditdesk_credit_checks_total", decision="review")
    other = value("creditdesk_credit_checks_total", decision="other")
    replayed = value("creditdesk_orders_total", outcome="replayed")
    metrics.count_decision("/api/v1/checks", 200, b'{"decision": "review"}')
    metrics.count_decision("/api/v1/checks", 200, b'{"decision": "<b>Injected label</b>"}')
    metrics.count_decision("/api/v1/checks", 422, b'{"decision": "review"}')
    metrics.count_decision("/api/v1/checks", 200, b"not json")
    metrics.count_decision("/api/v1/orders", 200, b'{"decision": "approved"}')
    assert value("creditdesk_credit_checks_total", decision="review") == review + 1
    assert value("creditdesk_credit_checks_total", decision="other") == other + 1
    assert value("creditdesk_orders_total", outcome="replayed") == replayed + 1
    assert metrics.counts_decision("POST", "/api/v1/orders") and not metrics.counts_decision("GET", "/api/v1/orders")


def test_schema_problems_say_what_to_do() -> None:
    behind = SchemaStatus("0010", "0011", known=True)
    assert behind.problem() == (
        "database schema is at revision 0010, this creditdesk needs 0011: run `creditdesk db upgrade`"
    )
    assert "no schema yet" in (SchemaStatus(None, "0011", known=True).problem() or "")
    assert "newer creditdesk" in (SchemaStatus("0099", "0011", known=False).problem() or "")
    assert SchemaStatus("0011", "0011", known=True).problem() is None
    error = SchemaNotAtHead(behind)
    assert error.status == 503 and error.detail == behind.problem() and error.schema is behind


def test_serving_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "HOST": "0.0.0.0",
        "PORT": "9000",
        "WORKERS": "4",
        "LOG_LEVEL": "warning",
        "COOKIE_SAMESITE": "strict",
        "TOKEN_CACHE_SECONDS": "2.5",
        "METRICS_TOKEN": "t",
        "METRICS_PUBLIC": "true",
    }.items():
        monkeypatch.setenv(f"CREDITDESK_{name}", value)
    settings = Settings()
    assert (settings.host, settings.port, settings.workers) == ("0.0.0.0", 9000, 4)
    assert settings.log_level == "WARNING" and settings.log_level_number() == logging.WARNING
    assert settings.cookie_samesite == "strict" and settings.token_cache_seconds == 2.5
    assert settings.metrics_token == "t" and settings.metrics_public is True
    monkeypatch.setenv("CREDITDESK_LOG_LEVEL", "loud")
    with pytest.raises(ValueError, match="log_level"):
        Settings()


def test_the_log_level_setting_decides_whether_request_lines_are_written(capsys: pytest.CaptureFixture[str]) -> None:
    from creditdesk.entrypoints.observability import configure_logging

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        client = TestClient(_crashing_app())
        configure_logging("INFO")
        client.get("/ok", headers={"X-Request-ID": "at-info"})
        configure_logging("WARNING")  # replaces the first handler: one line per record, not two
        client.get("/ok", headers={"X-Request-ID": "at-warning"})
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "creditdesk.request"]
    assert [line["request_id"] for line in requests] == ["at-info"]
    assert requests[0]["status"] == 200 and requests[0]["path"] == "/ok" and requests[0]["user"] is None


def test_multiprocess_folder_is_prepared_before_the_workers_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(metrics.MULTIPROC_ENV, "")  # recorded: whatever the test sets is undone
    monkeypatch.delenv(metrics.MULTIPROC_ENV)
    assert metrics.prepare_multiprocess(1) is None and metrics.MULTIPROC_ENV not in os.environ
    made = metrics.prepare_multiprocess(2)  # several workers and no folder: a temporary one
    assert made is not None and made.is_dir() and os.environ[metrics.MULTIPROC_ENV] == str(made)
    made.rmdir()
    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_123.db").write_bytes(b"an earlier run")
    (given / "keep.txt").write_text("not ours")
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(given))
    assert metrics.prepare_multiprocess(1) == given
    assert sorted(p.name for p in given.iterdir()) == ["keep.txt"]
