"""Exit codes and output helpers shared by the commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError, ProgrammingError

from creditdesk.adapters.importing.fields import signed_decimal
from creditdesk.adapters.importing.problems import FieldError
from creditdesk.service.errors import Forbidden, ServiceError, Unavailable

EXIT_OK = 0
EXIT_REFUSED = 1  # refused by the business rules
EXIT_USAGE = 2
EXIT_DATA = 65  # bad input data (EX_DATAERR)
EXIT_UNAVAILABLE = 69  # a needed service is unavailable (EX_UNAVAILABLE)

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

T = TypeVar("T")


def fail(message: str, code: int) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", soft_wrap=True)
    raise typer.Exit(code)


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=1, default=str) + "\n")


@contextmanager
def user_errors() -> Iterator[None]:
    """A user's mistake becomes a message and an exit code, never a traceback."""
    try:
        yield
    except Forbidden as error:
        fail(error.detail, EXIT_REFUSED)
    except Unavailable as error:
        fail(error.detail, EXIT_UNAVAILABLE)
    except ServiceError as error:
        for problem in getattr(error, "problems", []):
            err.print(f"  {'.'.join(map(str, problem.loc))}: {problem.code} {problem.message}")
        fail(error.detail, EXIT_DATA)
    except (OperationalError, ProgrammingError) as error:
        text = str(error.orig) if error.orig is not None else str(error)
        if "no such table" in text or "does not exist" in text:
            fail(
                f"the database has no schema yet; run `creditdesk db upgrade` ({text.splitlines()[0]})",
                EXIT_UNAVAILABLE,
            )
        fail(f"the database is unavailable: {text.splitlines()[0]}", EXIT_UNAVAILABLE)


def guarded(fn: Callable[[], T]) -> T:
    with user_errors():
        return fn()
    raise AssertionError("unreachable")  # pragma: no cover


def decimal_option(text: str | None, option: str) -> Decimal | None:
    """An option's decimal (signed: cash may be overdrawn, a change may be a cut)."""
    if text is None:
        return None
    try:
        parsed: Decimal = signed_decimal(text)
    except FieldError as error:
        fail(f"{option}: {error.message}", EXIT_USAGE)
    return parsed
