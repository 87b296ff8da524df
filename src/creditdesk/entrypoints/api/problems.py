"""Errors as application/problem+json (RFC 9457), never a 500 for a client's mistake."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from creditdesk.service.errors import FieldProblem, InvalidInput, ServiceError, TooBusy

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://creditdesk.dev/problems/{status}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def field_errors(problems: list[FieldProblem]) -> list[dict[str, Any]]:
    return [{"loc": list(p.loc), "code": p.code, "message": p.message} for p in problems]


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
#: What every API operation may answer besides its success, all as problem+json.
ERRORS = {
    400: "Bad request",
    401: "No valid bearer token",
    403: "The caller's role or authority may not",
    404: "No such resource",
    405: "Method not allowed",
    409: "Conflicts with what is stored (a retried id with another body, a decided request)",
    422: "Invalid input: field errors under `errors`",
    429: "Too many requests: try again after `Retry-After` seconds",
    503: "A service the operation needs is unavailable",
}


def error_responses() -> dict[int | str, dict[str, Any]]:
    """The problem+json error responses every API operation declares (include_router's ``responses``)."""
    content = {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}
    return {status: {"description": description, "content": content} for status, description in ERRORS.items()}


def install(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service(_request: Request, error: ServiceError) -> JSONResponse:
        errors = field_errors(error.problems) if isinstance(error, InvalidInput) else None
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooBusy) else None
        return problem(error.status, error.title, error.detail, errors, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": [str(part) for part in item.get("loc", ())],
                "code": str(item.get("type", "invalid")).upper(),
                "message": str(item.get("msg", "")),
            }
            for item in error.errors()
        ]
        return problem(422, "Invalid input", "the request body does not match the schema", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        titles = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}
        return problem(
            error.status_code,
            titles.get(error.status_code, "Error"),
            str(error.detail),
            headers=getattr(error, "headers", None),
        )
