"""Commands of the credit engine: the ledger proof, the held-orders worklist, check policies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from creditdesk.adapters.db.reconcile import reconcile
from creditdesk.adapters.policy_file import PolicyError, parse_policy
from creditdesk.domain.limit_policy import LimitPolicy
from creditdesk.domain.roles import Role
from creditdesk.domain.rules import CheckPolicy
from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.output import EXIT_DATA, EXIT_REFUSED, err, fail, out, print_json, user_errors
from creditdesk.service import credit
from creditdesk.service.auth import parse_role
from creditdesk.service.policies import activate_check_policy

ledger_app = typer.Typer(help="The exposure ledger.", no_args_is_help=True)
orders_app = typer.Typer(help="Orders held by the credit check.", no_args_is_help=True)
policy_app = typer.Typer(help="Check policies.", no_args_is_help=True)

UserOption = Annotated[str, typer.Option("--user", help="Who decides (a web user; their role is their authority).")]


def role_of(ctx: typer.Context, username: str) -> Role:
    services = state(ctx).services
    with services.read_uow() as uow:
        found = uow.users.get(username)
    if found is None:
        fail(f"no user {username!r}; create one with `creditdesk user add`", EXIT_DATA)
    return parse_role(found.role)


@ledger_app.command("reconcile")
def ledger_reconcile(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Re-sum the ledger and the documents; exit 0 when every account's totals agree, 1 otherwise."""
    services = state(ctx).services
    with user_errors(), services.engine.connect() as conn:
        report = reconcile(conn.execution_options(readonly=True))
    if json_flag(ctx, as_json):
        print_json(report.as_json())
    else:
        out.print(f"{report.accounts} accounts, {report.entries} ledger entries")
        for mismatch in report.mismatches:
            out.print(f"  MISMATCH {mismatch.render()}")
        for negative in report.negative:
            out.print(f"  NEGATIVE {negative}")
        out.print("reconciled" if report.ok else "NOT reconciled")
    if not report.ok:
        raise typer.Exit(EXIT_REFUSED)


@orders_app.command("held")
def orders_held(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The worklist: orders blocked, sent to review, or waiting for a second approver."""
    services = state(ctx).services
    with user_errors(), services.read_uow() as uow:
        orders = [credit.held_order_summary(order) for order in uow.credit.blocked_orders(limit=1000)]
    if json_flag(ctx, as_json):
        print_json({"orders": orders, "count": len(orders)})
        return
    table = Table("order", "customer", "amount", "status", "reasons", "approvable up to")
    for order in orders:
        reasons = ", ".join(r["code"] for r in order["reasons"])
        amount = f"{order['amount']} {order['currency']}"
        table.add_row(
            order["order_id"], order["customer_id"], amount, order["status"], reasons, order["approvable_up_to"]
        )
    out.print(table)


def _resolve(ctx: typer.Context, order_id: str, user: str, comment: str, *, release: bool, as_json: bool) -> None:
    services = state(ctx).services
    with user_errors():
        role = role_of(ctx, user)
        cmd = credit.ResolveOrder(order_id, user, role, comment, release=release)
        result = credit.resolve_order(cmd, services.uow(), services.clock)
    if json_flag(ctx, as_json):
        print_json(result.body)
    else:
        out.print(f"{order_id}: {result.body['status']}")
    if result.status == 202:
        err.print("beyond this user's authority: waits for a second approver")


@orders_app.command("release")
def orders_release(
    ctx: typer.Context,
    order_id: str,
    user: UserOption,
    comment: Annotated[str, typer.Option("--comment", help="Why the order may go ahead.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Release a held order: re-checked now; beyond the user's authority it waits for a second approver."""
    _resolve(ctx, order_id, user, comment, release=True, as_json=as_json)


@orders_app.command("reject")
def orders_reject(
    ctx: typer.Context,
    order_id: str,
    user: UserOption,
    comment: Annotated[str, typer.Option("--comment", help="Why the order is refused.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Reject a held order for good."""
    _resolve(ctx, order_id, user, comment, release=False, as_json=as_json)


@orders_app.command("expire")
def orders_expire(ctx: typer.Context) -> None:
    """Release the reservations of orders whose validity has passed (a daily job)."""
    services = state(ctx).services
    with user_errors():
        with services.read_uow() as uow:
            due = uow.credit.customers_with_expired_orders(services.clock.today())
        swept = credit.expire_orders(due, services.uow, services.clock)
    err.print(f"swept {swept} account(s)")


def read_policy(file: Path) -> tuple[str, CheckPolicy, LimitPolicy]:
    """The file's text, check policy and limit policy; every problem printed as FILE:LINE:COL: CODE,
    exit 65."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"{file}: cannot read the policy: {error}", EXIT_DATA)
    try:
        return text, *parse_policy(text)
    except PolicyError as error:
        for problem in error.problems:
            err.print(problem.render(str(file)), soft_wrap=True)
        raise typer.Exit(EXIT_DATA) from None


@policy_app.command("validate")
def policy_validate(file: Path) -> None:
    """Check a policy file (checks, release authority and limits) without activating it."""
    read_policy(file)
    out.print(f"{file}: valid")


@policy_app.command("activate")
def policy_activate(ctx: typer.Context, file: Path, user: UserOption = "admin") -> None:
    """Validate a policy file and make it the active version."""
    services = state(ctx).services
    text, policy, _ = read_policy(file)
    with user_errors():
        role = role_of(ctx, user)
        version = activate_check_policy(policy.name, text, user, role, services.uow(), services.clock)
    out.print(f"check policy {policy.name!r} is active as version {version}")


bench_app = typer.Typer(help="Benchmarks that print figures.", no_args_is_help=True)


@bench_app.command("credit-check")
def bench_credit_check(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    invoices: Annotated[int, typer.Option("--invoices", help="Size of the ledger.")] = 1_000_000,
    customers: Annotated[int, typer.Option("--customers")] = 10_000,
    big_items: Annotated[int, typer.Option("--big-items", help="Open items of the largest customer.")] = 100_000,
    seconds: Annotated[int, typer.Option("--seconds", help="Length of each HTTP load run.")] = 10,
    connections: Annotated[int, typer.Option("--connections")] = 32,
    workers: Annotated[int, typer.Option("--workers", help="Server processes.")] = 2,
) -> None:
    """In-process and HTTP check rates, latency against history size, the naive re-sum, /healthz."""
    from creditdesk.entrypoints.bench.credit_check import run

    figures = run(
        customers=customers,
        invoices=invoices,
        big_items=big_items,
        seconds=seconds,
        connections=connections,
        workers=workers,
        progress=lambda message: err.print(f"[dim]{message}…[/dim]"),
    )
    if json_flag(ctx, as_json):
        print_json(figures)
    else:
        for key, value in figures.items():
            out.print(f"{key}: {value}")
