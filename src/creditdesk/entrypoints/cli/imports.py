"""`creditdesk import`: one file of customers, invoices, payments, orders, … through the importers."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from creditdesk.entrypoints.cli.context import CLI_ACTOR, json_flag, state
from creditdesk.entrypoints.cli.output import EXIT_DATA, EXIT_USAGE, err, fail, print_json, user_errors

if TYPE_CHECKING:
    from creditdesk.adapters.importing.pipeline import ImportReport
    from creditdesk.bootstrap import Services
    from creditdesk.domain.roles import Role


def import_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="customers, invoices, payments, orders, financials, bureau or groups")],
    file: Annotated[Path, typer.Argument(help=".csv, .xlsx or .jsonl")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    user: Annotated[
        str | None,
        typer.Option("--user", help="Who imports: credit limits in the file are set with this user's authority."),
    ] = None,
) -> None:
    """Import a file. Any error: nothing is written, one line per problem, exit 65.

    Credit limits in a customers file apply within the authority of --user; beyond it, or
    without --user, each becomes a limit request for someone who may decide it."""
    from creditdesk.adapters.importing.pipeline import known_kinds
    from creditdesk.entrypoints.cli.engine import role_of

    if kind not in known_kinds():
        fail(f"unknown kind {kind!r}; expected one of {', '.join(known_kinds())}", EXIT_USAGE)
    services = state(ctx).services
    with user_errors():
        role = role_of(ctx, user) if user is not None else None
        report = _import_with_progress(services, kind, file, dry_run=dry_run, actor=user or CLI_ACTOR, role=role)
    for problem in report.problems:
        sys.stderr.write(str(problem) + "\n")
    if report.more_problems:
        sys.stderr.write(f"{file}: ... and {report.more_problems} more problems not listed\n")
    if json_flag(ctx, as_json):
        print_json(report.as_json())
    elif report.ok:
        verb = "valid" if dry_run else "imported"
        counts = f"{report.rows} rows, {report.inserted} new, {report.unchanged} unchanged"
        if report.changed or report.protected:  # master data that changed (docs/master-data.md)
            counts += f", {report.changed} changed, {report.protected} protected"
        err.print(f"{file}: {verb}: {counts}")
        _print_changes(report, dry_run)
    if not report.ok:
        errors = len(report.errors) + report.more_problems
        err.print(f"{file}: {errors} problem(s); nothing was written")
        raise typer.Exit(EXIT_DATA)


def _print_changes(report: ImportReport, dry_run: bool) -> None:
    """A dry run shows every change field by field; a real import only the protected fields."""
    from creditdesk.entrypoints.cli.output import out

    def shown(value: object) -> str:
        return "-" if value is None else str(value)

    if dry_run:
        for customer_id, name, before, after in report.changes:
            line = f"{customer_id}\t{name}\t{shown(before)} -> {shown(after)}"
            out.print(line, markup=False, highlight=False, soft_wrap=True)
    for customer_id, name, stored, given in report.protected_fields:
        line = f"{customer_id}\tprotected {name}\tkept {shown(stored)} (file: {shown(given)})"
        out.print(line, markup=False, highlight=False, soft_wrap=True)


def _import_with_progress(
    services: Services, kind: str, file: Path, *, dry_run: bool, actor: str, role: Role | None
) -> ImportReport:
    from creditdesk.adapters.importing.pipeline import import_file

    show = sys.stderr.isatty() and not os.environ.get("CI")
    columns = [
        TextColumn(f"{kind} {file.name}"),
        BarColumn(),
        TransferSpeedColumn() if file.suffix != ".xlsx" else TextColumn("{task.completed} rows"),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=err, disable=not show, transient=True) as progress:
        task = progress.add_task("validate", total=None)

        def tick(advance: int, total: int) -> None:
            progress.update(task, advance=advance, total=total or None)

        return import_file(
            kind, file, services.engine, services.clock, dry_run=dry_run, actor=actor, role=role, progress=tick
        )
