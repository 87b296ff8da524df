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
from creditdesk.entrypoints.presenters import answer, held_order_summary
from creditdesk.service.auth import parse_role
from creditdesk.service.held_orders import ResolveOrder, resolve_order
from creditdesk.service.orders import sweep_expired
from creditdesk.service.policies import confirm_policy_activation, request_policy_activation

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
        orders = [held_order_summary(order) for order in uow.orders.blocked_orders(limit=1000)]
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
        cmd = ResolveOrder(order_id, user, role, comment, release=release)
        result = resolve_order(cmd, services.uow(), services.clock)
    if json_flag(ctx, as_json):
        print_json(answer(result).body)
    else:
        out.print(f"{order_id}: {result.order.status.value}")
    if result.awaiting_approval:
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
        swept = sweep_expired(services.read_uow, services.uow, services.clock)
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
        done = request_policy_activation(policy.name, text, user, role, services.uow(), services.clock)
    if done.pending is not None:
        out.print(
            f"check policy {policy.name!r} loosens authority: activation {done.pending} waits for a second person "
            f"(creditdesk policy confirm {done.pending} --user OTHER)"
        )
        return
    out.print(f"check policy {policy.name!r} is active as version {done.version}")


@policy_app.command("confirm")
def policy_confirm(ctx: typer.Context, activation: str, user: UserOption = "admin") -> None:
    """Confirm another person's pending activation of a policy that loosens authority (four eyes)."""
    services = state(ctx).services
    with user_errors():
        role = role_of(ctx, user)
        version = confirm_policy_activation(activation, user, role, services.uow(), services.clock)
    out.print(f"policy activation {activation} confirmed: version {version} is active")
