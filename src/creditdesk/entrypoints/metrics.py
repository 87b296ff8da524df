"""Prometheus metrics: requests, credit decisions, jobs, and how far the report snapshots lag.

Exposed at ``GET /metrics`` (text format, not in the OpenAPI schema). Who may read it: clients on
loopback that did not come through a proxy (no ``X-Forwarded-For``/``Forwarded``/``X-Real-IP``),
anyone with ``Authorization: Bearer $CREDITDESK_METRICS_TOKEN``, or everyone when
``CREDITDESK_METRICS_PUBLIC=true`` (a port only the monitoring network reaches).

With ``--workers N`` each worker is its own process: set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty folder of this server's own (``prepare_multiprocess`` empties it before the workers start,
and makes a temporary one when ``workers > 1`` and none is set) and every scrape adds up all
workers' counters and histograms. The process and garbage-collector figures of the single-process
mode are then left out (prometheus_client cannot add them up).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from creditdesk.bootstrap import Services
from creditdesk.entrypoints.api.problems import problem
from creditdesk.service.snapshots import SCOPES, age_of, max_age_of, scope_of

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "<unmatched>"  # a path no route knows: one label, whatever was asked
CHECKS_ROUTE = "/api/v1/checks"
ORDERS_ROUTE = "/api/v1/orders"

REQUESTS = Counter(
    "creditdesk_http_requests", "HTTP requests by method, route template and status.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "creditdesk_http_request_duration_seconds",
    "HTTP request latency (first byte in to last byte out) by method, route template and status.",
    ["method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CHECKS = Counter("creditdesk_credit_checks", "What-if credit checks (POST /api/v1/checks) by decision.", ["decision"])
ORDERS = Counter(
    "creditdesk_orders",
    "Orders submitted (POST /api/v1/orders) by outcome: the decision, or replayed (the same order_id again).",
    ["outcome"],
)
JOB_DURATION = Histogram(
    "creditdesk_job_duration_seconds",
    "Scheduled job runs by job and status (ok, failed).",
    ["job", "status"],
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0),
)

_LABEL = re.compile(r"[a-z][a-z0-9_]{0,31}")


def _label(value: object) -> str:
    """A decision or outcome as a label: what the service says, or ``other`` (bounded cardinality)."""
    return value if isinstance(value, str) and _LABEL.fullmatch(value) else "other"


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    labels = (method, route, str(status))
    REQUESTS.labels(*labels).inc()
    LATENCY.labels(*labels).observe(seconds)


def count_check(decision: object) -> None:
    CHECKS.labels(_label(decision)).inc()


def count_order(outcome: object) -> None:
    ORDERS.labels(_label(outcome)).inc()


def observe_job(job: str, seconds: float, status: str) -> None:
    JOB_DURATION.labels(job, status).observe(seconds)


def counts_decision(method: str, route: str) -> bool:
    """Whether the response of this route carries a credit decision to count (its body is read)."""
    return method == "POST" and route in (CHECKS_ROUTE, ORDERS_ROUTE)


def count_decision(route: str, status: int, body: bytes) -> None:
    """Count the decision in a check's or an order's answer, as the API gave it to the caller:
    a check's 200; an order's 201 (a new decision) or 200 (the stored outcome, replayed)."""
    if status not in (200, 201):
        return
    try:
        document = json.loads(body)
    except ValueError:
        return
    decision = document.get("decision") if isinstance(document, dict) else None
    if route == CHECKS_ROUTE:
        count_check(decision)
    elif route == ORDERS_ROUTE:
        count_order(decision if status == 201 else "replayed")


def prepare_multiprocess(workers: int) -> Path | None:
    """Call before uvicorn starts its workers: with ``PROMETHEUS_MULTIPROC_DIR`` set, the folder
    is made and emptied of an earlier run's files; unset with ``workers > 1``, a temporary one is
    made and set, so the workers (which inherit the environment) count together. The folder."""
    folder = os.environ.get(MULTIPROC_ENV)
    if not folder:
        if workers <= 1:
            return None
        folder = tempfile.mkdtemp(prefix="creditdesk-metrics-")
        os.environ[MULTIPROC_ENV] = folder
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return path


class SnapshotStaleness(Collector):
    """At scrape time: for each report, its snapshots fresh and stale (computed from another data
    version than the current one), and for the report's latest day (what the pages show now), the
    age of its snapshots and how long the stale ones have been behind."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterable[Metric]:
        readable = GaugeMetricFamily(
            "creditdesk_report_snapshots_readable", "1 when the report snapshots could be read at this scrape."
        )
        try:
            store = self.services.snapshot_store()
            headers = store.headers()
            versions = {scope: store.data_version(scope) for scope in SCOPES}
        except SQLAlchemyError:
            readable.add_metric([], 0)
            yield readable
            return
        readable.add_metric([], 1)
        yield readable
        now = self.services.clock.now()  # the clock that stamped them
        counts: dict[tuple[str, str], int] = {}
        latest: dict[str, tuple[str, list[tuple[float, bool]]]] = {}
        for key, data_version, computed_at in headers:
            report, day = _report_and_day(key)
            age_now = age_of(computed_at, now)
            max_age = max_age_of(report)
            stale = data_version != versions[_scope(key)] if max_age is None else age_now > max_age
            counts[report, "stale" if stale else "fresh"] = counts.get((report, "stale" if stale else "fresh"), 0) + 1
            age = max(0.0, age_now.total_seconds())
            shown_day, ages = latest.get(report, ("", []))
            if day > shown_day:
                latest[report] = (day, [(age, stale)])
            elif day == shown_day:
                ages.append((age, stale))
        kept = GaugeMetricFamily(
            "creditdesk_report_snapshots",
            "Report snapshots kept, by report and state (stale: the data moved since it was computed).",
            labels=["report", "state"],
        )
        for (report, state), count in sorted(counts.items()):
            kept.add_metric([report, state], count)
        yield kept
        age_family = GaugeMetricFamily(
            "creditdesk_report_snapshot_age_seconds",
            "Seconds since the oldest snapshot of the report's latest day was computed.",
            labels=["report"],
        )
        staleness = GaugeMetricFamily(
            "creditdesk_report_snapshot_staleness_seconds",
            "Seconds since the oldest stale snapshot of the report's latest day was computed; 0 when all match "
            "the current data version.",
            labels=["report"],
        )
        for report, (_day, ages) in sorted(latest.items()):
            age_family.add_metric([report], max(age for age, _ in ages))
            staleness.add_metric([report], max((age for age, stale in ages if stale), default=0.0))
        yield age_family
        yield staleness


def _scope(key: str) -> str | None:
    """The data version's scope of a snapshot's key (``View.key``)."""
    try:
        return scope_of(json.loads(key)[0])
    except (ValueError, IndexError, KeyError, TypeError):
        return None


def _report_and_day(key: str) -> tuple[str, str]:
    """A snapshot key is ``[name, day, by, options]`` (entrypoints.portfolio_views.View.key)."""
    try:
        parts = json.loads(key)
        return _label(parts[0]), str(parts[1])
    except (ValueError, IndexError, KeyError, TypeError):
        return "other", ""


class _ThisProcess(Collector):
    """The process-wide registry (single-process mode), scraped beside the per-app collectors."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def exposition(services: Services) -> bytes:
    """The text format of every metric: all workers' in multiprocess mode, plus the snapshots."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    registry.register(SnapshotStaleness(services))
    return generate_latest(registry)


_PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def may_scrape(request: Request, token: str | None, public: bool) -> bool:
    if public:
        return True
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    if any(name in request.headers for name in _PROXY_HEADERS):
        return False  # a proxy on this host makes every client look local
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def install(app: FastAPI, services: Services) -> None:
    settings = services.settings

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:  # sync: the snapshot figures read the database
        if not may_scrape(request, settings.metrics_token, settings.metrics_public):
            return problem(
                403,
                "Forbidden",
                "/metrics answers loopback clients; from elsewhere send Authorization: Bearer with "
                "CREDITDESK_METRICS_TOKEN (or set CREDITDESK_METRICS_PUBLIC=true)",
            )
        return Response(exposition(services), media_type=CONTENT_TYPE_LATEST)
