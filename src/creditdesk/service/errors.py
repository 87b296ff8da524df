"""Invalid commands: exceptions that the entrypoints map to 4xx or exit codes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    loc: tuple[str | int, ...]
    code: str
    message: str


class Detail(str):
    """A refusal's English text (the API's ``detail``, unchanged) that may carry a stable code and
    its values (ids, roles, amounts), so that the web page says it in its reader's language
    (catalogue key ``refusal_<code>``). Serialised, it is the plain text."""

    code: str | None
    values: dict[str, str]

    def __new__(cls, text: str, code: str | None = None, values: Mapping[str, object] | None = None) -> Detail:
        made = super().__new__(cls, text)
        made.code = code
        made.values = {name: str(value) for name, value in (values or {}).items()}
        return made


class ServiceError(Exception):
    """Base of the errors a caller caused; never a traceback for the user. ``code`` names the
    refusals people meet daily (four eyes, authority, a required comment, a blocked account, not
    found) for the web page's words; the API's problem+json keeps its English ``detail``."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, code: str | None = None, values: Mapping[str, object] | None = None) -> None:
        super().__init__(detail)
        self.detail = Detail(detail, code, values)
        self.code = code


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

    def __init__(
        self,
        detail: str,
        problems: list[FieldProblem] | None = None,
        *,
        code: str | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(detail, code=code, values=values)
        self.problems = problems or []


class Unavailable(ServiceError):
    """Something the command needs is missing or unusable (a key file, say); not the caller's fault."""

    status = 503
    title = "Service unavailable"


class TooLarge(Unavailable):
    """The work would read more than is allowed in one process (a ledger beyond the settings'
    bound): refused before it starts, with what to use instead."""

    title = "Too large to compute here"


class TooBusy(ServiceError):
    """Bounded work: the caller (or everyone) has as much running as is allowed; try later."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
