"""Commands that left the installed package, and what to run instead (exit 2, a usage error)."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from creditdesk.entrypoints.cli.output import EXIT_USAGE, fail

BENCH_HELP = "Moved out of the package: run `python -m bench.credit_check` from a checkout, or `make bench`."


class _Moved(TyperGroup):
    """Whatever follows the command's name (subcommands, options) gets the same answer."""

    message = ""

    def invoke(self, ctx: Any) -> Any:
        fail(self.message, EXIT_USAGE)


class _BenchMoved(_Moved):
    message = (
        "the benchmarks are no longer part of the installed package: from a checkout of creditdesk run "
        "`python -m bench.credit_check` (the credit check's speed, was `creditdesk bench credit-check`) "
        "or `make bench` (every benchmark)"
    )


bench_app = typer.Typer(
    cls=_BenchMoved,
    help=BENCH_HELP,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
