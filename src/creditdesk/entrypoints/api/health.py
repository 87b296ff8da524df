"""``/readyz``: ready when the database answers and its schema is this code's (``/healthz``, in
the app factory, only says the process serves: it never touches the database)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from creditdesk.bootstrap import Services
from creditdesk.entrypoints.api.problems import PROBLEM_JSON


def _unready(detail: str, checks: dict[str, Any]) -> JSONResponse:
    body = {
        "type": "https://creditdesk.dev/problems/503",
        "title": "Not ready",
        "status": 503,
        "detail": detail,
        "checks": checks,
    }
    return JSONResponse(body, status_code=503, media_type=PROBLEM_JSON, headers={"Cache-Control": "no-store"})


def install(app: FastAPI, services: Services) -> None:
    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:  # sync: one short read, in the thread pool
        from creditdesk.adapters.db.migrate import schema_status  # Alembic: with the first probe, not at start

        try:
            status = schema_status(services.engine)
        except SQLAlchemyError as error:
            cause = str(getattr(error, "orig", None) or error).strip().splitlines()
            reason = cause[0][:300] if cause else type(error).__name__
            return _unready(f"the database does not answer: {reason}", {"database": "unavailable"})
        problem = status.problem()
        if problem is not None:
            return _unready(problem, {"database": "ok", "schema": status.as_json()})
        return JSONResponse(
            {"status": "ready", "checks": {"database": "ok", "schema": status.as_json()}},
            headers={"Cache-Control": "no-store"},
        )
