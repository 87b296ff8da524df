"""Invalid commands: exceptions that the entrypoints map to 4xx or exit codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    loc: tuple[str | int, ...]
    code: str
    message: str


class ServiceError(Exception):
    """Base of the errors a caller caused; never a traceback for the user."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(ServiceError):
    status = 404
    title = "Not found"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"


class Forbidden(ServiceError):
    status = 403
    title = "Forbidden"


class InvalidInput(ServiceError):
    status = 422
    title = "Invalid input"

    def __init__(self, detail: str, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.problems = problems or []


class Unavailable(ServiceError):
    """Something the command needs is missing or unusable (a key file, say); not the caller's fault."""

    status = 503
    title = "Service unavailable"


class TooBusy(ServiceError):
    """Bounded work: the caller (or everyone) has as much running as is allowed; try later."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
