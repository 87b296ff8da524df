"""The `creditdesk` command line (Typer)."""

from __future__ import annotations

import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from creditdesk.adapters.db.migrate import upgrade
from creditdesk.adapters.importing import fields as f
from creditdesk.adapters.importing.pipeline import ImportReport, import_file, known_kinds
from creditdesk.adapters.importing.problems import FieldError
from creditdesk.bootstrap import Services
from creditdesk.domain.decisions import Outcome
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.cli.audit import audit_app
from creditdesk.entrypoints.cli.collections import collections_app
from creditdesk.entrypoints.cli.context import CLI_ACTOR, State, state
from creditdesk.entrypoints.cli.context import json_flag as _json_flag
from creditdesk.entrypoints.cli.engine import bench_app, ledger_app, orders_app, policy_app, role_of
from creditdesk.entrypoints.cli.forecast import forecast_app
from creditdesk.entrypoints.cli.limits import limits_app, monitor
from creditdesk.entrypoints.cli.models import model_app
from creditdesk.entrypoints.cli.output import (
    EXIT_DATA,
    EXIT_REFUSED,
    EXIT_USAGE,
    err,
    fail,
    out,
    print_json,
    user_errors,
)
from creditdesk.entrypoints.cli.reports import report_app
from creditdesk.entrypoints.cli.scoring import as_of_date, score_command
from creditdesk.entrypoints.cli.simulate import simulate_command
from creditdesk.entrypoints.cli.terms import terms_app
from creditdesk.service.auth import add_user, change_user, create_token, parse_role
from creditdesk.service.credit import what_if

app = typer.Typer(
    help="creditdesk: customer credit limit management.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
user_app = typer.Typer(help="Web users.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(ledger_app, name="ledger")
app.add_typer(orders_app, name="orders")
app.add_typer(policy_app, name="policy")
app.add_typer(bench_app, name="bench")
app.add_typer(model_app, name="model")
app.add_typer(limits_app, name="limits")
app.command("monitor")(monitor)
app.add_typer(report_app, name="report")
app.add_typer(forecast_app, name="forecast")
app.add_typer(collections_app, name="collections")
app.add_typer(terms_app, name="terms")
app.command("score")(score_command)
app.command("simulate")(simulate_command)


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: CREDITDESK_DATABASE_URL or sqlite:///var/creditdesk.db)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")] = False,
) -> None:
    ctx.obj = State(db, as_json)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or migrate the schema."""
    services = state(ctx).services
    with user_errors():
        upgrade(services.engine)
    err.print("schema is up to date")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="What the token is for (shown on the admin page).")],
    user: Annotated[
        str | None, typer.Option("--user", help="The user the token acts as (four eyes compares users).")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option("--role", help="Without --user: a service user named NAME with this role (never approves)."),
    ] = None,
) -> None:
    """Print a new API token (only the token) on stdout."""
    services = state(ctx).services
    if (user is None) == (role is None):
        fail(
            "a token acts as a user: give --user NAME (the token has that user's role), or --role ROLE "
            "alone for a service user named after the token (it submits, never approves)",
            EXIT_USAGE,
        )
    with user_errors():
        chosen = parse_role(role) if role is not None else None
        token = create_token(name, services.uow(), services.clock, CLI_ACTOR, user=user, role=chosen)
    sys.stdout.write(token + "\n")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user name to sign in with.")],
    role: Annotated[str, typer.Option("--role")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    language: Annotated[str, typer.Option("--language", help="en or zh")] = "en",
) -> None:
    """Create a web user."""
    if not password_stdin:
        fail("pass --password-stdin and the password on standard input", EXIT_USAGE)
    password = sys.stdin.readline().rstrip("\r\n")
    services = state(ctx).services
    with user_errors():
        add_user(name, password, parse_role(role), services.uow(), services.hasher, CLI_ACTOR, language)
    err.print(f"user {name} added")


@user_app.command("set")
def user_set(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user to change.")],
    role: Annotated[str | None, typer.Option("--role")] = None,
    disabled: Annotated[bool | None, typer.Option("--disable/--enable", help="Stop or allow signing in.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="A new password from stdin.")] = False,
) -> None:
    """Change a user's role, password or status; every session of the user ends at once."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    services = state(ctx).services
    with user_errors():
        chosen = parse_role(role) if role is not None else None
        change_user(name, services.uow(), services.hasher, CLI_ACTOR, role=chosen, password=password, disabled=disabled)
    err.print(f"user {name} changed; their sessions have ended")


@app.command("import")
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
    if _json_flag(ctx, as_json):
        print_json(report.as_json())
    elif report.ok:
        verb = "valid" if dry_run else "imported"
        err.print(f"{file}: {verb}: {report.rows} rows, {report.inserted} new, {report.unchanged} unchanged")
    if not report.ok:
        errors = len(report.errors) + report.more_problems
        err.print(f"{file}: {errors} problem(s); nothing was written")
        raise typer.Exit(EXIT_DATA)


def _import_with_progress(
    services: Services, kind: str, file: Path, *, dry_run: bool, actor: str, role: Role | None
) -> ImportReport:
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


@app.command("check")
def check_command(
    ctx: typer.Context,
    customer_id: Annotated[str, typer.Argument()],
    amount: Annotated[str, typer.Argument(help="Decimal amount, e.g. 1250.00")],
    currency: Annotated[str | None, typer.Option("--currency", help="Defaults to the customer's currency.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """What-if credit check; nothing is reserved. Exit 0 approved, 1 blocked or review."""
    services = state(ctx).services
    with user_errors():
        money = _parse_money(services, customer_id, amount, currency)
        decision = what_if(customer_id, money, services.check_uow(), services.clock)
    from creditdesk.entrypoints.api.routes import check_result

    result = check_result(customer_id, decision)
    if _json_flag(ctx, as_json):
        print_json(result.model_dump())
    else:
        out.print(
            f"{result.decision.upper()}  {customer_id} {result.amount} {result.currency}: "
            f"limit {result.limit}, exposure {result.exposure}, available {result.available}"
        )
        for reason in result.reasons:
            out.print(f"  {reason.code}: {reason.message}")
    if decision.outcome is not Outcome.APPROVED:
        raise typer.Exit(EXIT_REFUSED)


def _parse_money(services: Services, customer_id: str, amount: str, currency: str | None) -> Money:
    from creditdesk.service.errors import FieldProblem, InvalidInput, NotFound

    try:
        value: Decimal = f.decimal_amount(amount)
        if currency is None:
            with services.read_uow() as uow:
                account = uow.accounts.get(customer_id)
            if account is None:
                raise NotFound(f"customer {customer_id!r} does not exist")
            currency = account.currency
        ccy = f.currency(currency)
        return Money.from_minor(f.to_minor(value, ccy), ccy)
    except FieldError as error:
        raise InvalidInput(error.message, [FieldProblem(("amount",), error.code.value, error.message)]) from None


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers")] = 1,
) -> None:
    """Serve the web app and the API."""
    _serve(state(ctx), host, port, workers)


def _serve(st: State, host: str, port: int, workers: int) -> None:
    import uvicorn

    if st.db:
        os.environ["CREDITDESK_DATABASE_URL"] = st.db
    with user_errors():
        upgrade(st.services.engine)
    trusted = st.services.settings.trust_forwarded_proto
    uvicorn.run(
        "creditdesk.entrypoints.api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        # X-Forwarded-* only when the settings say a proxy stands in front (never by default).
        proxy_headers=trusted,
        forwarded_allow_ips="*" if trusted else None,
    )


@app.command("demo")
def demo(
    ctx: typer.Context,
    customers: Annotated[int, typer.Option("--customers", min=1)] = 2000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    months: Annotated[int, typer.Option("--months", min=1, max=120)] = 24,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve when built.")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The demo's day, YYYY-MM-DD; default today (reproducible when set).")
    ] = None,
) -> None:
    """Build the demo portfolio through the importers, then serve it."""
    from creditdesk.entrypoints.cli.demo import DEMO_PASSWORD, DEMO_USERS, build_demo

    st = state(ctx)
    started = time.perf_counter()
    with user_errors():
        summary = build_demo(
            st.services,
            customers=customers,
            months=months,
            seed=seed,
            as_of=as_of_date(as_of) if as_of else st.services.clock.today(),
            show_progress=sys.stderr.isatty() and not os.environ.get("CI"),
        )
    summary["build_seconds"] = round(time.perf_counter() - started, 1)
    if summary.get("problems"):
        for line in summary["problems"]:
            sys.stderr.write(line + "\n")
        fail("the demo data did not import cleanly", EXIT_DATA)
    url = f"http://{host}:{port}"
    summary.update(url=url, login={"username": DEMO_USERS[0][0], "password": DEMO_PASSWORD})
    if _json_flag(ctx, as_json):
        print_json(summary)
    else:
        out.print(
            f"demo built in {summary['build_seconds']} s: {summary['customers']} customers, "
            f"{summary['invoices']} invoices, {summary['orders']} orders, {summary['limits_set']} limits"
        )
    if serve_after:
        err.print(
            f"creditdesk demo: open {url}  (log in as {DEMO_USERS[0][0]} / {DEMO_PASSWORD}; "
            f"other users: {', '.join(u for u, _ in DEMO_USERS[1:])}, same password)"
        )
        _serve(st, host, port, 1)


def run() -> None:
    try:
        app()
    except KeyboardInterrupt:
        raise SystemExit(130) from None
