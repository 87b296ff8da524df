"""What an operator watches: JSON log lines, request ids and the request metrics.

* ``configure_logging(level)``: every log record as one JSON object per line on stderr
  (uvicorn's own lines too), at the level of ``CREDITDESK_LOG_LEVEL``.
* ``Observability``: the ASGI middleware that gives every request an id (``X-Request-ID``:
  the caller's when it is 1–128 characters of ``[A-Za-z0-9._-]``, else a fresh one), returns it
  on every response (errors and a crash's 500 included), writes one log line per request
  (``request_id, method, path, status, duration_ms, user``; ``path`` is the route template,
  ``/api/v1/customers/{customer_id}``, or the raw path when no route matched) and counts the
  request, and the credit decision of a check or an order, in :mod:`creditdesk.entrypoints.metrics`.
* ``log_job`` / ``job_run``: one line (``job, duration_ms, status``) and one histogram
  observation per scheduled job run (for the worker).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from creditdesk.entrypoints import metrics

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER = REQUEST_ID_HEADER.lower().encode()
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_MAX_DECISION_BODY = 64 * 1024
_MAX_RAW_PATH = 200

#: The current request's id, for every log record written while it is served (threads included:
#: the thread pool runs with a copy of the request's context).
request_id_var: ContextVar[str | None] = ContextVar("creditdesk_request_id", default=None)

request_log = logging.getLogger("creditdesk.request")
job_log = logging.getLogger("creditdesk.job")


def accepted_request_id(raw: str | bytes | None) -> str | None:
    """The caller's id when it is safe to echo and log; None for anything else (never reflected)."""
    if raw is None:
        return None
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("ascii")
        except UnicodeDecodeError:
            return None
    return raw if _VALID_ID.fullmatch(raw) else None


def new_request_id() -> str:
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", …fields}``: the record's ``fields`` (``extra={"fields":
    {...}}``), the current request id, and the traceback as ``exc`` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            document.update(fields)
        if "request_id" not in document:
            request_id = request_id_var.get()
            if request_id is not None:
                document["request_id"] = request_id
        if record.exc_info:
            document["exc"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: str | int = "INFO") -> None:
    """JSON lines on stderr for every logger at ``level`` (idempotent: a second call replaces the
    first's handler); uvicorn's handlers, when present, write JSON too."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _StderrHandler):
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        for existing in logging.getLogger(name).handlers:
            existing.setFormatter(JsonFormatter())


def log_job(job: str, duration_ms: float, status: str, **fields: Any) -> None:
    """One line and one ``creditdesk_job_duration_seconds`` observation for a job run;
    ``status`` is ``ok`` or ``failed`` (anything else is logged as given)."""
    metrics.observe_job(job, duration_ms / 1000, status)
    level = logging.INFO if status == "ok" else logging.ERROR
    line = {**fields, "job": job, "duration_ms": round(duration_ms, 1), "status": status}
    job_log.log(level, "job", extra={"fields": line})


@contextmanager
def job_run(job: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """``with job_run("monitor") as extra: ...``: times the block and logs it (``ok``, or
    ``failed`` with the error, which is raised again); what the block puts in ``extra`` is logged."""
    extra: dict[str, Any] = dict(fields)
    started = time.perf_counter()
    try:
        yield extra
    except BaseException as error:
        extra["error"] = f"{type(error).__name__}: {error}"
        log_job(job, (time.perf_counter() - started) * 1000, "failed", **extra)
        raise
    log_job(job, (time.perf_counter() - started) * 1000, "ok", **extra)


def route_template(scope: Scope, root_path: str = "") -> str | None:
    """The matched route's path template (a mount's prefix with ``/{path:path}``), None if none matched."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str) and hasattr(route, "endpoint"):
        return path
    mounted = scope.get("root_path", "")
    if scope.get("endpoint") is not None and isinstance(mounted, str) and len(mounted) > len(root_path):
        return f"{mounted}/{{path:path}}"  # a mount (the static files) set its prefix as the root path
    return path if isinstance(path, str) else None


def _user(state: Any) -> str | None:
    principal = state.get("principal") if isinstance(state, dict) else None
    name = getattr(principal, "name", None)
    return name if isinstance(name, str) else None


class Observability:
    """Request ids, the request log line and the request metrics (see the module's docstring).
    Installed inside ``SecurityHeaders``, outside everything else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        root_path = str(scope.get("root_path", ""))
        headers: dict[bytes, bytes] = dict(scope.get("headers") or [])
        request_id = accepted_request_id(headers.get(_HEADER)) or new_request_id()
        state = scope.setdefault("state", {})
        if isinstance(state, dict):
            state["request_id"] = request_id
        token = request_id_var.set(request_id)
        method = str(scope.get("method", ""))
        status = 500
        response_started = False
        body: list[bytes] | None = None  # the answer of a check or an order, to count its decision
        error: str | None = None
        id_header = (_HEADER, request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started, body
            if message["type"] == "http.response.start":
                response_started = True
                status = int(message["status"])
                kept = [(name, value) for name, value in message.get("headers", []) if name.lower() != _HEADER]
                message["headers"] = [*kept, id_header]
                route = route_template(scope, root_path)
                if route is not None and metrics.counts_decision(method, route):
                    body = []
            elif (
                message["type"] == "http.response.body"
                and body is not None
                and sum(map(len, body)) < _MAX_DECISION_BODY
            ):
                body.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as crash:
            error = type(crash).__name__
            status = 500
            if not response_started:
                await _crashed(send, request_id)
            raise  # uvicorn logs the traceback
        finally:
            request_id_var.reset(token)
            seconds = time.perf_counter() - started
            route = route_template(scope, root_path)
            metrics.observe_request(method, route or metrics.UNMATCHED, status, seconds)
            if body is not None and route is not None:
                metrics.count_decision(route, status, b"".join(body))
            fields: dict[str, Any] = {
                "request_id": request_id,
                "method": method,
                "path": route or str(scope.get("path", ""))[:_MAX_RAW_PATH],
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "user": _user(state),
            }
            if error is not None:
                fields["error"] = error
            request_log.log(logging.ERROR if status >= 500 else logging.INFO, "request", extra={"fields": fields})


async def _crashed(send: Send, request_id: str) -> None:
    """An unexpected error's answer: problem+json with the request id to quote (not Starlette's text)."""
    document = {
        "type": "https://creditdesk.dev/problems/500",
        "title": "Internal server error",
        "status": 500,
        "detail": f"an unexpected error; quote request id {request_id} when reporting it",
    }
    content = json.dumps(document).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(content)).encode()),
                (_HEADER, request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})
